// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

import {InferenceConsumerExample} from "../../InferenceConsumerExample.sol";
import {PocomputeBatches} from "../../PocomputeBatches.sol";
import {IPocomputeBatches} from "../../interfaces/IPocomputeBatches.sol";
import {IPocomputeMarket} from "../../interfaces/IPocomputeMarket.sol";
import {BatchFixture} from "./base/BatchFixture.sol";
import {Toy} from "./base/MarketFixture.sol";

/// A consumer of batched results that keeps what it was told and checks the inclusion proof.
contract BatchConsumer {
    PocomputeBatches public immutable batches;
    uint256 public calls;
    uint256 public lastOutput;
    bool public lastIncluded;

    constructor(PocomputeBatches batches_) {
        batches = batches_;
    }

    function onBatchInference(uint256 batchId, uint256 index, uint256, uint256[] calldata outputs, uint256[] calldata boundaries, bytes32, bytes32[] calldata path) external {
        require(msg.sender == address(batches), "not the batch contract");
        calls += 1;
        lastOutput = outputs[0];
        lastIncluded = batches.isFinalResult(batchId, index, outputs, boundaries, path);
    }
}

/// Unit tests of PocomputeBatches, one per attack a batch opens (issue 19) and the happy paths.
contract PocomputeBatchesTest is BatchFixture {
    address internal requester = address(uint160(uint256(keccak256("requester"))));
    address internal other = address(uint160(uint256(keccak256("other requester"))));
    address internal worker = address(uint160(uint256(keccak256("worker"))));
    address internal worker2 = address(uint160(uint256(keccak256("worker 2"))));
    address internal copier = address(uint160(uint256(keccak256("copier"))));
    address internal challenger = address(uint160(uint256(keccak256("challenger"))));

    uint256 internal constant REWARD = 0.01 ether;
    uint32 internal constant WINDOW = 600;
    uint32 internal constant RESPONSE = 300;
    uint128 internal constant WORKER_BOND = 0.02 ether;
    uint128 internal constant CHALLENGER_BOND = 0.05 ether;

    function setUp() public {
        vm.warp(1_000_000);
        vm.roll(100);
        deployBatches();
        address[6] memory all = [requester, other, worker, worker2, copier, challenger];
        for (uint256 i = 0; i < all.length; i++) vm.deal(all[i], 100 ether);
    }

    // ------------------------------------------------------------ helpers

    function post(address from, uint256 first, uint256 n, address consumer) internal returns (uint256 batchId, uint256[] memory flat) {
        flat = batchInputs(first, n);
        vm.prank(from);
        batchId = batches.postBatch{value: REWARD * n}(PIPELINE, flat, uint64(block.timestamp + 1 days), consumer, terms(WINDOW, RESPONSE, WORKER_BOND, CHALLENGER_BOND));
    }

    function claimBy(address who, uint256 batchId) internal {
        IPocomputeBatches.Batch memory b = batches.getBatch(batchId);
        uint256 bond = market.claimBondFor(uint256(b.rewardPerTask) * (b.n - b.closed));
        vm.prank(who);
        batches.claim{value: bond}(batchId);
    }

    function submitBy(address who, uint256 batchId, uint256[] memory flat, uint256 wrong) internal returns (uint256[] memory outputs, uint256[] memory boundaries) {
        (outputs, boundaries) = batchResults(flat, wrong);
        vm.prank(who);
        batches.submitResults{value: uint256(WORKER_BOND) * outputs.length}(batchId, outputs, boundaries);
    }

    function challengeBy(address who, uint256 batchId, uint256 index, uint32 stage) internal {
        vm.prank(who);
        batches.challenge{value: CHALLENGER_BOND}(batchId, index, stage);
    }

    /// The true stage proof of task `index` (stage 0: inputs → boundary; stage 1: boundary → output).
    function stageProof(uint256[] memory flat, uint256 index, uint32 stage) internal returns (bytes memory proof, uint256[] memory instances) {
        uint256[] memory ins = new uint256[](2);
        ins[0] = flat[2 * index];
        ins[1] = flat[2 * index + 1];
        uint256 boundary = Toy.stage0(ins[0], ins[1]);
        instances = stage == 0 ? Toy.stage0Instances(ins, boundary) : Toy.stage1Instances(boundary, Toy.stage1(boundary));
        proof = prove(instances);
    }

    // ------------------------------------------------------------ happy paths

    function test_batchIsPostedClaimedSubmittedAndFinalizedInOneCallEach() public {
        (uint256 id, uint256[] memory flat) = post(requester, 0, 5, address(0));
        IPocomputeBatches.Batch memory b = batches.getBatch(id);
        assertEq(b.n, 5, "n");
        assertEq(b.inputsRoot, rootOf(inputLeaves(id, flat)), "inputs root computed from the calldata");
        assertEq(b.postedBlock, block.number, "the block of the inputs' event");
        claimBy(worker, id);
        (uint256[] memory outputs, uint256[] memory boundaries) = submitBy(worker, id, flat, 0);
        assertEq(batches.getBatch(id).resultsRoot, rootOf(resultLeaves(id, outputs, boundaries)), "results root computed from the calldata");
        assertEq(batches.getBatch(id).resultsBlock, block.number, "the block of the results' event");
        vm.warp(block.timestamp + WINDOW);
        uint256 before = worker.balance;
        batches.finalize(id);
        uint256 claimBond = market.claimBondFor(5 * REWARD);
        assertEq(worker.balance - before, 5 * REWARD + 5 * WORKER_BOND + claimBond, "worker paid every task, its bonds back");
        assertEq(address(batches).balance, 0, "nothing left in escrow");
        vm.expectRevert(IPocomputeMarket.TaskNotOpen.selector);
        batches.finalize(id);
        for (uint256 i = 0; i < 5; i++) {
            bytes32[] memory path = pathOf(resultLeaves(id, outputs, boundaries), i);
            assertTrue(batches.isFinalResult(id, i, Toy.one(outputs[i]), Toy.one(boundaries[i]), path), "each result provable by its inclusion proof");
            assertFalse(batches.isFinalResult(id, i, Toy.one(outputs[i] ^ 1), Toy.one(boundaries[i]), path), "a changed result is not");
        }
    }

    function test_consumerReceivesEachResultOnceWithItsInclusionProof() public {
        BatchConsumer consumer = new BatchConsumer(batches);
        (uint256 id, uint256[] memory flat) = post(requester, 0, 3, address(consumer));
        claimBy(worker, id);
        (uint256[] memory outputs, uint256[] memory boundaries) = submitBy(worker, id, flat, 0);
        bytes32[] memory path = pathOf(resultLeaves(id, outputs, boundaries), 2);
        vm.expectRevert(IPocomputeBatches.LeafNotInRoot.selector);
        batches.deliver(id, 2, Toy.one(outputs[2]), Toy.one(boundaries[2]), path);
        vm.warp(block.timestamp + WINDOW);
        batches.finalize(id);
        vm.prank(copier);
        batches.deliver(id, 2, Toy.one(outputs[2]), Toy.one(boundaries[2]), path);
        assertEq(consumer.calls(), 1, "delivered once");
        assertEq(consumer.lastOutput(), outputs[2], "the task's output");
        assertTrue(consumer.lastIncluded(), "the consumer checked the inclusion proof it received");
        vm.expectRevert(IPocomputeBatches.AlreadyDelivered.selector);
        batches.deliver(id, 2, Toy.one(outputs[2]), Toy.one(boundaries[2]), path);
        vm.expectRevert(IPocomputeBatches.LeafNotInRoot.selector);
        batches.deliver(id, 1, Toy.one(outputs[2]), Toy.one(boundaries[2]), path);
    }

    function test_eachTaskIsCancellableAndRefundableOnItsOwn() public {
        (uint256 id, uint256[] memory flat) = post(requester, 0, 4, address(0));
        uint256 before = requester.balance;
        uint256[] memory one = new uint256[](1);
        one[0] = 2;
        vm.prank(requester);
        batches.cancel(id, one);
        assertEq(requester.balance - before, REWARD, "one task's reward back");
        assertTrue(batches.isClosed(id, 2), "task 2 closed");
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeBatches.TaskClosed.selector, 2));
        batches.cancel(id, one);
        claimBy(worker, id);
        uint256[] memory three = new uint256[](1);
        three[0] = 3;
        vm.prank(requester);
        vm.expectRevert();
        batches.cancel(id, three); // a live claim: AlreadyClaimed
        submitBy(worker, id, flat, 0);
        vm.warp(block.timestamp + WINDOW);
        uint256 workerBefore = worker.balance;
        batches.finalize(id);
        assertEq(worker.balance - workerBefore, 3 * REWARD + 4 * WORKER_BOND + market.claimBondFor(3 * REWARD), "paid for the 3 open tasks only");
        assertEq(address(batches).balance, 0, "escrow empty");
    }

    function test_refundAfterTheDeadlineOnlyForOpenTasks() public {
        (uint256 id, ) = post(requester, 0, 3, address(0));
        uint256[] memory all = new uint256[](3);
        (all[0], all[1], all[2]) = (0, 1, 2);
        vm.expectRevert(IPocomputeMarket.DeadlineNotPassed.selector);
        batches.refund(id, all);
        vm.warp(block.timestamp + 1 days);
        uint256 before = requester.balance;
        vm.prank(copier);
        batches.refund(id, all);
        assertEq(requester.balance - before, 3 * REWARD, "all three to the requester, whoever calls");
        assertEq(uint256(batches.getBatch(id).status), uint256(IPocomputeMarket.Status.Refunded), "batch refunded");
    }

    // ------------------------------------------------------------ attacks (issue 19, item 5)

    /// A leaf moved between batches: the same inputs in two batches, the worker answers a
    /// challenge on batch B with the leaf and path of batch A (or A's leaf at B's index).
    function test_aLeafMovedBetweenBatchesIsRefused() public {
        (uint256 a, uint256[] memory flat) = post(requester, 0, 4, address(0));
        (uint256 b, ) = post(requester, 0, 4, address(0));
        claimBy(worker, a);
        claimBy(worker, b);
        (uint256[] memory outA, uint256[] memory bndA) = submitBy(worker, a, flat, 0);
        submitBy(worker, b, flat, 0);
        challengeBy(challenger, b, 1, 1);
        (bytes memory proof, uint256[] memory instances) = stageProof(flat, 1, 1);
        IPocomputeBatches.LeafProof memory fromA = leafProof(a, flat, outA, bndA, 1);
        vm.prank(worker);
        vm.expectRevert(IPocomputeBatches.LeafNotInRoot.selector);
        batches.respond(b, 1, 1, fromA, proof, instances);
        vm.warp(block.timestamp + WINDOW);
        batches.finalize(a);
        vm.expectRevert(IPocomputeBatches.LeafNotInRoot.selector);
        batches.deliver(b, 1, fromA.outputs, fromA.boundaries, fromA.resultPath);
        assertFalse(batches.isFinalResult(b, 1, fromA.outputs, fromA.boundaries, fromA.resultPath), "A's leaf proves nothing about B");
        assertTrue(batches.isFinalResult(a, 1, fromA.outputs, fromA.boundaries, fromA.resultPath), "it proves A's");
    }

    /// A root that hides a duplicate task: a second leaf for task 1 (another result) shown at
    /// another position, an inner node shown as a leaf, or more results than tasks.
    function test_aRootCannotHideADuplicateTask() public {
        (uint256 id, uint256[] memory flat) = post(requester, 0, 4, address(0));
        claimBy(worker, id);
        (uint256[] memory outputs, uint256[] memory boundaries) = batchResults(flat, 0);
        uint256[] memory extraOut = new uint256[](5);
        uint256[] memory extraBnd = new uint256[](5);
        for (uint256 i = 0; i < 4; i++) (extraOut[i], extraBnd[i]) = (outputs[i], boundaries[i]);
        (extraOut[4], extraBnd[4]) = (outputs[1] ^ 1, boundaries[1]);
        vm.prank(worker);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeMarket.WrongInstanceCount.selector, 4, 5));
        batches.submitResults{value: uint256(WORKER_BOND) * 4}(id, extraOut, extraBnd);
        submitBy(worker, id, flat, 0);
        vm.warp(block.timestamp + WINDOW);
        batches.finalize(id);
        bytes32[] memory leaves = resultLeaves(id, outputs, boundaries);
        // Task 1's leaf with task 3's path (its position decides the sides).
        assertFalse(batches.isFinalResult(id, 1, Toy.one(outputs[1]), Toy.one(boundaries[1]), pathOf(leaves, 3)), "a path is bound to its index");
        // An inner node (the hash of leaves 0 and 1) with the one-level-shorter path.
        bytes32[] memory short = new bytes32[](1);
        short[0] = keccak256(abi.encodePacked(leaves[2], leaves[3]));
        assertFalse(batches.isFinalResult(id, 0, Toy.one(outputs[0]), Toy.one(boundaries[0]), short), "a path has exactly depth siblings");
        // A proof one level too long (padding a sibling) is refused too.
        bytes32[] memory long = new bytes32[](3);
        bytes32[] memory real = pathOf(leaves, 0);
        (long[0], long[1], long[2]) = (real[0], real[1], bytes32(0));
        assertFalse(batches.isFinalResult(id, 0, Toy.one(outputs[0]), Toy.one(boundaries[0]), long), "too long");
    }

    /// A batch that claims tasks of another requester: a second requester (or a worker) cannot
    /// cancel, refund early or settle another requester's tasks, and a batch with the same inputs
    /// has its own escrow and root.
    function test_aBatchCannotTouchAnotherRequestersTasks() public {
        (uint256 mine, uint256[] memory flat) = post(requester, 0, 2, address(0));
        (uint256 theirs, ) = post(other, 0, 2, address(0));
        assertTrue(batches.getBatch(mine).inputsRoot != batches.getBatch(theirs).inputsRoot, "roots bound to their batch");
        uint256[] memory both = new uint256[](2);
        (both[0], both[1]) = (0, 1);
        vm.prank(other);
        vm.expectRevert(IPocomputeMarket.NotRequester.selector);
        batches.cancel(mine, both);
        vm.prank(other);
        vm.expectRevert(IPocomputeMarket.DeadlineNotPassed.selector);
        batches.refund(mine, both);
        // The worker serves "theirs" with the results: "mine" is untouched and still open.
        claimBy(worker, theirs);
        submitBy(worker, theirs, flat, 0);
        vm.warp(block.timestamp + WINDOW);
        batches.finalize(theirs);
        assertEq(uint256(batches.getBatch(mine).status), uint256(IPocomputeMarket.Status.Open), "mine still open");
        assertEq(address(batches).balance, 2 * REWARD, "mine's escrow intact");
        vm.prank(requester);
        batches.cancel(mine, both);
        assertEq(address(batches).balance, 0, "and mine alone returns it");
    }

    function test_aChallengeOfALeafNotInTheRootIsRefused() public {
        (uint256 id, uint256[] memory flat) = post(requester, 0, 3, address(0));
        claimBy(worker, id);
        (uint256[] memory outputs, uint256[] memory boundaries) = submitBy(worker, id, flat, 0);
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeBatches.LeafOutOfRange.selector, 3, 3));
        batches.challenge{value: CHALLENGER_BOND}(id, 3, 0);
        vm.prank(challenger);
        vm.expectRevert(IPocomputeMarket.BadStage.selector);
        batches.challenge{value: CHALLENGER_BOND}(id, 0, 2);
        // A worker answering with a leaf that is not the one in the root (another output).
        challengeBy(challenger, id, 0, 1);
        IPocomputeBatches.LeafProof memory leaf = leafProof(id, flat, outputs, boundaries, 0);
        leaf.outputs = Toy.one(outputs[0] ^ 1);
        (bytes memory proof, uint256[] memory instances) = stageProof(flat, 0, 1);
        vm.prank(worker);
        vm.expectRevert(IPocomputeBatches.LeafNotInRoot.selector);
        batches.respond(id, 0, 1, leaf, proof, instances);
    }

    /// A worker claims and vanishes: the claim lapses, its bond pays the requester, the batch
    /// reopens to another worker and the vanished one is barred.
    function test_aWorkerThatClaimsAndVanishesPaysTheRequesterAndTheBatchReopens() public {
        (uint256 id, uint256[] memory flat) = post(requester, 0, 4, address(0));
        claimBy(worker, id);
        uint256 bond = batches.getBatch(id).claimBond;
        vm.warp(block.timestamp + CLAIM_TTL);
        uint256 before = requester.balance;
        claimBy(worker2, id);
        assertEq(requester.balance - before, bond, "the lapsed bond pays the requester");
        assertTrue(batches.lapsedClaimant(id, worker), "barred");
        submitBy(worker2, id, flat, 0);
        vm.warp(block.timestamp + WINDOW);
        batches.finalize(id);
        assertEq(address(batches).balance, 0, "settled");
    }

    /// A worker posts a root with a wrong result and vanishes: the challenged task is closed, its
    /// reward and half its bond to the requester, the rest to the challenger; the other tasks
    /// are still paid after the window.
    function test_aWorkerThatPostsARootAndVanishesLosesTheChallengedLeafOnly() public {
        (uint256 id, uint256[] memory flat) = post(requester, 0, 4, address(0));
        claimBy(worker, id);
        submitBy(worker, id, flat, 1 << 2); // task 2's output is wrong
        challengeBy(challenger, id, 2, 1);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeMarket.ChallengeOpen.selector, 0, 0));
        batches.finalize(id);
        vm.warp(block.timestamp + RESPONSE);
        uint256 r0 = requester.balance;
        uint256 c0 = challenger.balance;
        vm.prank(copier);
        batches.settleChallenge(id, 2, 1);
        assertEq(requester.balance - r0, REWARD + WORKER_BOND / 2, "requester: the task's reward and half its bond");
        assertEq(challenger.balance - c0, CHALLENGER_BOND + WORKER_BOND - WORKER_BOND / 2, "challenger: its bond and the other half");
        assertTrue(batches.isClosed(id, 2), "task 2 closed");
        vm.warp(block.timestamp + WINDOW);
        uint256 w0 = worker.balance;
        batches.finalize(id);
        assertEq(worker.balance - w0, 3 * REWARD + 3 * WORKER_BOND + market.claimBondFor(4 * REWARD), "the other 3 paid, the lost bond not returned");
        assertEq(address(batches).balance, 0, "nothing left, nothing paid twice");
    }

    function test_anHonestAnswerWinsTheBondAndRecordsTheProofAsPublic() public {
        (uint256 id, uint256[] memory flat) = post(requester, 0, 4, address(0));
        claimBy(worker, id);
        (uint256[] memory outputs, uint256[] memory boundaries) = submitBy(worker, id, flat, 0);
        challengeBy(challenger, id, 3, 0);
        (bytes memory proof, uint256[] memory instances) = stageProof(flat, 3, 0);
        IPocomputeBatches.LeafProof memory leaf = leafProof(id, flat, outputs, boundaries, 3);
        // Front-running: the copier replays the answer first; refused, and the worker's still lands.
        vm.prank(copier);
        vm.expectRevert(IPocomputeMarket.NotSubmitter.selector);
        batches.respond(id, 3, 0, leaf, proof, instances);
        // Stage-0 inputs of another task do not answer task 3.
        (bytes memory wrongProof, uint256[] memory wrongInstances) = stageProof(flat, 1, 0);
        vm.prank(worker);
        vm.expectRevert(IPocomputeMarket.InputMismatch.selector);
        batches.respond(id, 3, 0, leaf, wrongProof, wrongInstances);
        uint256 w0 = worker.balance;
        vm.prank(worker);
        batches.respond(id, 3, 0, leaf, proof, instances);
        assertEq(worker.balance - w0, CHALLENGER_BOND, "the false challenge pays the worker");
        assertEq(market.proofFirstSeen(proofKey(proof)), block.number, "the stage proof is public on the market now");
        vm.prank(challenger);
        vm.expectRevert(IPocomputeMarket.StageAlreadyAnswered.selector);
        batches.challenge{value: CHALLENGER_BOND}(id, 3, 0);
        // A zk claimant committing to that proof later is refused (it was public first).
        uint256[] memory ins = Toy.inputs(3);
        vm.prank(copier);
        uint256 zk = market.postTask{value: 1 ether}(ZK_MODEL, ins, uint64(block.timestamp + 1 days), address(0));
        vm.roll(block.number + 1);
        uint256 zkBond = market.claimBondFor(1 ether);
        vm.prank(copier);
        market.claim{value: zkBond}(zk, commitmentOf(zk, copier, proof));
        vm.roll(block.number + 1);
        vm.prank(copier);
        vm.expectRevert(IPocomputeMarket.ProofAlreadyPaid.selector);
        market.submit(zk, proof, instances);
    }

    /// Front-running rules of the single-task market, for batches: only the claimant submits, a
    /// copied claim only makes the honest one wait, a copied challenge pays the copier but the
    /// wrong leaf is still caught, and a challenge on another leaf is never blocked.
    function test_frontRunningRulesHoldForBatches() public {
        (uint256 id, uint256[] memory flat) = post(requester, 0, 4, address(0));
        claimBy(worker, id);
        (uint256[] memory outputs, uint256[] memory boundaries) = batchResults(flat, 1 << 1);
        vm.prank(copier);
        vm.expectRevert(IPocomputeMarket.NotClaimant.selector);
        batches.submitResults{value: uint256(WORKER_BOND) * 4}(id, outputs, boundaries);
        uint256 bond = market.claimBondFor(4 * REWARD);
        vm.prank(copier);
        vm.expectRevert();
        batches.claim{value: bond}(id); // AlreadyClaimed
        vm.prank(worker);
        batches.submitResults{value: uint256(WORKER_BOND) * 4}(id, outputs, boundaries);
        challengeBy(copier, id, 1, 1); // the copier's copy lands first
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeMarket.ChallengeOpen.selector, 1, uint64(block.timestamp + RESPONSE)));
        batches.challenge{value: CHALLENGER_BOND}(id, 1, 1);
        challengeBy(challenger, id, 0, 1); // another leaf: never blocked
        challengeBy(challenger, id, 1, 0); // another stage of the same leaf: never blocked
        // Opened together, they fall due one after another (RESPONSE / 2 apart): go past the last.
        vm.warp(batches.getChallenge(id, 1, 0).responseDeadline);
        batches.settleChallenge(id, 1, 1);
        assertTrue(batches.isClosed(id, 1), "the wrong leaf is caught");
        batches.settleChallenge(id, 1, 0); // moot: the leaf is already lost, the bond returned
        (bytes memory proof, uint256[] memory instances) = stageProof(flat, 0, 1);
        IPocomputeBatches.LeafProof memory leaf = leafProof(id, flat, outputs, boundaries, 0);
        vm.prank(worker);
        vm.expectRevert(IPocomputeMarket.ResponseTimeOver.selector);
        batches.respond(id, 0, 1, leaf, proof, instances);
    }

    function test_postingChecksItsTerms() public {
        uint256[] memory flat = batchInputs(0, 3);
        IPocomputeMarket.OptimisticTerms memory t = terms(WINDOW, RESPONSE, WORKER_BOND, CHALLENGER_BOND);
        vm.startPrank(requester);
        vm.expectRevert(IPocomputeBatches.UnevenReward.selector);
        batches.postBatch{value: REWARD * 3 + 1}(PIPELINE, flat, uint64(block.timestamp + 1 days), address(0), t);
        uint256[] memory odd = new uint256[](5);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeMarket.WrongInstanceCount.selector, 2, 5));
        batches.postBatch{value: REWARD}(PIPELINE, odd, uint64(block.timestamp + 1 days), address(0), t);
        flat[3] = Toy.FIELD;
        vm.expectRevert(abi.encodeWithSelector(IPocomputeMarket.InputNotInField.selector, 3));
        batches.postBatch{value: REWARD * 3}(PIPELINE, flat, uint64(block.timestamp + 1 days), address(0), t);
        vm.expectRevert(IPocomputeMarket.ConsumerHasNoCode.selector);
        batches.postBatch{value: REWARD * 3}(PIPELINE, batchInputs(0, 3), uint64(block.timestamp + 1 days), copier, t);
        // A 1-wei challenger bond would make a false challenge cost nothing; a zero worker bond, a lie.
        uint256 minBond = market.minChallengerBond();
        vm.expectRevert(abi.encodeWithSelector(IPocomputeMarket.ChallengerBondTooLow.selector, minBond, 1));
        batches.postBatch{value: REWARD * 3}(PIPELINE, batchInputs(0, 3), uint64(block.timestamp + 1 days), address(0), terms(WINDOW, RESPONSE, WORKER_BOND, 1));
        vm.expectRevert(IPocomputeMarket.BadTerms.selector);
        batches.postBatch{value: REWARD * 3}(PIPELINE, batchInputs(0, 3), uint64(block.timestamp + 1 days), address(0), terms(WINDOW, RESPONSE, 0, CHALLENGER_BOND));
        vm.stopPrank();
        vm.expectRevert(IPocomputeMarket.NotBatches.selector);
        market.checkBatchProof(0, "", new uint256[](0));
    }

    /// The tree matches the contract's for every size, and every path proves its own leaf only.
    function testFuzz_rootsAndPathsAgree(uint256 n, uint256 index) public {
        n = bound(n, 1, 40);
        index = bound(index, 0, n - 1);
        (uint256 id, uint256[] memory flat) = post(requester, 0, n, address(0));
        bytes32[] memory leaves = inputLeaves(id, flat);
        assertEq(batches.getBatch(id).inputsRoot, rootOf(leaves), "root");
        claimBy(worker, id);
        (uint256[] memory outputs, uint256[] memory boundaries) = submitBy(worker, id, flat, 0);
        vm.warp(block.timestamp + WINDOW);
        batches.finalize(id);
        bytes32[] memory path = pathOf(resultLeaves(id, outputs, boundaries), index);
        assertTrue(batches.isFinalResult(id, index, Toy.one(outputs[index]), Toy.one(boundaries[index]), path), "included");
        if (n > 1) {
            uint256 j = (index + 1) % n;
            assertFalse(batches.isFinalResult(id, j, Toy.one(outputs[index]), Toy.one(boundaries[index]), path), "not at another index");
        }
    }
}
