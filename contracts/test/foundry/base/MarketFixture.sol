// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

import {PocomputeMarket} from "../../../PocomputeMarket.sol";
import {IPocomputeMarket} from "../../../interfaces/IPocomputeMarket.sol";
import {InstanceLayout} from "../../../libraries/InstanceLayout.sol";
import {TestBase} from "./MarketTest.sol";

/// A stand-in for a Halo2 verifier: a proof verifies iff its owner (the test, which plays the
/// prover) registered its first `PROOF_BYTES` bytes for exactly these instances. Only true
/// statements are ever registered, so a valid proof is one somebody made for those instances; bytes
/// appended to a proof are ignored, as a real verifier ignores them.
contract AllowListVerifier {
    uint256 public constant PROOF_BYTES = 96;
    address public immutable owner;
    /// keccak256(proof[:PROOF_BYTES]) => keccak256(abi.encode(instances))
    mapping(bytes32 => bytes32) public statementOf;

    constructor(address owner_) {
        owner = owner_;
    }

    function allow(bytes calldata proof, uint256[] calldata instances) external {
        require(msg.sender == owner, "AllowListVerifier: owner only");
        require(proof.length >= PROOF_BYTES, "AllowListVerifier: short proof");
        statementOf[keccak256(proof[:PROOF_BYTES])] = keccak256(abi.encode(instances));
    }

    function verifyProof(bytes calldata proof, uint256[] calldata instances) external view returns (bool) {
        return _accepts(proof, instances);
    }

    function _accepts(bytes calldata proof, uint256[] calldata instances) internal view returns (bool) {
        if (proof.length < PROOF_BYTES) return false;
        bytes32 statement = statementOf[keccak256(proof[:PROOF_BYTES])];
        return statement != bytes32(0) && statement == keccak256(abi.encode(instances));
    }
}

/// The same, in EZKL 23's reusable layout: the key (VKA) comes as calldata words, which must have
/// been registered; like EZKL's, it reverts on a proof it refuses and answers more than a bool.
contract AllowListReusableVerifier is AllowListVerifier {
    mapping(bytes32 => bool) public registered;

    constructor(address owner_) AllowListVerifier(owner_) {}

    function registerVka(bytes32[] memory vka) external returns (bytes32 digest) {
        digest = keccak256(abi.encodePacked(vka));
        registered[digest] = true;
    }

    function verifyProof(bytes calldata proof, uint256[] calldata instances, bytes32[] memory vka)
        external
        view
        returns (bool success, bytes32 digest, int256[] memory rescaled)
    {
        digest = keccak256(abi.encodePacked(vka));
        require(registered[digest], "VKA not registered");
        require(_accepts(proof, instances), "refused");
        success = true;
        rescaled = new int256[](instances.length);
    }
}

/// VKA stores (contracts/libraries/VkaStore.sol) made as `pocompute` makes them: creation code that
/// returns 0x00 followed by the words.
library VkaStores {
    function deploy(bytes32[] memory words) internal returns (address store) {
        bytes memory runtime = abi.encodePacked(bytes1(0x00), words);
        bytes memory creation = abi.encodePacked(hex"61", uint16(runtime.length), hex"80600a3d393df3", runtime);
        assembly {
            store := create(0, add(creation, 0x20), mload(creation))
        }
        require(store != address(0), "VKA store not deployed");
    }

    function words(uint256 n, bytes32 seed) internal pure returns (bytes32[] memory out) {
        out = new bytes32[](n);
        for (uint256 i = 0; i < n; i++) out[i] = keccak256(abi.encode(seed, i));
    }
}

/// A verifier that reverts: the market must treat it as a refusal.
contract RevertingVerifier {
    function verifyProof(bytes calldata, uint256[] calldata) external pure returns (bool) {
        revert("verifier exploded");
    }
}

/// A wallet contract that refuses ETH until it is opened (its payments are credited instead).
contract RefusingWallet {
    bool public open;

    function setOpen(bool open_) external {
        open = open_;
    }

    receive() external payable {
        require(open, "RefusingWallet: closed");
    }
}

/// A consumer whose callback tries to come back into the market and keeps the revert it got.
contract ReentryRecorder {
    PocomputeMarket public immutable market;
    bytes public lastRevert;
    uint256 public calls;

    constructor(PocomputeMarket market_) {
        market = market_;
    }

    function onInference(uint256 taskId, uint8, uint256, uint256[] calldata) external {
        calls += 1;
        try market.refund(taskId) {
            lastRevert = "";
        } catch (bytes memory reason) {
            lastRevert = reason;
        }
    }
}

