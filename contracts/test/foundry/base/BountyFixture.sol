// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

import {PocomputeBounties} from "../../../PocomputeBounties.sol";
import {IPocomputeBounties} from "../../../interfaces/IPocomputeBounties.sol";
import {IPocomputeMarket} from "../../../interfaces/IPocomputeMarket.sol";
import {BatchFixture} from "./BatchFixture.sol";
import {Toy} from "./MarketFixture.sol";

/// A toy training bounty on the toy market: the step and evaluation circuits are models of the
/// allow-list verifier (a proof verifies iff the test registered it for exactly those instances),
/// and a "run" is a list of made-up weight hashes, one tensor pair (K = 2) per step. The test plays
/// the prover: it registers proofs only for the statements an honest trainer could prove.
abstract contract BountyFixture is BatchFixture {
    uint256 internal constant FIELD = Toy.FIELD;
    uint256 internal constant K = 2;
    uint32 internal constant WEIGHT_FELTS = 3;
    uint32 internal constant EVAL_FELTS = 4;
    uint32 internal constant MAX_STEPS = 16;
    uint256 internal constant BOUNTY_REWARD = 1 ether;
    uint128 internal constant BOUNTY_WORKER_BOND = 0.2 ether;
    uint128 internal constant BOUNTY_CHALLENGER_BOND = 0.1 ether;
    uint32 internal constant REVEAL_TIME = 1 days;
    uint32 internal constant PROVE_TIME = 1 days;
    uint32 internal constant CHALLENGE_WINDOW = 3 days;
    uint32 internal constant RESPONSE_TIME = 1 hours;
    int256 internal constant TARGET = 100; // LossAtMost: a loss of at most 100 meets it
    bytes32 internal constant SALT = keccak256("salt");
    /// The evaluation set's felts read within ±EVAL_BOUND (signed).
    uint256 internal constant EVAL_BOUND = 1000;
    bytes32 internal constant SEAL_SALT = keccak256("seal salt");

    PocomputeBounties internal bounties;
    uint256 internal stepModel;
    uint256 internal evalModel;

    function deployBounties() internal {
        deployMarket();
        stepModel = market.registerModel(address(verifier), address(0), keccak256("step"), uint32(K + 2), uint32(K + 1), "toy://step");
        evalModel = market.registerModel(address(verifier), address(0), keccak256("eval"), uint32(K + 2), WEIGHT_FELTS + EVAL_FELTS + 1, "toy://eval");
        bounties = new PocomputeBounties(IPocomputeMarket(address(market)));
    }

    function felt(bytes memory seed) internal pure returns (uint256) {
        return uint256(keccak256(seed)) % FIELD;
    }

    function baseHashes() internal pure returns (uint256[] memory base) {
        base = new uint256[](K);
        for (uint256 i = 0; i < K; i++) base[i] = felt(abi.encode("base", i));
    }

    function otherBaseHashes() internal pure returns (uint256[] memory base) {
        base = new uint256[](K);
        for (uint256 i = 0; i < K; i++) base[i] = felt(abi.encode("other base", i));
    }

    /// A run of `steps` steps: per step, the K weight hashes after it.
    function trajectoryOf(bytes32 seed, uint256 steps) internal pure returns (uint256[] memory t) {
        t = new uint256[](steps * K);
        for (uint256 i = 0; i < t.length; i++) t[i] = felt(abi.encode(seed, i));
    }

    function featuresHash(uint256 step) internal pure returns (uint256) {
        return felt(abi.encode("features", step));
    }

    function labelsHash(uint256 step) internal pure returns (uint256) {
        return felt(abi.encode("labels", step));
    }

    function batchLeaves() internal pure returns (bytes32[] memory leaves) {
        leaves = new bytes32[](MAX_STEPS);
        for (uint256 s = 0; s < MAX_STEPS; s++) leaves[s] = keccak256(abi.encode(s, featuresHash(s), labelsHash(s)));
    }

    function batchPath(uint256 step) internal pure returns (bytes32[] memory) {
        return pathOf(batchLeaves(), step);
    }

    /// Small signed values (some negative), within ±EVAL_BOUND.
    function evalSet() internal pure returns (uint256[] memory e) {
        e = new uint256[](EVAL_FELTS);
        for (uint256 i = 0; i < EVAL_FELTS; i++) e[i] = toFelt(int256(uint256(keccak256(abi.encode("eval", i))) % (2 * EVAL_BOUND + 1)) - int256(EVAL_BOUND));
    }

    /// The seal of run `t` by `worker` on bounty `id`.
    function sealOf(uint256 id, address worker, uint256[] memory t, bytes32 salt) internal pure returns (bytes32) {
        return keccak256(abi.encode(id, worker, keccak256(abi.encode(t)), salt));
    }

    function evalCommitOf(uint256[] memory e, bytes32 salt) internal pure returns (bytes32) {
        return keccak256(abi.encode(keccak256(abi.encode(e)), salt));
    }

    function bountyTerms() internal view returns (IPocomputeBounties.Terms memory t) {
        t.stepModelId = stepModel;
        t.evalModelId = evalModel;
        t.baseModelSha256 = keccak256("base.onnx");
        t.dataCommitment = keccak256("training data");
        t.batchRoot = rootOf(batchLeaves());
        t.evalCommit = evalCommitOf(evalSet(), SALT);
        t.metric = IPocomputeBounties.Metric.LossAtMost;
        t.target = TARGET;
        t.maxSteps = MAX_STEPS;
        t.evalFelts = EVAL_FELTS;
        t.weightFelts = WEIGHT_FELTS;
        t.commitDeadline = uint64(block.timestamp + 1 days);
        t.revealTime = REVEAL_TIME;
        t.proveTime = PROVE_TIME;
        t.challengeWindow = CHALLENGE_WINDOW;
        t.responseTime = RESPONSE_TIME;
        t.workerBond = BOUNTY_WORKER_BOND;
        t.challengerBond = BOUNTY_CHALLENGER_BOND;
        t.evalBound = EVAL_BOUND;
    }

    /// The public values of step `step` of run `t`: [before ×K | features, labels | after ×K | loss].
    function stepInstances(uint256[] memory base, uint256[] memory t, uint256 step) internal pure returns (uint256[] memory ins) {
        ins = new uint256[](2 * K + 3);
        for (uint256 i = 0; i < K; i++) {
            ins[i] = step == 0 ? base[i] : t[(step - 1) * K + i];
            ins[K + 2 + i] = t[step * K + i];
        }
        ins[K] = featuresHash(step);
        ins[K + 1] = labelsHash(step);
        ins[2 * K + 2] = felt(abi.encode("loss", step));
    }

    function toFelt(int256 x) internal pure returns (uint256) {
        return x >= 0 ? uint256(x) : FIELD - uint256(-x);
    }

    /// The evaluation's public values: [weights ×K | features, labels | weight felts | eval felts | metric].
    function evalInstances(uint256[] memory t, uint256[] memory e, int256 metric) internal pure returns (uint256[] memory ins) {
        uint256 n = K + 2 + WEIGHT_FELTS + EVAL_FELTS + 1;
        ins = new uint256[](n);
        uint256 last = t.length - K;
        for (uint256 i = 0; i < K; i++) ins[i] = t[last + i];
        ins[K] = felt("eval features hash");
        ins[K + 1] = felt("eval labels hash");
        for (uint256 i = 0; i < WEIGHT_FELTS; i++) ins[K + 2 + i] = felt(abi.encode("final weight", i));
        for (uint256 i = 0; i < EVAL_FELTS; i++) ins[K + 2 + WEIGHT_FELTS + i] = e[i];
        ins[n - 1] = toFelt(metric);
    }
}
