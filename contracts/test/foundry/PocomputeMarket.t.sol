// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {InferenceConsumerExample} from "../../InferenceConsumerExample.sol";
import {PocomputeMarket} from "../../PocomputeMarket.sol";
import {TaskKind} from "../../interfaces/IInferenceConsumer.sol";
import {IPocomputeMarket} from "../../interfaces/IPocomputeMarket.sol";
import {AlwaysTrueVerifier} from "../FakeVerifiers.sol";
import {AllowListReusableVerifier, MarketFixture, RefusingWallet, ReentryRecorder, RevertingVerifier, Toy, VkaStores} from "./base/MarketFixture.sol";

/// Unit tests of PocomputeMarket: one per revert the contract can reach, and the happy paths.
/// The verifier is an allow-list (base/MarketFixture.sol): the contract's logic, not a real proof
/// system, is under test here.
contract PocomputeMarketTest is MarketFixture {
    address internal requester = address(uint160(uint256(keccak256("requester"))));
    address internal worker = address(uint160(uint256(keccak256("worker"))));
    address internal copier = address(uint160(uint256(keccak256("copier"))));
    address internal challenger = address(uint160(uint256(keccak256("challenger"))));

    uint256 internal constant REWARD = 1 ether;
    uint256 internal constant START = 1_000_000;
    uint32 internal constant WINDOW = 600;
    uint32 internal constant RESPONSE = 300;
    uint128 internal constant WORKER_BOND = 0.2 ether;
    uint128 internal constant CHALLENGER_BOND = 0.1 ether;

    function setUp() public {
        vm.warp(START);
        vm.roll(100);
        deployMarket();
        vm.deal(requester, 100 ether);
        vm.deal(worker, 100 ether);
        vm.deal(copier, 100 ether);
        vm.deal(challenger, 100 ether);
        vm.label(requester, "requester");
        vm.label(worker, "worker");
        vm.label(copier, "copier");
        vm.label(challenger, "challenger");
        vm.label(address(market), "market");
    }

    // ------------------------------------------------------------ helpers

    function postZk(uint256 which) internal returns (uint256 taskId) {
        return postZkBy(requester, which, REWARD, address(0));
    }

    function postZkBy(address from, uint256 which, uint256 reward, address consumer) internal returns (uint256 taskId) {
        vm.prank(from);
        taskId = market.postTask{value: reward}(ZK_MODEL, Toy.inputs(which), uint64(block.timestamp + 1 days), consumer);
    }

    function postOpt(uint256 which) internal returns (uint256 taskId) {
        return postOptWith(which, address(0));
    }

    function postOptWith(uint256 which, address consumer) internal returns (uint256 taskId) {
        vm.prank(requester);
        taskId = market.postOptimisticTask{value: REWARD}(PIPELINE, Toy.inputs(which), uint64(block.timestamp + 1 days), consumer, terms(WINDOW, RESPONSE, WORKER_BOND, CHALLENGER_BOND));
    }

    function claimAs(address who, uint256 taskId, bytes32 commitment) internal {
        uint256 bond = market.getTask(taskId).claimBond;
        vm.prank(who);
        market.claim{value: bond}(taskId, commitment);
    }

    function nextBlock() internal {
        vm.roll(block.number + 1);
        vm.warp(block.timestamp + 12);
    }

    /// Claims task `taskId` (model 0 on input `which`) with a commitment to a fresh proof.
    function claimCommitted(address who, uint256 taskId, uint256 which) internal returns (bytes memory proof, uint256[] memory instances) {
        (proof, instances) = proveZk(Toy.inputs(which));
        claimAs(who, taskId, commitmentOf(taskId, who, proof));
    }

    /// A correct optimistic result on input `which`, submitted by `who` after claiming.
    function submitCorrect(address who, uint256 taskId, uint256 which) internal {
        claimAs(who, taskId, bytes32(0));
        uint256[] memory ins = Toy.inputs(which);
        vm.prank(who);
        market.submitResult{value: WORKER_BOND}(taskId, Toy.one(Toy.correctOutput(ins)), Toy.one(Toy.correctBoundary(ins)));
    }

    /// A result whose inner boundary (stage 0) is wrong, its output consistent with that boundary.
    function submitWrongStage0(address who, uint256 taskId) internal returns (uint256 badBoundary) {
        claimAs(who, taskId, bytes32(0));
        badBoundary = 12345;
        vm.prank(who);
        market.submitResult{value: WORKER_BOND}(taskId, Toy.one(Toy.stage1(badBoundary)), Toy.one(badBoundary));
    }

    function challengeAs(address who, uint256 taskId, uint32 stage) internal {
        vm.prank(who);
        market.challenge{value: CHALLENGER_BOND}(taskId, stage);
    }

    /// The honest answer to a challenge of `stage` of a correct result on input `which`.
    function answer(uint256 which, uint32 stage) internal returns (bytes memory proof, uint256[] memory instances) {
        uint256[] memory ins = Toy.inputs(which);
        instances = stage == 0 ? Toy.stage0Instances(ins, Toy.correctBoundary(ins)) : Toy.stage1Instances(Toy.correctBoundary(ins), Toy.correctOutput(ins));
        proof = prove(instances);
    }

    /// Bytes shaped like a proof that no one registered: never valid.
    function junkProof(string memory seed) internal pure returns (bytes memory) {
        return abi.encodePacked(keccak256(abi.encode(seed, 1)), keccak256(abi.encode(seed, 2)), keccak256(abi.encode(seed, 3)));
    }

    // ------------------------------------------------------------ constructor, models, pipelines

    function test_constructor_BadTerms() public {
        vm.expectRevert(IPocomputeMarket.BadTerms.selector);
        new PocomputeMarket(CLAIM_TTL, 0, CLAIM_BOND_BPS, MIN_CHALLENGER_BOND);
        vm.expectRevert(IPocomputeMarket.BadTerms.selector);
        new PocomputeMarket(CLAIM_TTL, MIN_CLAIM_BOND, 10_001, MIN_CHALLENGER_BOND);
        vm.expectRevert(IPocomputeMarket.BadTerms.selector);
        new PocomputeMarket(CLAIM_TTL, MIN_CLAIM_BOND, CLAIM_BOND_BPS, 0);
    }

    function test_registerModel_BadModel() public {
        vm.expectRevert(IPocomputeMarket.BadModel.selector);
        market.registerModel(worker, address(0), bytes32(0), 2, 1, "");
        vm.expectRevert(IPocomputeMarket.BadModel.selector);
        market.registerModel(address(verifier), worker, bytes32(0), 2, 1, "");
        // A VKA that is not a store (code that could run, or not 0x00 then whole words).
        vm.expectRevert(IPocomputeMarket.BadModel.selector);
        market.registerModel(address(verifier), address(verifier), bytes32(0), 2, 1, "");
        vm.expectRevert(IPocomputeMarket.BadModel.selector);
        market.registerModel(address(verifier), address(0), bytes32(0), 0, 1, "");
        vm.expectRevert(IPocomputeMarket.BadModel.selector);
        market.registerModel(address(verifier), address(0), bytes32(0), 2, 0, "");
    }

    function test_registerPipeline_BadPipeline() public {
        vm.expectRevert(abi.encodeWithSelector(IPocomputeMarket.BadPipeline.selector, 0));
        market.registerPipeline(new uint256[](0));
        vm.expectRevert(abi.encodeWithSelector(IPocomputeMarket.BadPipeline.selector, 65));
        market.registerPipeline(new uint256[](65));
        // Stage 1 must take one felt: model 0 takes two.
        uint256[] memory stages = new uint256[](2);
        stages[0] = ZK_MODEL;
        stages[1] = ZK_MODEL;
        vm.expectRevert(abi.encodeWithSelector(IPocomputeMarket.BadPipeline.selector, 1));
        market.registerPipeline(stages);
        // An inner stage must output one felt.
        uint256 wide = market.registerModel(address(verifier), address(0), bytes32(0), 1, 2, "");
        stages[0] = wide;
        stages[1] = STAGE1_MODEL;
        vm.expectRevert(abi.encodeWithSelector(IPocomputeMarket.BadPipeline.selector, 0));
        market.registerPipeline(stages);
    }

    function test_registerPipeline_UnknownModel() public {
        uint256[] memory stages = new uint256[](1);
        stages[0] = 9;
        vm.expectRevert(IPocomputeMarket.UnknownModel.selector);
        market.registerPipeline(stages);
    }

    function test_views_UnknownModel_UnknownPipeline_UnknownTask() public {
        vm.expectRevert(IPocomputeMarket.UnknownModel.selector);
        market.getModel(9);
        vm.expectRevert(IPocomputeMarket.UnknownPipeline.selector);
        market.getPipeline(9);
        vm.expectRevert(IPocomputeMarket.UnknownTask.selector);
        market.getTask(0);
        vm.expectRevert(IPocomputeMarket.UnknownTask.selector);
        market.getTaskInputs(0);
        assertEq(market.modelCount(), 3); // model 0, stage 1, model 0 behind the reusable layout
        assertEq(market.pipelineCount(), 1);
    }

    // ------------------------------------------------------------ posting

    function test_postTask_UnknownModel() public {
        vm.prank(requester);
        vm.expectRevert(IPocomputeMarket.UnknownModel.selector);
        market.postTask{value: REWARD}(7, Toy.inputs(0), uint64(block.timestamp + 1 days), address(0));
    }

    function test_postTask_WrongInstanceCount() public {
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeMarket.WrongInstanceCount.selector, 2, 1));
        market.postTask{value: REWARD}(ZK_MODEL, Toy.one(5), uint64(block.timestamp + 1 days), address(0));
    }

    function test_postTask_InputNotInField() public {
        uint256[] memory ins = Toy.inputs(0);
        ins[1] = Toy.FIELD;
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeMarket.InputNotInField.selector, 1));
        market.postTask{value: REWARD}(ZK_MODEL, ins, uint64(block.timestamp + 1 days), address(0));
        ins[1] = Toy.FIELD - 1;
        vm.prank(requester);
        market.postTask{value: REWARD}(ZK_MODEL, ins, uint64(block.timestamp + 1 days), address(0));
    }

    function test_postOptimisticTask_InputNotInField() public {
        uint256[] memory ins = Toy.inputs(0);
        ins[0] = type(uint256).max;
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeMarket.InputNotInField.selector, 0));
        market.postOptimisticTask{value: REWARD}(PIPELINE, ins, uint64(block.timestamp + 1 days), address(0), terms(WINDOW, RESPONSE, WORKER_BOND, CHALLENGER_BOND));
    }

    function test_postTask_NoReward() public {
        vm.prank(requester);
        vm.expectRevert(IPocomputeMarket.NoReward.selector);
        market.postTask(ZK_MODEL, Toy.inputs(0), uint64(block.timestamp + 1 days), address(0));
    }

    function test_postTask_DeadlinePassed() public {
        vm.prank(requester);
        vm.expectRevert(IPocomputeMarket.DeadlinePassed.selector);
        market.postTask{value: REWARD}(ZK_MODEL, Toy.inputs(0), uint64(block.timestamp), address(0));
    }

    function test_postTask_ConsumerHasNoCode() public {
        vm.prank(requester);
        vm.expectRevert(IPocomputeMarket.ConsumerHasNoCode.selector);
        market.postTask{value: REWARD}(ZK_MODEL, Toy.inputs(0), uint64(block.timestamp + 1 days), copier);
    }

    function test_postOptimisticTask_UnknownPipeline() public {
        vm.prank(requester);
        vm.expectRevert(IPocomputeMarket.UnknownPipeline.selector);
        market.postOptimisticTask{value: REWARD}(3, Toy.inputs(0), uint64(block.timestamp + 1 days), address(0), terms(WINDOW, RESPONSE, WORKER_BOND, CHALLENGER_BOND));
    }

    function test_postOptimisticTask_BadTerms() public {
        IPocomputeMarket.OptimisticTerms[5] memory bad = [
            terms(59, RESPONSE, WORKER_BOND, CHALLENGER_BOND),
            terms(30 days + 1, RESPONSE, WORKER_BOND, CHALLENGER_BOND),
            terms(WINDOW, 59, WORKER_BOND, CHALLENGER_BOND),
            terms(WINDOW, 7 days + 1, WORKER_BOND, CHALLENGER_BOND),
            terms(WINDOW, RESPONSE, 0, CHALLENGER_BOND)
        ];
        for (uint256 i = 0; i < bad.length; i++) {
            vm.prank(requester);
            vm.expectRevert(IPocomputeMarket.BadTerms.selector);
            market.postOptimisticTask{value: REWARD}(PIPELINE, Toy.inputs(0), uint64(block.timestamp + 1 days), address(0), bad[i]);
        }
    }

    function test_postOptimisticTask_ChallengerBondTooLow() public {
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeMarket.ChallengerBondTooLow.selector, MIN_CHALLENGER_BOND, MIN_CHALLENGER_BOND - 1));
        market.postOptimisticTask{value: REWARD}(PIPELINE, Toy.inputs(0), uint64(block.timestamp + 1 days), address(0), terms(WINDOW, RESPONSE, WORKER_BOND, uint128(MIN_CHALLENGER_BOND - 1)));
    }

    // ------------------------------------------------------------ claims

    function testFuzz_claimBondIsMaxOfMinimumAndBps(uint256 reward) public {
        reward = bound(reward, 1, 50 ether);
        uint256 expected = (reward * CLAIM_BOND_BPS) / 10_000;
        if (expected < MIN_CLAIM_BOND) expected = MIN_CLAIM_BOND;
        assertEq(market.claimBondFor(reward), expected, "claimBondFor");
        uint256 taskId = postZkBy(requester, 0, reward, address(0));
        assertEq(market.getTask(taskId).claimBond, expected, "task claimBond");
        vm.prank(worker);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeMarket.WrongBond.selector, expected, expected + 1));
        market.claim{value: expected + 1}(taskId, bytes32(0));
        claimAs(worker, taskId, bytes32(0));
        assertEq(address(market).balance, reward + expected, "market holds reward and bond");
    }

    function test_claimBond_examples() public view {
        assertEq(market.claimBondFor(0.001 ether), MIN_CLAIM_BOND, "small reward: the minimum");
        assertEq(market.claimBondFor(1 ether), 0.1 ether, "1 ETH: 10 %");
        assertEq(market.minClaimBond(), MIN_CLAIM_BOND);
    }

    function test_claim_UnknownTask() public {
        vm.prank(worker);
        vm.expectRevert(IPocomputeMarket.UnknownTask.selector);
        market.claim{value: MIN_CLAIM_BOND}(42, bytes32(0));
    }

    function test_claim_TaskNotOpen() public {
        uint256 taskId = postZk(0);
        vm.prank(requester);
        market.cancel(taskId);
        uint256 bond = market.getTask(taskId).claimBond;
        vm.prank(worker);
        vm.expectRevert(IPocomputeMarket.TaskNotOpen.selector);
        market.claim{value: bond}(taskId, bytes32(0));
    }

    function test_claim_DeadlinePassed() public {
        uint256 taskId = postZk(0);
        uint256 bond = market.getTask(taskId).claimBond;
        vm.warp(block.timestamp + 1 days);
        vm.prank(worker);
        vm.expectRevert(IPocomputeMarket.DeadlinePassed.selector);
        market.claim{value: bond}(taskId, bytes32(0));
    }

    function test_claim_AlreadyClaimed() public {
        uint256 taskId = postZk(0);
        claimAs(worker, taskId, bytes32(0));
        uint64 expiry = uint64(block.timestamp + CLAIM_TTL);
        uint256 bond = market.getTask(taskId).claimBond;
        vm.prank(copier);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeMarket.AlreadyClaimed.selector, worker, expiry));
        market.claim{value: bond}(taskId, bytes32(0));
    }

    function test_claim_ClaimLapsedBefore() public {
        uint256 taskId = postZk(0);
        claimAs(worker, taskId, bytes32(0));
        vm.warp(block.timestamp + CLAIM_TTL);
        uint256 bond = market.getTask(taskId).claimBond;
        vm.prank(worker);
        vm.expectRevert(IPocomputeMarket.ClaimLapsedBefore.selector);
        market.claim{value: bond}(taskId, bytes32(0));
    }

    function test_claim_WrongKind_commitmentOnOptimisticTask() public {
        uint256 taskId = postOpt(0);
        uint256 bond = market.getTask(taskId).claimBond;
        vm.prank(worker);
        vm.expectRevert(IPocomputeMarket.WrongKind.selector);
        market.claim{value: bond}(taskId, keccak256("commitment"));
    }

    function test_claimExpiryCappedAtDeadline() public {
        vm.prank(requester);
        uint256 taskId = market.postTask{value: REWARD}(ZK_MODEL, Toy.inputs(0), uint64(block.timestamp + 100), address(0));
        claimAs(worker, taskId, bytes32(0));
        assertEq(market.getTask(taskId).claimExpiry, block.timestamp + 100, "expiry = deadline");
    }

    /// A lapsed claim's bond joins the escrow; the next claimant's proof is paid reward + both bonds.
    function test_lapseForfeitsBondToEscrow() public {
        uint256 taskId = postZk(0);
        uint256 bond = market.getTask(taskId).claimBond;
        claimAs(copier, taskId, bytes32(0));
        vm.warp(block.timestamp + CLAIM_TTL);
        uint256 before = worker.balance;
        (bytes memory proof, uint256[] memory instances) = claimCommitted(worker, taskId, 0);
        IPocomputeMarket.Task memory task = market.getTask(taskId);
        assertEq(task.reward, REWARD + bond, "escrow grew by the lapsed bond");
        assertTrue(market.lapsedClaimant(taskId, copier), "lapsed claimant barred");
        nextBlock();
        vm.prank(worker);
        market.submit(taskId, proof, instances);
        assertEq(worker.balance, before + REWARD + bond, "paid reward + forfeited bond (own bond back)");
        assertEq(address(market).balance, 0, "market empty");
    }

    function test_lapsedBondRefundedToRequester() public {
        uint256 taskId = postZk(0);
        uint256 bond = market.getTask(taskId).claimBond;
        claimAs(copier, taskId, bytes32(0));
        vm.warp(block.timestamp + 1 days);
        uint256 before = requester.balance;
        market.refund(taskId);
        assertEq(requester.balance, before + REWARD + bond, "refund includes the forfeited bond");
        assertEq(uint256(market.getTask(taskId).status), uint256(IPocomputeMarket.Status.Refunded));
    }

    // ------------------------------------------------------------ commit and submit

    function test_commitProof_NotClaimant() public {
        uint256 taskId = postZk(0);
        claimAs(worker, taskId, bytes32(0));
        vm.prank(copier);
        vm.expectRevert(IPocomputeMarket.NotClaimant.selector);
        market.commitProof(taskId, keccak256("x"));
        vm.warp(block.timestamp + CLAIM_TTL);
        vm.prank(worker);
        vm.expectRevert(IPocomputeMarket.NotClaimant.selector);
        market.commitProof(taskId, keccak256("x"));
    }

    function test_commitProof_WrongKind() public {
        uint256 taskId = postOpt(0);
        claimAs(worker, taskId, bytes32(0));
        vm.prank(worker);
        vm.expectRevert(IPocomputeMarket.WrongKind.selector);
        market.commitProof(taskId, keccak256("x"));
    }

    function test_commitProof_DeadlinePassed() public {
        vm.prank(requester);
        uint256 taskId = market.postTask{value: REWARD}(ZK_MODEL, Toy.inputs(0), uint64(block.timestamp + 100), address(0));
        claimAs(worker, taskId, bytes32(0));
        vm.warp(block.timestamp + 100);
        vm.prank(worker);
        vm.expectRevert(IPocomputeMarket.DeadlinePassed.selector);
        market.commitProof(taskId, keccak256("x"));
    }

    function test_commitProof_UnknownTask() public {
        vm.expectRevert(IPocomputeMarket.UnknownTask.selector);
        market.commitProof(3, keccak256("x"));
    }

    /// claim → commitProof → submit in a later block: the worker gets reward + bond.
    function test_zkHappyPath_commitThenSubmit() public {
        uint256 taskId = postZk(0);
        uint256 bond = market.getTask(taskId).claimBond;
        uint256 before = worker.balance;
        claimAs(worker, taskId, bytes32(0));
        (bytes memory proof, uint256[] memory instances) = proveZk(Toy.inputs(0));
        vm.prank(worker);
        market.commitProof(taskId, commitmentOf(taskId, worker, proof));
        assertEq(market.getTask(taskId).commitBlock, block.number, "commit block");
        nextBlock();
        vm.prank(worker);
        market.submit(taskId, proof, instances);
        IPocomputeMarket.Task memory task = market.getTask(taskId);
        assertEq(uint256(task.status), uint256(IPocomputeMarket.Status.Done), "done");
        assertEq(task.worker, worker, "worker");
        assertEq(worker.balance, before + REWARD, "reward (and bond back)");
        assertEq(bond, 0.1 ether, "bond was 10 %");
        assertEq(market.getTaskOutputs(taskId), Toy.one(Toy.correctBoundary(Toy.inputs(0))), "outputs");
        assertEq(market.verifiedTasks(worker), 1, "reputation");
        assertEq(market.proofFirstSeen(proofKey(proof)), block.number, "first seen");
        assertEq(address(market).balance, 0, "market empty");
    }

    function test_zkHappyPath_commitmentInClaim_consumerCalled() public {
        InferenceConsumerExample consumer = new InferenceConsumerExample(address(market), TaskKind.Proved, ZK_MODEL);
        uint256 taskId = postZkBy(requester, 1, REWARD, address(consumer));
        (bytes memory proof, uint256[] memory instances) = claimCommitted(worker, taskId, 1);
        nextBlock();
        vm.prank(worker);
        market.submit(taskId, proof, instances);
        assertEq(consumer.calls(), 1, "consumer called");
        assertEq(consumer.outputs(), Toy.one(Toy.correctBoundary(Toy.inputs(1))), "consumer outputs");
    }

    function test_submit_NotCommitted() public {
        uint256 taskId = postZk(0);
        claimAs(worker, taskId, bytes32(0));
        (bytes memory proof, uint256[] memory instances) = proveZk(Toy.inputs(0));
        nextBlock();
        vm.prank(worker);
        vm.expectRevert(IPocomputeMarket.NotCommitted.selector);
        market.submit(taskId, proof, instances);
        // Committed, but in this very block.
        vm.prank(worker);
        market.commitProof(taskId, commitmentOf(taskId, worker, proof));
        vm.prank(worker);
        vm.expectRevert(IPocomputeMarket.NotCommitted.selector);
        market.submit(taskId, proof, instances);
    }

    function test_submit_CommitmentMismatch() public {
        uint256 taskId = postZk(0);
        (, uint256[] memory instances) = claimCommitted(worker, taskId, 0);
        (bytes memory other, ) = proveZk(Toy.inputs(0));
        nextBlock();
        vm.prank(worker);
        vm.expectRevert(IPocomputeMarket.CommitmentMismatch.selector);
        market.submit(taskId, other, instances);
    }

    function test_submit_NotClaimant_copyOfTheReveal() public {
        uint256 taskId = postZk(0);
        (bytes memory proof, uint256[] memory instances) = claimCommitted(worker, taskId, 0);
        nextBlock();
        vm.prank(copier);
        vm.expectRevert(IPocomputeMarket.NotClaimant.selector);
        market.submit(taskId, proof, instances);
        vm.prank(worker);
        market.submit(taskId, proof, instances);
    }

    function test_submit_WrongKind() public {
        uint256 taskId = postOpt(0);
        claimAs(worker, taskId, bytes32(0));
        (bytes memory proof, uint256[] memory instances) = proveZk(Toy.inputs(0));
        vm.prank(worker);
        vm.expectRevert(IPocomputeMarket.WrongKind.selector);
        market.submit(taskId, proof, instances);
    }

    function test_submit_WrongInstanceCount() public {
        uint256 taskId = postZk(0);
        bytes memory proof = junkProof("two instances");
        claimAs(worker, taskId, commitmentOf(taskId, worker, proof));
        nextBlock();
        vm.prank(worker);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeMarket.WrongInstanceCount.selector, 3, 2));
        market.submit(taskId, proof, Toy.inputs(0));
    }

    function test_submit_InputMismatch() public {
        uint256 taskId = postZk(0);
        (bytes memory proof, uint256[] memory instances) = proveZk(Toy.inputs(1));
        claimAs(worker, taskId, commitmentOf(taskId, worker, proof));
        nextBlock();
        vm.prank(worker);
        vm.expectRevert(IPocomputeMarket.InputMismatch.selector);
        market.submit(taskId, proof, instances);
    }

    function test_submit_InvalidProof_shortProof() public {
        uint256 taskId = postZk(0);
        bytes memory proof = new bytes(63);
        claimAs(worker, taskId, commitmentOf(taskId, worker, proof));
        nextBlock();
        uint256[] memory instances = Toy.stage0Instances(Toy.inputs(0), Toy.correctBoundary(Toy.inputs(0)));
        vm.prank(worker);
        vm.expectRevert(IPocomputeMarket.InvalidProof.selector);
        market.submit(taskId, proof, instances);
    }

    function test_submit_InvalidProof_falseStatement() public {
        uint256 taskId = postZk(0);
        uint256[] memory ins = Toy.inputs(0);
        (bytes memory proof, ) = proveZk(ins);
        claimAs(worker, taskId, commitmentOf(taskId, worker, proof));
        nextBlock();
        vm.prank(worker);
        vm.expectRevert(IPocomputeMarket.InvalidProof.selector);
        market.submit(taskId, proof, Toy.stage0Instances(ins, 99)); // a wrong output
    }

    function test_submit_InvalidProof_verifierReverts() public {
        RevertingVerifier bad = new RevertingVerifier();
        uint256 modelId = market.registerModel(address(bad), address(0), bytes32(0), 2, 1, "");
        vm.prank(requester);
        uint256 taskId = market.postTask{value: REWARD}(modelId, Toy.inputs(0), uint64(block.timestamp + 1 days), address(0));
        (bytes memory proof, uint256[] memory instances) = proveZk(Toy.inputs(0));
        claimAs(worker, taskId, commitmentOf(taskId, worker, proof));
        nextBlock();
        vm.prank(worker);
        vm.expectRevert(IPocomputeMarket.InvalidProof.selector);
        market.submit(taskId, proof, instances);
    }

    /// A proof paid on one task, then committed to on a decoy task with the same model and input.
    function test_submit_ProofAlreadyPaid_replayFromHistory() public {
        uint256 first = postZk(0);
        (bytes memory proof, uint256[] memory instances) = claimCommitted(worker, first, 0);
        nextBlock();
        vm.prank(worker);
        market.submit(first, proof, instances);

        uint256 decoy = postZkBy(copier, 0, REWARD, address(0));
        claimAs(copier, decoy, commitmentOf(decoy, copier, proof));
        nextBlock();
        vm.prank(copier);
        vm.expectRevert(IPocomputeMarket.ProofAlreadyPaid.selector);
        market.submit(decoy, proof, instances);
        // Appended bytes make no new proof (its key is its first 64 bytes).
        bytes memory padded = abi.encodePacked(proof, bytes32("junk"));
        vm.prank(copier);
        market.commitProof(decoy, commitmentOf(decoy, copier, padded));
        nextBlock();
        vm.prank(copier);
        vm.expectRevert(IPocomputeMarket.ProofAlreadyPaid.selector);
        market.submit(decoy, padded, instances);
    }

    /// The honest reveal and a copier's commitment in the same block: the copy is refused.
    function test_submit_ProofAlreadyPaid_commitInTheRevealBlock() public {
        uint256 taskId = postZk(0);
        uint256 decoy = postZkBy(copier, 0, REWARD, address(0));
        (bytes memory proof, uint256[] memory instances) = claimCommitted(worker, taskId, 0);
        nextBlock();
        // The copier saw the reveal in the mempool and commits first, in the same block.
        claimAs(copier, decoy, commitmentOf(decoy, copier, proof));
        vm.prank(worker);
        market.submit(taskId, proof, instances);
        nextBlock();
        vm.prank(copier);
        vm.expectRevert(IPocomputeMarket.ProofAlreadyPaid.selector);
        market.submit(decoy, proof, instances);
    }

    /// A stage answer (respond) is public from then on: no zk claimant can commit to it later.
    function test_submit_ProofAlreadyPaid_copiedRespond() public {
        uint256 opt = postOpt(0);
        submitCorrect(worker, opt, 0);
        challengeAs(challenger, opt, 0);
        (bytes memory proof, uint256[] memory instances) = answer(0, 0);
        vm.prank(worker);
        market.respond(opt, proof, instances);
        uint256 decoy = postZkBy(copier, 0, REWARD, address(0));
        claimAs(copier, decoy, commitmentOf(decoy, copier, proof));
        nextBlock();
        vm.prank(copier);
        vm.expectRevert(IPocomputeMarket.ProofAlreadyPaid.selector);
        market.submit(decoy, proof, instances);
    }

    /// The case the design leaves open: the honest reveal stays pending a whole block, the copier
    /// commits in that block and is mined first on its own decoy. The honest reveal is still paid.
    function test_frontRunOnDecoy_honestRevealStillPaid() public {
        uint256 taskId = postZk(0);
        uint256 decoy = postZkBy(copier, 0, REWARD, address(0));
        (bytes memory proof, uint256[] memory instances) = claimCommitted(worker, taskId, 0);
        nextBlock();
        claimAs(copier, decoy, commitmentOf(decoy, copier, proof));
        nextBlock();
        vm.prank(copier);
        market.submit(decoy, proof, instances);
        uint256 before = worker.balance;
        vm.prank(worker);
        market.submit(taskId, proof, instances);
        assertEq(worker.balance, before + REWARD + market.getTask(taskId).claimBond, "honest reveal paid");
        assertEq(market.proofFirstSeen(proofKey(proof)), block.number, "first seen at the copy's block");
    }

    function test_submit_VerifierChanged() public {
        uint256 taskId = postZk(0);
        (bytes memory proof, uint256[] memory instances) = claimCommitted(worker, taskId, 0);
        nextBlock();
        // A metamorphic verifier: its code is replaced by one that says yes to anything.
        vm.etch(address(verifier), address(new AlwaysTrueVerifier()).code);
        vm.prank(worker);
        vm.expectRevert(IPocomputeMarket.VerifierChanged.selector);
        market.submit(taskId, proof, instances);
    }

    function test_submit_VerifierChanged_vka() public {
        bytes32[] memory words = VkaStores.words(5, "vka");
        address vka = VkaStores.deploy(words);
        AllowListReusableVerifier reusable = new AllowListReusableVerifier(address(this));
        // Registering the model registers its VKA with the verifier: unregistered, nothing could pay.
        assertFalse(reusable.registered(keccak256(abi.encodePacked(words))), "registered before");
        uint256 modelId = market.registerModel(address(reusable), vka, bytes32(0), 2, 1, "");
        assertTrue(reusable.registered(keccak256(abi.encodePacked(words))), "registered by registerModel");
        vm.prank(requester);
        uint256 taskId = market.postTask{value: REWARD}(modelId, Toy.inputs(0), uint64(block.timestamp + 1 days), address(0));
        uint256[] memory instances = Toy.stage0Instances(Toy.inputs(0), Toy.correctBoundary(Toy.inputs(0)));
        bytes memory proof = abi.encodePacked(keccak256("r1"), keccak256("r2"), keccak256("r3"));
        reusable.allow(proof, instances);
        claimAs(worker, taskId, commitmentOf(taskId, worker, proof));
        nextBlock();
        // The store's words changed (same length): VerifierChanged, never a proof checked against them.
        bytes32[] memory other = VkaStores.words(5, "other");
        vm.etch(vka, abi.encodePacked(bytes1(0x00), other));
        vm.prank(worker);
        vm.expectRevert(IPocomputeMarket.VerifierChanged.selector);
        market.submit(taskId, proof, instances);
        // The store back: the reusable layout verifies (reading only success) and pays.
        vm.etch(vka, abi.encodePacked(bytes1(0x00), words));
        vm.prank(worker);
        market.submit(taskId, proof, instances);
        assertEq(uint256(market.getTask(taskId).status), uint256(IPocomputeMarket.Status.Done));
    }

    function test_submit_NotEnoughGasForCallback() public {
        InferenceConsumerExample consumer = new InferenceConsumerExample(address(market), TaskKind.Proved, ZK_MODEL);
        uint256 taskId = postZkBy(requester, 0, REWARD, address(consumer));
        (bytes memory proof, uint256[] memory instances) = claimCommitted(worker, taskId, 0);
        nextBlock();
        vm.prank(worker);
        vm.expectRevert(IPocomputeMarket.NotEnoughGasForCallback.selector);
        market.submit{gas: 400_000}(taskId, proof, instances);
    }

    // ------------------------------------------------------------ refund and cancel

    function test_refund_DeadlineNotPassed() public {
        uint256 taskId = postZk(0);
        vm.expectRevert(IPocomputeMarket.DeadlineNotPassed.selector);
        market.refund(taskId);
    }

    function test_refund_TaskNotOpen() public {
        uint256 taskId = postZk(0);
        vm.warp(block.timestamp + 1 days);
        market.refund(taskId);
        vm.expectRevert(IPocomputeMarket.TaskNotOpen.selector);
        market.refund(taskId);
    }

    function test_cancel_NotRequester() public {
        uint256 taskId = postZk(0);
        vm.prank(copier);
        vm.expectRevert(IPocomputeMarket.NotRequester.selector);
        market.cancel(taskId);
    }

    function test_cancel_AlreadyClaimed() public {
        uint256 taskId = postZk(0);
        claimAs(worker, taskId, bytes32(0));
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeMarket.AlreadyClaimed.selector, worker, uint64(block.timestamp + CLAIM_TTL)));
        market.cancel(taskId);
    }

    function test_cancel_TaskNotOpen() public {
        uint256 taskId = postZk(0);
        vm.prank(requester);
        market.cancel(taskId);
        vm.prank(requester);
        vm.expectRevert(IPocomputeMarket.TaskNotOpen.selector);
        market.cancel(taskId);
    }

    function test_cancelAfterLapse_returnsRewardAndBond() public {
        uint256 taskId = postZk(0);
        uint256 bond = market.getTask(taskId).claimBond;
        claimAs(copier, taskId, bytes32(0));
        vm.warp(block.timestamp + CLAIM_TTL);
        uint256 before = requester.balance;
        vm.prank(requester);
        market.cancel(taskId);
        assertEq(requester.balance, before + REWARD + bond, "cancel returns reward + forfeited bond");
    }

    // ------------------------------------------------------------ optimistic: submitResult

    function test_submitResult_WrongKind() public {
        uint256 taskId = postZk(0);
        claimAs(worker, taskId, bytes32(0));
        vm.prank(worker);
        vm.expectRevert(IPocomputeMarket.WrongKind.selector);
        market.submitResult{value: WORKER_BOND}(taskId, Toy.one(1), Toy.one(2));
    }

    function test_submitResult_NotClaimant() public {
        uint256 taskId = postOpt(0);
        claimAs(worker, taskId, bytes32(0));
        vm.prank(copier);
        vm.expectRevert(IPocomputeMarket.NotClaimant.selector);
        market.submitResult{value: WORKER_BOND}(taskId, Toy.one(1), Toy.one(2));
    }

    function test_submitResult_WrongBond() public {
        uint256 taskId = postOpt(0);
        claimAs(worker, taskId, bytes32(0));
        vm.prank(worker);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeMarket.WrongBond.selector, WORKER_BOND, WORKER_BOND - 1));
        market.submitResult{value: WORKER_BOND - 1}(taskId, Toy.one(1), Toy.one(2));
    }

    function test_submitResult_WrongInstanceCount() public {
        uint256 taskId = postOpt(0);
        claimAs(worker, taskId, bytes32(0));
        vm.prank(worker);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeMarket.WrongInstanceCount.selector, 1, 2));
        market.submitResult{value: WORKER_BOND}(taskId, Toy.inputs(0), Toy.one(2));
        vm.prank(worker);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeMarket.WrongInstanceCount.selector, 1, 0));
        market.submitResult{value: WORKER_BOND}(taskId, Toy.one(1), new uint256[](0));
    }

    function test_getResult_WrongKind() public {
        uint256 taskId = postZk(0);
        vm.expectRevert(IPocomputeMarket.WrongKind.selector);
        market.getResult(taskId);
    }

    // ------------------------------------------------------------ optimistic: finalize

    /// Unchallenged: after the window, the worker gets reward + claim bond + worker bond.
    function test_optimisticHappyPath_finalize() public {
        InferenceConsumerExample consumer = new InferenceConsumerExample(address(market), TaskKind.Optimistic, PIPELINE);
        uint256 taskId = postOptWith(2, address(consumer));
        uint256 before = worker.balance;
        submitCorrect(worker, taskId, 2);
        assertEq(worker.balance, before - WORKER_BOND - market.getTask(taskId).claimBond, "bonds locked");
        (IPocomputeMarket.OptimisticState memory state, uint256[] memory outputs, ) = market.getResult(taskId);
        assertEq(state.windowEnd, block.timestamp + WINDOW, "window end");
        assertEq(outputs, Toy.one(Toy.correctOutput(Toy.inputs(2))), "standing outputs");
        assertEq(market.getTaskOutputs(taskId).length, 0, "no final outputs yet");
        vm.warp(block.timestamp + WINDOW - 1);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeMarket.WindowOpen.selector, state.windowEnd));
        market.finalize(taskId);
        vm.warp(block.timestamp + 1);
        market.finalize(taskId);
        assertEq(worker.balance, before + REWARD, "paid reward, bonds back");
        assertEq(market.getTaskOutputs(taskId), Toy.one(Toy.correctOutput(Toy.inputs(2))), "final outputs");
        assertEq(consumer.calls(), 1, "consumer called");
        assertEq(address(market).balance, 0, "market empty");
        vm.expectRevert(IPocomputeMarket.TaskNotOpen.selector);
        market.finalize(taskId);
    }

    function test_finalize_ChallengeOpen() public {
        uint256 taskId = postOpt(0);
        submitCorrect(worker, taskId, 0);
        challengeAs(challenger, taskId, 1);
        uint64 deadline = uint64(block.timestamp + RESPONSE);
        vm.warp(block.timestamp + WINDOW);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeMarket.ChallengeOpen.selector, uint32(1), deadline));
        market.finalize(taskId);
    }

    function test_finalize_TaskNotOpen() public {
        uint256 taskId = postOpt(0);
        vm.expectRevert(IPocomputeMarket.TaskNotOpen.selector);
        market.finalize(taskId);
    }

    // ------------------------------------------------------------ optimistic: challenge

    function test_challenge_TaskNotOpen() public {
        uint256 taskId = postOpt(0);
        vm.prank(challenger);
        vm.expectRevert(IPocomputeMarket.TaskNotOpen.selector);
        market.challenge{value: CHALLENGER_BOND}(taskId, 0);
    }

    function test_challenge_WindowClosed() public {
        uint256 taskId = postOpt(0);
        submitCorrect(worker, taskId, 0);
        vm.warp(block.timestamp + WINDOW);
        vm.prank(challenger);
        vm.expectRevert(IPocomputeMarket.WindowClosed.selector);
        market.challenge{value: CHALLENGER_BOND}(taskId, 0);
    }

    function test_challenge_ChallengeOpen() public {
        uint256 taskId = postOpt(0);
        submitCorrect(worker, taskId, 0);
        challengeAs(challenger, taskId, 0);
        vm.prank(copier);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeMarket.ChallengeOpen.selector, uint32(0), uint64(block.timestamp + RESPONSE)));
        market.challenge{value: CHALLENGER_BOND}(taskId, 1);
    }

    function test_challenge_BadStage() public {
        uint256 taskId = postOpt(0);
        submitCorrect(worker, taskId, 0);
        vm.prank(challenger);
        vm.expectRevert(IPocomputeMarket.BadStage.selector);
        market.challenge{value: CHALLENGER_BOND}(taskId, 2);
    }

    function test_challenge_WrongBond() public {
        uint256 taskId = postOpt(0);
        submitCorrect(worker, taskId, 0);
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeMarket.WrongBond.selector, CHALLENGER_BOND, MIN_CHALLENGER_BOND));
        market.challenge{value: MIN_CHALLENGER_BOND}(taskId, 0);
    }

    /// Answered: the worker gets the challenger bond, the window is extended by the pause, and the
    /// answered stage cannot be challenged again.
    function test_challengeAnswered_StageAlreadyAnswered() public {
        uint256 taskId = postOpt(0);
        submitCorrect(worker, taskId, 0);
        (IPocomputeMarket.OptimisticState memory state, , ) = market.getResult(taskId);
        uint64 windowEnd = state.windowEnd;
        challengeAs(challenger, taskId, 1);
        vm.warp(block.timestamp + 100);
        (bytes memory proof, uint256[] memory instances) = answer(0, 1);
        uint256 before = worker.balance;
        uint256 challengerBefore = challenger.balance;
        vm.prank(worker);
        market.respond(taskId, proof, instances);
        assertEq(worker.balance, before + CHALLENGER_BOND, "worker paid the challenger bond");
        assertEq(challenger.balance, challengerBefore, "challenger bond lost");
        (state, , ) = market.getResult(taskId);
        assertEq(state.windowEnd, windowEnd + 100, "window paused while the challenge was open");
        assertEq(state.answered, 2, "stage 1 answered");
        vm.prank(challenger);
        vm.expectRevert(IPocomputeMarket.StageAlreadyAnswered.selector);
        market.challenge{value: CHALLENGER_BOND}(taskId, 1);
        // Stage 0 can still be challenged and answered; then the result is final.
        challengeAs(challenger, taskId, 0);
        (proof, instances) = answer(0, 0);
        vm.prank(worker);
        market.respond(taskId, proof, instances);
        vm.warp(windowEnd + 100);
        market.finalize(taskId);
        assertEq(worker.balance, before + 2 * CHALLENGER_BOND + REWARD + WORKER_BOND + market.getTask(taskId).claimBond, "paid");
        assertEq(address(market).balance, 0, "market empty");
    }

    // ------------------------------------------------------------ optimistic: respond

    function test_respond_NotSubmitter() public {
        uint256 taskId = postOpt(0);
        submitCorrect(worker, taskId, 0);
        challengeAs(challenger, taskId, 0);
        (bytes memory proof, uint256[] memory instances) = answer(0, 0);
        vm.prank(copier);
        vm.expectRevert(IPocomputeMarket.NotSubmitter.selector);
        market.respond(taskId, proof, instances);
    }

    function test_respond_NoOpenChallenge() public {
        uint256 taskId = postOpt(0);
        submitCorrect(worker, taskId, 0);
        (bytes memory proof, uint256[] memory instances) = answer(0, 0);
        vm.prank(worker);
        vm.expectRevert(IPocomputeMarket.NoOpenChallenge.selector);
        market.respond(taskId, proof, instances);
    }

    function test_respond_TaskNotOpen() public {
        uint256 taskId = postOpt(0);
        (bytes memory proof, uint256[] memory instances) = answer(0, 0);
        vm.prank(worker);
        vm.expectRevert(IPocomputeMarket.TaskNotOpen.selector);
        market.respond(taskId, proof, instances);
    }

    function test_respond_ResponseTimeOver() public {
        uint256 taskId = postOpt(0);
        submitCorrect(worker, taskId, 0);
        challengeAs(challenger, taskId, 0);
        (bytes memory proof, uint256[] memory instances) = answer(0, 0);
        vm.warp(block.timestamp + RESPONSE);
        vm.prank(worker);
        vm.expectRevert(IPocomputeMarket.ResponseTimeOver.selector);
        market.respond(taskId, proof, instances);
    }

    function test_respond_WrongInstanceCount() public {
        uint256 taskId = postOpt(0);
        submitCorrect(worker, taskId, 0);
        challengeAs(challenger, taskId, 1);
        (bytes memory proof, uint256[] memory instances) = answer(0, 0); // stage 0's three instances
        vm.prank(worker);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeMarket.WrongInstanceCount.selector, 2, 3));
        market.respond(taskId, proof, instances);
    }

    function test_respond_InputMismatch() public {
        uint256 taskId = postOpt(0);
        submitCorrect(worker, taskId, 0);
        challengeAs(challenger, taskId, 0);
        (bytes memory proof, uint256[] memory instances) = answer(1, 0); // another input
        vm.prank(worker);
        vm.expectRevert(IPocomputeMarket.InputMismatch.selector);
        market.respond(taskId, proof, instances);
    }

    function test_respond_BoundaryMismatch() public {
        uint256 taskId = postOpt(0);
        uint256[] memory ins = Toy.inputs(0);
        submitCorrect(worker, taskId, 0);
        // Stage 0 whose output is not the committed boundary.
        challengeAs(challenger, taskId, 0);
        uint256[] memory instances = Toy.stage0Instances(ins, 5);
        vm.prank(worker);
        vm.expectRevert(IPocomputeMarket.BoundaryMismatch.selector);
        market.respond(taskId, junkProof("stage 0"), instances);
        (bytes memory proof, uint256[] memory good) = answer(0, 0);
        vm.prank(worker);
        market.respond(taskId, proof, good);
        // Stage 1 whose input is not the committed boundary.
        challengeAs(challenger, taskId, 1);
        instances = Toy.stage1Instances(5, Toy.correctOutput(ins));
        vm.prank(worker);
        vm.expectRevert(IPocomputeMarket.BoundaryMismatch.selector);
        market.respond(taskId, junkProof("stage 1"), instances);
    }

    function test_respond_OutputMismatch() public {
        uint256 taskId = postOpt(0);
        uint256[] memory ins = Toy.inputs(0);
        submitCorrect(worker, taskId, 0);
        challengeAs(challenger, taskId, 1);
        uint256[] memory instances = Toy.stage1Instances(Toy.correctBoundary(ins), 7);
        bytes memory proof = junkProof("output");
        vm.prank(worker);
        vm.expectRevert(IPocomputeMarket.OutputMismatch.selector);
        market.respond(taskId, proof, instances);
    }

    function test_respond_InvalidProof() public {
        uint256 taskId = postOpt(0);
        submitCorrect(worker, taskId, 0);
        challengeAs(challenger, taskId, 0);
        (, uint256[] memory instances) = answer(0, 0);
        vm.prank(worker);
        vm.expectRevert(IPocomputeMarket.InvalidProof.selector);
        market.respond(taskId, junkProof("unregistered"), instances);
        vm.prank(worker);
        vm.expectRevert(IPocomputeMarket.InvalidProof.selector);
        market.respond(taskId, hex"01", instances);
    }

    /// A wrong result can never be answered: the worker cannot prove a false stage.
    function test_respond_wrongResultCannotBeAnswered() public {
        uint256 taskId = postOpt(0);
        uint256 bad = submitWrongStage0(worker, taskId);
        challengeAs(challenger, taskId, 0);
        uint256[] memory instances = Toy.stage0Instances(Toy.inputs(0), bad);
        // Its best try: a valid proof of the true stage 0, against its own (false) instances.
        (bytes memory trueProof, ) = answer(0, 0);
        vm.prank(worker);
        vm.expectRevert(IPocomputeMarket.InvalidProof.selector);
        market.respond(taskId, trueProof, instances);
    }

    // ------------------------------------------------------------ optimistic: settleChallenge

    function test_settleChallenge_NoOpenChallenge() public {
        uint256 taskId = postOpt(0);
        submitCorrect(worker, taskId, 0);
        vm.expectRevert(IPocomputeMarket.NoOpenChallenge.selector);
        market.settleChallenge(taskId);
    }

    function test_settleChallenge_TaskNotOpen() public {
        uint256 taskId = postOpt(0);
        vm.expectRevert(IPocomputeMarket.TaskNotOpen.selector);
        market.settleChallenge(taskId);
    }

    function test_settleChallenge_ResponseTimeNotOver() public {
        uint256 taskId = postOpt(0);
        submitWrongStage0(worker, taskId);
        challengeAs(challenger, taskId, 0);
        uint64 deadline = uint64(block.timestamp + RESPONSE);
        vm.warp(deadline - 1);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeMarket.ResponseTimeNotOver.selector, deadline));
        market.settleChallenge(taskId);
    }

    /// Upheld: the challenger gets its bond back and half the worker bond, the requester the other
    /// half; the claim bond joins the escrow, the worker is barred and the task reopens.
    function test_challengeUpheld_splitsWorkerBond() public {
        uint256 taskId = postOpt(0);
        uint256 claimBond = market.getTask(taskId).claimBond;
        uint256 workerBefore = worker.balance;
        submitWrongStage0(worker, taskId);
        challengeAs(challenger, taskId, 0);
        uint256 challengerBefore = challenger.balance;
        uint256 requesterBefore = requester.balance;
        vm.warp(block.timestamp + RESPONSE);
        market.settleChallenge(taskId);
        assertEq(challenger.balance, challengerBefore + CHALLENGER_BOND + WORKER_BOND / 2, "challenger: bond + half");
        assertEq(requester.balance, requesterBefore + WORKER_BOND / 2, "requester: half");
        assertEq(worker.balance, workerBefore - WORKER_BOND - claimBond, "worker lost both bonds");
        IPocomputeMarket.Task memory task = market.getTask(taskId);
        assertEq(uint256(task.status), uint256(IPocomputeMarket.Status.Open), "reopened");
        assertEq(task.reward, REWARD + claimBond, "claim bond joins the escrow");
        assertEq(task.claimant, address(0), "no claimant");
        assertTrue(market.lapsedClaimant(taskId, worker), "worker barred");
        vm.prank(worker);
        vm.expectRevert(IPocomputeMarket.ClaimLapsedBefore.selector);
        market.claim{value: claimBond}(taskId, bytes32(0));
        assertEq(address(market).balance, REWARD + claimBond, "market holds the escrow");
        // An honest worker now takes it and is paid reward + the forfeited bond.
        submitCorrect(copier, taskId, 0);
        vm.warp(block.timestamp + WINDOW);
        uint256 before = copier.balance;
        market.finalize(taskId);
        assertEq(copier.balance, before + REWARD + 2 * claimBond + WORKER_BOND, "second worker paid");
    }

    function test_challengeUpheld_afterDeadline_refunds() public {
        vm.prank(requester);
        uint256 taskId = market.postOptimisticTask{value: REWARD}(PIPELINE, Toy.inputs(0), uint64(block.timestamp + 200), address(0), terms(WINDOW, RESPONSE, WORKER_BOND, CHALLENGER_BOND));
        uint256 claimBond = market.getTask(taskId).claimBond;
        submitWrongStage0(worker, taskId);
        challengeAs(challenger, taskId, 0);
        vm.warp(block.timestamp + RESPONSE);
        uint256 requesterBefore = requester.balance;
        market.settleChallenge(taskId);
        assertEq(uint256(market.getTask(taskId).status), uint256(IPocomputeMarket.Status.Refunded), "refunded");
        assertEq(requester.balance, requesterBefore + REWARD + claimBond + WORKER_BOND / 2, "requester: escrow + half");
        assertEq(address(market).balance, 0, "market empty");
    }

    // ------------------------------------------------------------ payments

    function test_withdraw_NothingToWithdraw() public {
        vm.prank(worker);
        vm.expectRevert(IPocomputeMarket.NothingToWithdraw.selector);
        market.withdraw();
    }

    /// A requester that refuses ETH is credited; withdraw fails while it still refuses, then pays.
    function test_refusedPaymentCredited_TransferFailed() public {
        RefusingWallet wallet = new RefusingWallet();
        vm.deal(address(wallet), 10 ether);
        uint256 taskId = postZkBy(address(wallet), 0, REWARD, address(0));
        vm.prank(address(wallet));
        market.cancel(taskId);
        assertEq(market.credits(address(wallet)), REWARD, "credited");
        assertEq(address(market).balance, REWARD, "market holds the credit");
        vm.prank(address(wallet));
        vm.expectRevert(IPocomputeMarket.TransferFailed.selector);
        market.withdraw();
        wallet.setOpen(true);
        vm.prank(address(wallet));
        market.withdraw();
        assertEq(address(wallet).balance, 10 ether, "paid back");
        assertEq(market.credits(address(wallet)), 0, "credit cleared");
        vm.prank(address(wallet));
        vm.expectRevert(IPocomputeMarket.NothingToWithdraw.selector);
        market.withdraw();
    }

    /// The consumer's callback re-enters the market; the guard refuses it and the worker is paid.
    function test_ReentrancyGuardReentrantCall() public {
        ReentryRecorder consumer = new ReentryRecorder(market);
        uint256 taskId = postZkBy(requester, 0, REWARD, address(consumer));
        (bytes memory proof, uint256[] memory instances) = claimCommitted(worker, taskId, 0);
        nextBlock();
        uint256 before = worker.balance;
        vm.prank(worker);
        market.submit(taskId, proof, instances);
        assertEq(consumer.calls(), 1, "consumer called");
        assertEq(bytes32(consumer.lastRevert()), bytes32(ReentrancyGuard.ReentrancyGuardReentrantCall.selector), "re-entry refused by the guard");
        assertEq(worker.balance, before + REWARD + market.getTask(taskId).claimBond, "worker paid");
    }
}