/// The toy computation behind the test models: model 0 maps two inputs to one output (`stage0`),
/// model 1 one input to one output (`stage1`); pipeline 0 is [model 0, model 1], its inner boundary
/// stage 0's output. Model 0 is also the zk model, so a stage-0 answer is a valid proof for a zk
/// task on the same input (the copy a respond invites).
library Toy {
    uint256 internal constant FIELD = InstanceLayout.FIELD_MODULUS;

    function stage0(uint256 a, uint256 b) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode("stage0", a, b))) % FIELD;
    }

    function stage1(uint256 x) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode("stage1", x))) % FIELD;
    }

    /// One of a few inputs, so tasks often share one (a copier's decoy needs the same input).
    function inputs(uint256 which) internal pure returns (uint256[] memory values) {
        values = new uint256[](2);
        values[0] = 1 + which;
        values[1] = 7 * (1 + which);
    }

    function one(uint256 value) internal pure returns (uint256[] memory values) {
        values = new uint256[](1);
        values[0] = value;
    }

    /// The public instances of a model-0 proof (= a stage-0 proof) on these inputs.
    function stage0Instances(uint256[] memory ins, uint256 output) internal pure returns (uint256[] memory values) {
        values = new uint256[](3);
        values[0] = ins[0];
        values[1] = ins[1];
        values[2] = output;
    }

    function stage1Instances(uint256 input, uint256 output) internal pure returns (uint256[] memory values) {
        values = new uint256[](2);
        values[0] = input;
        values[1] = output;
    }

    function correctBoundary(uint256[] memory ins) internal pure returns (uint256) {
        return stage0(ins[0], ins[1]);
    }

    function correctOutput(uint256[] memory ins) internal pure returns (uint256) {
        return stage1(stage0(ins[0], ins[1]));
    }
}

/// A market with the toy models registered, and a prover for true statements about them.
abstract contract MarketFixture is TestBase {
    uint256 internal constant CLAIM_TTL = 600;
    uint256 internal constant MIN_CLAIM_BOND = 0.001 ether;
    uint256 internal constant CLAIM_BOND_BPS = 1000;
    uint256 internal constant MIN_CHALLENGER_BOND = 0.05 ether;
    uint256 internal constant ZK_MODEL = 0;
    uint256 internal constant STAGE1_MODEL = 1;
    uint256 internal constant PIPELINE = 0;
    /// Model 0 again, behind EZKL 23's reusable layout: its key in a VKA store, the verifier shared.
    uint256 internal constant REUSABLE_MODEL = 2;

    PocomputeMarket internal market;
    AllowListVerifier internal verifier;
    AllowListReusableVerifier internal reusableVerifier;
    uint256 private proofNonce;

    function deployMarket() internal {
        market = new PocomputeMarket(CLAIM_TTL, MIN_CLAIM_BOND, CLAIM_BOND_BPS, MIN_CHALLENGER_BOND);
        verifier = new AllowListVerifier(address(this));
        market.registerModel(address(verifier), address(0), keccak256("model 0"), 2, 1, "toy://stage0");
        market.registerModel(address(verifier), address(0), keccak256("model 1"), 1, 1, "toy://stage1");
        uint256[] memory stages = new uint256[](2);
        stages[0] = ZK_MODEL;
        stages[1] = STAGE1_MODEL;
        market.registerPipeline(stages);
        reusableVerifier = new AllowListReusableVerifier(address(this));
        address store = VkaStores.deploy(VkaStores.words(4, "model 0 reusable"));
        market.registerModel(address(reusableVerifier), store, keccak256("model 0"), 2, 1, "toy://stage0-reusable");
    }

    /// A fresh proof of `instances` (a new blinding each time, as an honest prover's), registered
    /// with the verifier. Only call it for true statements.
    function prove(uint256[] memory instances) internal returns (bytes memory proof) {
        proofNonce += 1;
        proof = abi.encodePacked(keccak256(abi.encode("blind a", proofNonce)), keccak256(abi.encode("blind b", proofNonce)), keccak256(abi.encode(instances)));
        verifier.allow(proof, instances);
        reusableVerifier.allow(proof, instances);
    }

    /// A proof of the zk model (= stage 0) on `ins`, with its instances.
    function proveZk(uint256[] memory ins) internal returns (bytes memory proof, uint256[] memory instances) {
        instances = Toy.stage0Instances(ins, Toy.correctBoundary(ins));
        proof = prove(instances);
    }

    function commitmentOf(uint256 taskId, address claimant, bytes memory proof) internal pure returns (bytes32) {
        return keccak256(abi.encode(taskId, claimant, keccak256(proof)));
    }

    function terms(uint32 window, uint32 responseTime, uint128 workerBond, uint128 challengerBond) internal pure returns (IPocomputeMarket.OptimisticTerms memory) {
        return IPocomputeMarket.OptimisticTerms(window, responseTime, workerBond, challengerBond);
    }

    function proofKey(bytes memory proof) internal pure returns (bytes32 key) {
        assembly {
            key := keccak256(add(proof, 0x20), 64)
        }
    }
}
