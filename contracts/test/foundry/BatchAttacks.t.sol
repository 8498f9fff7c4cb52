// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

import {IPocomputeBatches} from "../../interfaces/IPocomputeBatches.sol";
import {IPocomputeMarket} from "../../interfaces/IPocomputeMarket.sol";
import {BatchFixture} from "./base/BatchFixture.sol";
import {Toy} from "./base/MarketFixture.sol";

/// The issue-19 review's attacks on an honest batch worker, each asserting that the worker keeps
/// its money. Each of these failed on the contracts before the fix (the attack succeeded).
contract BatchAttacksTest is BatchFixture {
    event log_named_uint(string key, uint256 val);

    function assertLt(uint256 a, uint256 b) internal pure {
        assertTrue(a < b, "expected a < b");
    }

    function assertLt(uint256 a, uint256 b, string memory m) internal pure {
        assertTrue(a < b, m);
    }

    function assertGt(uint256 a, uint256 b) internal pure {
        assertTrue(a > b, "expected a > b");
    }

    address internal requester = address(uint160(uint256(keccak256("requester"))));
    address internal worker = address(uint160(uint256(keccak256("worker"))));

    function setUp() public {
        vm.warp(1_000_000);
        vm.roll(100);
        deployBatches();
        vm.deal(requester, 10_000 ether);
        vm.deal(worker, 10_000 ether);
    }

    function widePipeline(uint32 numOutputs) internal returns (uint256) {
        uint256 model = market.registerModel(address(verifier), address(0), keccak256(abi.encode("wide", numOutputs)), 1, numOutputs, "toy://wide");
        uint256[] memory st = new uint256[](1);
        st[0] = model;
        return market.registerPipeline(st);
    }

    function ones(uint256 n) internal pure returns (uint256[] memory a) {
        a = new uint256[](n);
        for (uint256 i = 0; i < n; i++) a[i] = i + 1;
    }

    /// A1: a batch whose submitResults cannot fit a block (1 input felt, 128 output felts per task,
    /// N = 1024: 131,072 result words) is refused at post, before any worker can put a claim bond on it.
    function test_A1_unsubmittableBatchIsRefusedAtPost() public {
        uint256 pipeline = widePipeline(128);
        uint256 n = 1024;
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeBatches.ResultsTooLarge.selector, batches.MAX_RESULT_WORDS(), n * 128));
        batches.postBatch{value: 0.01 ether * n}(pipeline, ones(n), uint64(block.timestamp + 1 days), address(0), terms(600, 7 days, 0.02 ether, 0.05 ether));
    }

    /// A1, the bound itself: the largest batch allowed (3 outputs × 1024 tasks = 3,072 words) is
    /// submitted well inside a 30M block and under the 128 KiB transaction-size limit of the pools.
    function test_A1_largestAllowedBatchSubmits() public {
        uint256 pipeline = widePipeline(3);
        uint256 n = 1024;
        uint256 max = batches.MAX_RESULT_WORDS();
        assertEq(n * 3, max);
        vm.prank(requester);
        uint256 id = batches.postBatch{value: 0.01 ether * n}(pipeline, ones(n), uint64(block.timestamp + 1 days), address(0), terms(600, 7 days, 0.02 ether, 0.05 ether));
        uint256 bond = market.claimBondFor(0.01 ether * n);
        vm.prank(worker);
        batches.claim{value: bond}(id);
        uint256[] memory outputs = new uint256[](n * 3);
        for (uint256 i = 0; i < outputs.length; i++) outputs[i] = type(uint128).max - i; // no zero bytes: the dearest calldata
        bytes memory data = abi.encodeCall(batches.submitResults, (id, outputs, new uint256[](0)));
        assertLt(data.length, 128 * 1024 - 2048, "calldata under the pools' 128 KiB with room for the envelope");
        uint256 calldataGas = 21_000;
        for (uint256 i = 0; i < data.length; i++) calldataGas += data[i] == 0 ? 4 : 16;
        vm.prank(worker);
        uint256 g = gasleft();
        (bool ok, ) = address(batches).call{value: 0.02 ether * n, gas: 30_000_000}(data);
        uint256 used = g - gasleft();
        assertTrue(ok, "the largest batch allowed is submitted");
        assertLt(used + calldataGas, 15_000_000, "in half a block, calldata included");
        emit log_named_uint("submitResults at MAX_RESULT_WORDS: execution + calldata gas", used + calldataGas);
    }

    /// A2: every (task, stage) of a 256-task, 2-stage batch challenged in one block no longer falls
    /// due at one instant: the k-th deadline is responseTime + (k − 1) × responseTime / 2 away, so a
    /// worker answering one challenge per 12 s block, earliest deadline first, answers all 512 and
    /// wins every challenger bond.
    uint256 internal constant N2 = 256;
    uint128 internal constant WB = 0.2 ether;
    uint128 internal constant CB = 0.05 ether;
    uint32 internal constant RT = 1100;
    uint256 internal id2;
    uint256[] internal flat2;
    uint256[] internal outs2;
    uint256[] internal bnds2;

    function test_A2_massChallengeIsAnsweredOnePerBlock() public {
        uint256 reward = 0.01 ether;
        flat2 = batchInputs(0, N2);
        vm.prank(requester);
        id2 = batches.postBatch{value: reward * N2}(PIPELINE, flat2, uint64(block.timestamp + 1 days), address(0), terms(600, RT, WB, CB));
        uint256 claimBond = market.claimBondFor(reward * N2);
        uint256 workerBefore = worker.balance;
        vm.prank(worker);
        batches.claim{value: claimBond}(id2);
        (outs2, bnds2) = batchResults(flat2, 0); // every result correct
        vm.prank(worker);
        batches.submitResults{value: uint256(WB) * N2}(id2, outs2, bnds2);
        bytes32[][] memory rTree = tree(resultLeaves(id2, outs2, bnds2));
        bytes32[][] memory iTree = tree(inputLeaves(id2, flat2));

        // The requester challenges every task and stage in one block.
        uint256 t0 = block.timestamp;
        for (uint256 i = 0; i < N2; i++) {
            for (uint32 s = 0; s < 2; s++) {
                vm.prank(requester);
                batches.challenge{value: CB}(id2, i, s);
            }
        }
        // The deadlines are spread: challenge k (in the order opened) is due at t0 + RT + k × RT / 2.
        for (uint256 k = 0; k < 2 * N2; k++) {
            assertEq(uint256(batches.getChallenge(id2, k / 2, uint32(k % 2)).responseDeadline), t0 + RT + k * (RT / 2));
        }
        assertEq(uint256(batches.getBatch(id2).lastResponseDeadline), t0 + RT + (2 * N2 - 1) * (RT / 2));

        // The worker answers one challenge per 12 s block, earliest deadline first (a 1 s proof
        // fits the block time), each before its own deadline.
        for (uint256 k = 0; k < 2 * N2; k++) {
            vm.warp(block.timestamp + 12);
            vm.roll(block.number + 1);
            assertLt(block.timestamp, batches.getChallenge(id2, k / 2, uint32(k % 2)).responseDeadline);
            answerOne(k / 2, uint32(k % 2), rTree, iTree);
        }
        vm.warp(batches.getBatch(id2).windowEnd);
        batches.finalize(id2);
        assertEq(uint256(batches.getBatch(id2).lost), 0, "no honest task lost");
        // Paid: every reward, the claim bond and worker bonds back, and every challenger bond won.
        assertEq(worker.balance, workerBefore + reward * N2 + 2 * N2 * CB, "the honest worker keeps its money and wins the bonds");
    }

    /// A2, no queue-jumping: a challenge opened late in a long queue is never due sooner than the
    /// queue's end plus half a response time, nor sooner than its own response time.
    function test_A2_queuedDeadlineNeverShorterThanResponseTime() public {
        uint256[] memory flat = batchInputs(0, 4);
        vm.prank(requester);
        uint256 id = batches.postBatch{value: 0.04 ether}(PIPELINE, flat, uint64(block.timestamp + 1 days), address(0), terms(10_000, RT, WB, CB));
        uint256 bond = market.claimBondFor(0.04 ether);
        vm.prank(worker);
        batches.claim{value: bond}(id);
        (uint256[] memory o, uint256[] memory b) = batchResults(flat, 0);
        vm.prank(worker);
        batches.submitResults{value: uint256(WB) * 4}(id, o, b);
        batches.challenge{value: CB}(id, 0, 0);
        uint64 first = batches.getChallenge(id, 0, 0).responseDeadline;
        vm.warp(block.timestamp + 5_000); // long after the first deadline
        batches.challenge{value: CB}(id, 1, 0);
        assertEq(uint256(batches.getChallenge(id, 1, 0).responseDeadline), block.timestamp + RT, "a full response time after a quiet spell");
        assertGt(uint256(batches.getChallenge(id, 1, 0).responseDeadline), uint256(first) + RT / 2);
    }

    /// Every level of the tree of `leaves` (a power of two), built once: a path is then ⌈log2 n⌉ reads.
    function tree(bytes32[] memory leaves) internal pure returns (bytes32[][] memory levels) {
        uint256 d = 0;
        while ((uint256(1) << d) < leaves.length) d++;
        levels = new bytes32[][](d + 1);
        levels[0] = leaves;
        for (uint256 k = 1; k <= d; k++) {
            bytes32[] memory below = levels[k - 1];
            levels[k] = new bytes32[](below.length / 2);
            for (uint256 i = 0; i < below.length / 2; i++) levels[k][i] = keccak256(abi.encodePacked(below[2 * i], below[2 * i + 1]));
        }
    }

    function pathIn(bytes32[][] memory levels, uint256 index) internal pure returns (bytes32[] memory path) {
        path = new bytes32[](levels.length - 1);
        for (uint256 k = 0; k + 1 < levels.length; k++) {
            path[k] = levels[k][index ^ 1];
            index /= 2;
        }
    }

    function answerOne(uint256 i, uint32 s, bytes32[][] memory rTree, bytes32[][] memory iTree) internal {
        IPocomputeBatches.LeafProof memory leaf;
        leaf.outputs = Toy.one(outs2[i]);
        leaf.boundaries = Toy.one(bnds2[i]);
        leaf.resultPath = pathIn(rTree, i);
        leaf.inputPath = pathIn(iTree, i);
        uint256[] memory ins = new uint256[](2);
        ins[0] = flat2[2 * i];
        ins[1] = flat2[2 * i + 1];
        uint256[] memory inst = s == 0 ? Toy.stage0Instances(ins, bnds2[i]) : Toy.stage1Instances(bnds2[i], outs2[i]);
        bytes memory proof = prove(inst);
        vm.prank(worker);
        batches.respond(id2, i, s, leaf, proof, inst);
    }

    /// A3: a claim whose deadline would fall inside it is refused, so no worker claims at
    /// deadline − 1 and then loses its bond to a submit that lands at the deadline.
    function test_A3_claimInsideTheDeadlineIsRefused() public {
        uint256[] memory flat = batchInputs(0, 8);
        uint64 deadline = uint64(block.timestamp + CLAIM_TTL + 120);
        vm.prank(requester);
        uint256 id = batches.postBatch{value: 0.01 ether * 8}(PIPELINE, flat, deadline, address(0), terms(600, 300, 0.02 ether, 0.05 ether));
        uint256 bond = market.claimBondFor(0.01 ether * 8);
        vm.warp(deadline - 1); // the worker spent the time witnessing
        vm.prank(worker);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeBatches.DeadlineInsideClaim.selector, deadline, block.timestamp + CLAIM_TTL));
        batches.claim{value: bond}(id);
        // The latest claim allowed lasts its whole TTL and submits in its last second.
        vm.warp(deadline - CLAIM_TTL);
        vm.prank(worker);
        batches.claim{value: bond}(id);
        assertEq(uint256(batches.getBatch(id).claimExpiry), uint256(deadline));
        vm.warp(deadline - 1);
        (uint256[] memory o, uint256[] memory b) = batchResults(flat, 0);
        vm.prank(worker);
        batches.submitResults{value: 0.02 ether * 8}(id, o, b);
        assertEq(uint8(batches.getBatch(id).status), uint8(IPocomputeMarket.Status.Submitted));
    }

    /// A3: a deadline shorter than a claim: nobody can claim, the requester gets only its rewards back.
    function test_A3_shortDeadlineBatchCannotBeClaimed() public {
        uint256[] memory flat = batchInputs(0, 8);
        uint64 deadline = uint64(block.timestamp + 120);
        vm.prank(requester);
        uint256 id = batches.postBatch{value: 0.01 ether * 8}(PIPELINE, flat, deadline, address(0), terms(600, 300, 0.02 ether, 0.05 ether));
        uint256 bond = market.claimBondFor(0.01 ether * 8);
        vm.prank(worker);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeBatches.DeadlineInsideClaim.selector, deadline, block.timestamp + CLAIM_TTL));
        batches.claim{value: bond}(id);
    }

    /// A4: a model's long metadataURI does not make respond dearer: respond reads no Model struct.
    function test_A4_longMetadataUriDoesNotRaiseRespondGas() public {
        // Slim first: the fat one runs with the same addresses warm (one tx in a test).
        uint256 slim = respondGas(bytes("toy://slim"), "slim");
        uint256 fat = respondGas(new bytes(40_000), "fat");
        emit log_named_uint("respond gas, 40 kB metadataURI", fat);
        emit log_named_uint("respond gas, 10 B metadataURI", slim);
        assertLt(fat, slim + 5_000, "the URI's length does not reach respond (it added ~414k gas before)");
    }

    function respondGas(bytes memory uri, string memory tag) internal returns (uint256 used) {
        uint256 model = market.registerModel(address(verifier), address(0), keccak256(bytes(tag)), 2, 1, string(uri));
        uint256[] memory st = new uint256[](1);
        st[0] = model;
        uint256 pipeline = market.registerPipeline(st);
        uint256[] memory flat = batchInputs(0, 2);
        vm.prank(requester);
        uint256 id = batches.postBatch{value: 0.02 ether}(pipeline, flat, uint64(block.timestamp + 1 days), address(0), terms(600, 300, 0.02 ether, 0.05 ether));
        uint256 cb = market.claimBondFor(0.02 ether);
        vm.prank(worker);
        batches.claim{value: cb}(id);
        uint256[] memory o = new uint256[](2);
        uint256[] memory ins = new uint256[](2);
        ins[0] = flat[0];
        ins[1] = flat[1];
        o[0] = Toy.stage0(flat[0], flat[1]);
        o[1] = Toy.stage0(flat[2], flat[3]);
        vm.prank(worker);
        batches.submitResults{value: 0.04 ether}(id, o, new uint256[](0));
        vm.prank(requester);
        batches.challenge{value: 0.05 ether}(id, 0, 0);
        bytes32[] memory r = new bytes32[](2);
        r[0] = keccak256(abi.encode("pocompute.batch.result", id, uint256(0), Toy.one(o[0]), new uint256[](0)));
        r[1] = keccak256(abi.encode("pocompute.batch.result", id, uint256(1), Toy.one(o[1]), new uint256[](0)));
        IPocomputeBatches.LeafProof memory leaf;
        leaf.outputs = Toy.one(o[0]);
        leaf.boundaries = new uint256[](0);
        leaf.resultPath = pathOf(r, 0);
        leaf.inputPath = pathOf(inputLeaves(id, flat), 0);
        uint256[] memory inst = Toy.stage0Instances(ins, o[0]);
        bytes memory proof = prove(inst);
        vm.prank(worker);
        uint256 g = gasleft();
        batches.respond(id, 0, 0, leaf, proof, inst);
        used = g - gasleft();
    }
}
