// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

import {IPocomputeBounties} from "../../interfaces/IPocomputeBounties.sol";
import {IPocomputeMarket} from "../../interfaces/IPocomputeMarket.sol";
import {AlwaysTrueVerifier} from "../FakeVerifiers.sol";
import {BountyFixture} from "./base/BountyFixture.sol";
import {RefusingWallet, VkaStores} from "./base/MarketFixture.sol";

/// Unit tests of PocomputeBounties: each phase path, and the attacks a bounty opens.
contract PocomputeBountiesTest is BountyFixture {
    address internal requester = address(uint160(uint256(keccak256("requester"))));
    address internal worker = address(uint160(uint256(keccak256("worker"))));
    address internal copier = address(uint160(uint256(keccak256("copier"))));
    address internal challenger = address(uint160(uint256(keccak256("challenger"))));
    address internal anyone = address(uint160(uint256(keccak256("anyone"))));

    bytes32 internal constant RUN = "honest run";
    uint256 internal constant STEPS = 4;

    function setUp() public {
        vm.warp(1_000_000);
        vm.roll(100);
        deployBounties();
        address[5] memory all = [requester, worker, copier, challenger, anyone];
        for (uint256 i = 0; i < all.length; i++) vm.deal(all[i], 100 ether);
    }

    // ------------------------------------------------------------ helpers

    function post() internal returns (uint256 id) {
        vm.prank(requester);
        id = bounties.postBounty{value: BOUNTY_REWARD}(bountyTerms(), baseHashes());
    }

    function sealAs(address who, uint256 id, uint256[] memory t) internal {
        vm.prank(who);
        bounties.seal{value: BOUNTY_WORKER_BOND}(id, sealOf(id, who, t, SEAL_SALT));
    }

    function openAs(address who, uint256 id, uint256[] memory t) internal {
        vm.prank(who);
        bounties.commit(id, t, SEAL_SALT);
    }

    /// Seal, a later block, open.
    function commitAs(address who, uint256 id, uint256[] memory t) internal {
        sealAs(who, id, t);
        vm.roll(block.number + 1);
        openAs(who, id, t);
    }

    function revealNow(uint256 id) internal {
        vm.prank(requester);
        bounties.reveal(id, evalSet(), SALT);
    }

    function proveMetricNow(uint256 id, uint256[] memory t, int256 metric) internal {
        uint256[] memory ins = evalInstances(t, evalSet(), metric);
        bytes memory proof = prove(ins);
        vm.prank(anyone);
        bounties.proveMetric(id, proof, ins);
    }

    function challengeAs(address who, uint256 id, uint32 step) internal {
        vm.prank(who);
        bounties.challenge{value: BOUNTY_CHALLENGER_BOND}(id, step);
    }

    /// The honest answer to a challenge of `step` of run `t`.
    function answer(uint256 id, uint256[] memory t, uint32 step) internal {
        uint256[] memory ins = stepInstances(baseHashes(), t, step);
        bytes memory proof = prove(ins);
        vm.prank(anyone);
        bounties.respond(id, step, proof, ins, t, batchPath(step));
    }

    function committed() internal returns (uint256 id, uint256[] memory t) {
        id = post();
        t = trajectoryOf(RUN, STEPS);
        commitAs(worker, id, t);
    }

    function phaseOf(uint256 id) internal view returns (IPocomputeBounties.Phase) {
        return bounties.getBounty(id).phase;
    }

    function assertPhase(uint256 id, IPocomputeBounties.Phase want) internal view {
        assertEq(uint256(phaseOf(id)), uint256(want), "phase");
    }

    function afterWindow() internal {
        vm.warp(block.timestamp + CHALLENGE_WINDOW + 1);
    }

    // ------------------------------------------------------------ phase paths

    function test_honestRun_paysRewardAndBondAfterTheWindow() public {
        (uint256 id, uint256[] memory t) = committed();
        assertEq(address(bounties).balance, BOUNTY_REWARD + BOUNTY_WORKER_BOND, "escrow");
        revealNow(id);
        assertPhase(id, IPocomputeBounties.Phase.Revealed);
        proveMetricNow(id, t, 42);
        assertPhase(id, IPocomputeBounties.Phase.Met);
        assertTrue(bounties.getBounty(id).metricValue == 42, "metric recorded");
        vm.expectRevert(abi.encodeWithSelector(IPocomputeBounties.ChallengeWindowOpen.selector, bounties.getBounty(id).challengeEnd));
        bounties.settle(id);
        afterWindow();
        uint256 before = worker.balance;
        vm.prank(anyone);
        bounties.settle(id);
        assertEq(worker.balance, before + BOUNTY_REWARD + BOUNTY_WORKER_BOND, "worker paid reward + bond");
        assertPhase(id, IPocomputeBounties.Phase.Paid);
        assertEq(address(bounties).balance, 0, "nothing left");
        vm.expectRevert(IPocomputeBounties.NothingToSettle.selector);
        bounties.settle(id);
    }

    function test_negativeMetric_readAsSignedFelt() public {
        (uint256 id, uint256[] memory t) = committed();
        revealNow(id);
        proveMetricNow(id, t, -5);
        assertTrue(bounties.getBounty(id).metricValue == -5, "metric -5");
        assertPhase(id, IPocomputeBounties.Phase.Met);
    }

    function test_missedTarget_refundsRequesterAndReturnsBond() public {
        (uint256 id, uint256[] memory t) = committed();
        revealNow(id);
        proveMetricNow(id, t, TARGET + 1);
        assertPhase(id, IPocomputeBounties.Phase.Missed);
        afterWindow();
        uint256 r0 = requester.balance;
        uint256 w0 = worker.balance;
        bounties.settle(id);
        assertEq(requester.balance, r0 + BOUNTY_REWARD, "reward back");
        assertEq(worker.balance, w0 + BOUNTY_WORKER_BOND, "bond back");
        assertPhase(id, IPocomputeBounties.Phase.Refunded);
    }

    function test_requesterNeverReveals_workerPaid() public {
        (uint256 id, ) = committed();
        vm.warp(block.timestamp + REVEAL_TIME);
        vm.expectRevert(IPocomputeBounties.NothingToSettle.selector);
        bounties.settle(id);
        vm.warp(block.timestamp + 1);
        // The reveal deadline passed, the challenge window is still open.
        vm.expectRevert(abi.encodeWithSelector(IPocomputeBounties.ChallengeWindowOpen.selector, bounties.getBounty(id).challengeEnd));
        bounties.settle(id);
        vm.prank(requester);
        vm.expectRevert(IPocomputeBounties.DeadlinePassed.selector);
        bounties.reveal(id, evalSet(), SALT);
        afterWindow();
        uint256 w0 = worker.balance;
        bounties.settle(id);
        assertEq(worker.balance, w0 + BOUNTY_REWARD + BOUNTY_WORKER_BOND, "worker paid");
        assertPhase(id, IPocomputeBounties.Phase.Paid);
    }

    function test_workerNeverProves_bondToRequester() public {
        (uint256 id, ) = committed();
        revealNow(id);
        vm.warp(block.timestamp + PROVE_TIME + 1);
        uint256 r0 = requester.balance;
        bounties.settle(id);
        assertEq(requester.balance, r0 + BOUNTY_REWARD + BOUNTY_WORKER_BOND, "reward + bond to requester");
        assertPhase(id, IPocomputeBounties.Phase.Failed);
        uint256[] memory t = trajectoryOf(RUN, STEPS);
        uint256[] memory ins = evalInstances(t, evalSet(), 1);
        bytes memory proof = prove(ins);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeBounties.WrongPhase.selector, IPocomputeBounties.Phase.Failed));
        bounties.proveMetric(id, proof, ins);
    }


    function test_commitAfterDeadline_refused_thenRefunded() public {
        uint256 id = post();
        vm.warp(block.timestamp + 1 days + 1);
        uint256[] memory t = trajectoryOf(RUN, STEPS);
        vm.prank(worker);
        vm.expectRevert(IPocomputeBounties.DeadlinePassed.selector);
        bounties.seal{value: BOUNTY_WORKER_BOND}(id, sealOf(id, worker, t, SEAL_SALT));
        uint256 r0 = requester.balance;
        bounties.settle(id);
        assertEq(requester.balance, r0 + BOUNTY_REWARD, "refunded");
        assertPhase(id, IPocomputeBounties.Phase.Refunded);
    }

    function test_cancel_requesterOnly_openOnly() public {
        uint256 id = post();
        vm.prank(anyone);
        vm.expectRevert(IPocomputeBounties.NotRequester.selector);
        bounties.cancel(id);
        uint256 r0 = requester.balance;
        vm.prank(requester);
        bounties.cancel(id);
        assertEq(requester.balance, r0 + BOUNTY_REWARD, "cancelled");
        assertPhase(id, IPocomputeBounties.Phase.Refunded);
        (uint256 id2, ) = committed();
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeBounties.WrongPhase.selector, IPocomputeBounties.Phase.Committed));
        bounties.cancel(id2);
    }

    // ------------------------------------------------------------ post and commit checks

    function test_post_refusesBadTerms() public {
        uint256[] memory base = baseHashes();
        vm.startPrank(requester);
        vm.expectRevert(IPocomputeBounties.NoReward.selector);
        bounties.postBounty(bountyTerms(), base);
        IPocomputeBounties.Terms memory t = bountyTerms();
        t.evalModelId = 99;
        _expectBadTerms(t, base);
        t = bountyTerms();
        t.maxSteps = 0;
        _expectBadTerms(t, base);
        t = bountyTerms();
        t.maxSteps = 257;
        _expectBadTerms(t, base);
        t = bountyTerms();
        t.weightFelts = WEIGHT_FELTS + 1; // the eval model's outputs no longer fit
        _expectBadTerms(t, base);
        t = bountyTerms();
        t.commitDeadline = uint64(block.timestamp);
        _expectBadTerms(t, base);
        t = bountyTerms();
        t.responseTime = 59;
        _expectBadTerms(t, base);
        t = bountyTerms();
        t.challengeWindow = 30 days + 1;
        _expectBadTerms(t, base);
        t = bountyTerms();
        t.challengerBond = 0;
        _expectBadTerms(t, base);
        t = bountyTerms();
        t.target = int256(FIELD / 2) + 1;
        _expectBadTerms(t, base);
        t = bountyTerms();
        t.stepModelId = evalModel; // its instance layout is not a step's
        _expectBadTerms(t, base);
        t = bountyTerms();
        t.proveTime = 1799;
        _expectBadTerms(t, base);
        t = bountyTerms();
        t.responseTime = 599;
        _expectBadTerms(t, base);
        t = bountyTerms();
        t.challengerBond = uint128(market.minChallengerBond() - 1);
        _expectBadTerms(t, base);
        t = bountyTerms();
        t.evalBound = 0;
        _expectBadTerms(t, base);
        t = bountyTerms();
        t.evalBound = 2 ** 64;
        _expectBadTerms(t, base);
        base[1] = FIELD;
        _expectBadTerms(bountyTerms(), base);
        _expectBadTerms(bountyTerms(), new uint256[](0));
        vm.stopPrank();
    }

    /// The floors are floors: at them, the terms pass.
    function test_post_acceptsTermsAtTheFloors() public {
        IPocomputeBounties.Terms memory t = bountyTerms();
        t.proveTime = 1800;
        t.responseTime = 600;
        t.challengerBond = uint128(market.minChallengerBond());
        t.evalBound = 2 ** 64 - 1;
        vm.prank(requester);
        bounties.postBounty{value: 1}(t, baseHashes());
    }

    /// k × maxSteps ≤ 2048: with k = 8, 256 steps pass; with k = 10, 205 steps (2050) do not.
    /// (2049 = 3 × 683 has no split with maxSteps ≤ 256.)
    function test_post_refusesTrajectoryTooLong() public {
        _trajectoryTerms(8, 256, false);
        _trajectoryTerms(10, 205, true);
        _trajectoryTerms(9, 228, true); // 2052
        _trajectoryTerms(64, 32, false); // 2048
        _trajectoryTerms(64, 33, true); // 2112
    }

    function _trajectoryTerms(uint256 k, uint32 steps, bool bad) internal {
        IPocomputeBounties.Terms memory t = bountyTerms();
        t.stepModelId = market.registerModel(address(verifier), address(0), keccak256(abi.encode("step", k)), uint32(k + 2), uint32(k + 1), "");
        t.evalModelId = market.registerModel(address(verifier), address(0), keccak256(abi.encode("eval", k)), uint32(k + 2), WEIGHT_FELTS + EVAL_FELTS + 1, "");
        t.maxSteps = steps;
        uint256[] memory base = new uint256[](k);
        for (uint256 i = 0; i < k; i++) base[i] = i + 1;
        vm.prank(requester);
        if (bad) vm.expectRevert(IPocomputeBounties.BadTerms.selector);
        bounties.postBounty{value: 1}(t, base);
    }

    function _expectBadTerms(IPocomputeBounties.Terms memory t, uint256[] memory base) internal {
        vm.expectRevert(IPocomputeBounties.BadTerms.selector);
        bounties.postBounty{value: 1}(t, base);
    }

    /// Each bad trajectory is sealed (it opens the seal), and refused at the opening.
    function test_commit_refusesBadTrajectoryAndBond() public {
        uint256 id = post();
        vm.prank(worker);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeBounties.WrongBond.selector, BOUNTY_WORKER_BOND, 1));
        bounties.seal{value: 1}(id, bytes32(0));
        uint256[] memory bad = new uint256[](3); // not whole steps
        _expectBadTrajectory(bad);
        _expectBadTrajectory(new uint256[](0));
        _expectBadTrajectory(trajectoryOf(RUN, MAX_STEPS + 1));
        uint256[] memory t = trajectoryOf(RUN, STEPS);
        t[3] = FIELD;
        _expectBadTrajectory(t);
    }

    function _expectBadTrajectory(uint256[] memory t) internal {
        uint256 id = post();
        sealAs(worker, id, t);
        vm.roll(block.number + 1);
        vm.prank(worker);
        vm.expectRevert(IPocomputeBounties.BadTrajectory.selector);
        bounties.commit(id, t, SEAL_SALT);
    }

    function test_seal_checks() public {
        uint256 id = post();
        uint256[] memory t = trajectoryOf(RUN, STEPS);
        // Opening an Open bounty (no seal).
        vm.prank(worker);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeBounties.WrongPhase.selector, IPocomputeBounties.Phase.Open));
        bounties.commit(id, t, SEAL_SALT);
        sealAs(worker, id, t);
        (bytes32 h, uint64 blk, uint64 openDeadline) = bounties.getSeal(id);
        assertEq(h, sealOf(id, worker, t, SEAL_SALT), "seal hash");
        assertEq(blk, block.number, "seal block");
        assertEq(openDeadline, block.timestamp + RESPONSE_TIME, "open deadline");
        assertEq(bounties.getBounty(id).worker, worker, "worker");
        assertPhase(id, IPocomputeBounties.Phase.Sealed);
        // A second seal finds it Sealed.
        vm.prank(anyone);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeBounties.WrongPhase.selector, IPocomputeBounties.Phase.Sealed));
        bounties.seal{value: BOUNTY_WORKER_BOND}(id, bytes32(0));
        // Neither reveal, challenge nor cancel in Sealed.
        vm.prank(requester);
        vm.expectRevert(IPocomputeBounties.NotCommitted.selector);
        bounties.reveal(id, evalSet(), SALT);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeBounties.WrongPhase.selector, IPocomputeBounties.Phase.Sealed));
        challengeAs(challenger, id, 0);
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeBounties.WrongPhase.selector, IPocomputeBounties.Phase.Sealed));
        bounties.cancel(id);
        vm.expectRevert(IPocomputeBounties.NothingToSettle.selector);
        bounties.settle(id);
        // Wrong salt, wrong run.
        vm.roll(block.number + 1);
        vm.prank(worker);
        vm.expectRevert(IPocomputeBounties.SealMismatch.selector);
        bounties.commit(id, t, keccak256("other salt"));
        vm.prank(worker);
        vm.expectRevert(IPocomputeBounties.SealMismatch.selector);
        bounties.commit(id, trajectoryOf("other run", STEPS), SEAL_SALT);
        // Too late.
        vm.warp(openDeadline + 1);
        vm.prank(worker);
        vm.expectRevert(IPocomputeBounties.DeadlinePassed.selector);
        bounties.commit(id, t, SEAL_SALT);
    }

    /// The opening comes in a later block than the seal.
    function test_openInTheSealBlock_refused() public {
        uint256 id = post();
        uint256[] memory t = trajectoryOf(RUN, STEPS);
        sealAs(worker, id, t);
        vm.prank(worker);
        vm.expectRevert(IPocomputeBounties.SameBlock.selector);
        bounties.commit(id, t, SEAL_SALT);
        vm.roll(block.number + 1);
        openAs(worker, id, t);
        assertPhase(id, IPocomputeBounties.Phase.Committed);
        assertEq(bounties.getBounty(id).trajectoryHash, keccak256(abi.encode(t)), "trajectory");
    }

    /// A copier sees the honest seal in the mempool and sends the same seal at a higher tip: it
    /// holds the bounty, but the seal binds the worker's address, so the copier can never open it
    /// (and the worker, not its sealer, cannot either): its bond goes to the requester, the bounty
    /// opens again, and the worker seals, opens and is paid.
    function test_frontRunSeal_copyCannotOpen_losesItsBond() public {
        uint256 id = post();
        uint256[] memory t = trajectoryOf(RUN, STEPS);
        bytes32 honestSeal = sealOf(id, worker, t, SEAL_SALT);
        vm.prank(copier);
        bounties.seal{value: BOUNTY_WORKER_BOND}(id, honestSeal);
        vm.prank(worker);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeBounties.WrongPhase.selector, IPocomputeBounties.Phase.Sealed));
        bounties.seal{value: BOUNTY_WORKER_BOND}(id, honestSeal);
        vm.roll(block.number + 1);
        // Even knowing the run and the salt, the copy does not open: the seal is the worker's.
        vm.prank(copier);
        vm.expectRevert(IPocomputeBounties.SealMismatch.selector);
        bounties.commit(id, t, SEAL_SALT);
        vm.prank(worker);
        vm.expectRevert(IPocomputeBounties.NotWorker.selector);
        bounties.commit(id, t, SEAL_SALT);
        (, , uint64 openDeadline) = bounties.getSeal(id);
        vm.warp(openDeadline + 1);
        uint256 r0 = requester.balance;
        uint256 c0 = copier.balance;
        bounties.settle(id);
        assertEq(requester.balance, r0 + BOUNTY_WORKER_BOND, "requester: the copier's bond");
        assertEq(copier.balance, c0, "copier gets nothing back");
        assertPhase(id, IPocomputeBounties.Phase.Open);
        assertEq(bounties.getBounty(id).worker, address(0), "worker cleared");
        (bytes32 h, , ) = bounties.getSeal(id);
        assertEq(h, bytes32(0), "seal cleared");
        // The honest worker now seals, opens and is paid.
        uint256 w0 = worker.balance;
        commitAs(worker, id, t);
        revealNow(id);
        proveMetricNow(id, t, 1);
        afterWindow();
        bounties.settle(id);
        assertPhase(id, IPocomputeBounties.Phase.Paid);
        assertEq(worker.balance, w0 + BOUNTY_REWARD, "worker: reward (bond back)");
        assertEq(address(bounties).balance, 0, "nothing left");
    }

    /// A copier retargets the honest worker's pending seal to another bounty with the same terms
    /// (a twin the same run would meet), hoping to open it with the run and salt the worker's
    /// opening will publish. The seal binds the bounty id and the sealer's address, so the copy
    /// opens for nobody: the copier's bond goes to the twin's requester once its open deadline
    /// passes, the twin is Open again, and the worker's own bounty is untouched (opened and paid).
    /// (The same seal on the same bounty from the copier's address: test_frontRunSeal_copyCannotOpen_losesItsBond.)
    function test_frontRunSeal_retargetedToAnotherBounty_cannotOpen_losesItsBond() public {
        uint256 id = post();
        vm.prank(anyone);
        uint256 twin = bounties.postBounty{value: BOUNTY_REWARD}(bountyTerms(), baseHashes());
        uint256[] memory t = trajectoryOf(RUN, STEPS);
        uint256 w0 = worker.balance;
        bytes32 honestSeal = sealOf(id, worker, t, SEAL_SALT);
        vm.prank(worker);
        bounties.seal{value: BOUNTY_WORKER_BOND}(id, honestSeal);
        vm.prank(copier);
        bounties.seal{value: BOUNTY_WORKER_BOND}(twin, honestSeal);
        assertEq(bounties.getBounty(twin).worker, copier, "the copier holds the twin");
        vm.roll(block.number + 1);
        // The worker opens its seal: the run and the salt are now public...
        openAs(worker, id, t);
        assertPhase(id, IPocomputeBounties.Phase.Committed);
        // ...and still open nothing else: the copied hash is keccak(id, worker, run, salt).
        vm.prank(copier);
        vm.expectRevert(IPocomputeBounties.SealMismatch.selector);
        bounties.commit(twin, t, SEAL_SALT);
        vm.prank(worker);
        vm.expectRevert(IPocomputeBounties.NotWorker.selector);
        bounties.commit(twin, t, SEAL_SALT);
        // The worker's bounty goes on as if no copy had been sent.
        revealNow(id);
        proveMetricNow(id, t, 1);
        assertPhase(id, IPocomputeBounties.Phase.Met);
        // The copy is never opened: past its open deadline, its bond goes to the twin's requester.
        (, , uint64 openDeadline) = bounties.getSeal(twin);
        vm.warp(openDeadline + 1);
        uint256 r0 = anyone.balance;
        uint256 c0 = copier.balance;
        bounties.settle(twin);
        assertEq(anyone.balance, r0 + BOUNTY_WORKER_BOND, "twin's requester: the copier's bond");
        assertEq(copier.balance, c0, "copier gets nothing back");
        assertEq(copier.balance, 100 ether - BOUNTY_WORKER_BOND, "copier lost its bond");
        assertPhase(twin, IPocomputeBounties.Phase.Open);
        assertEq(bounties.getBounty(twin).worker, address(0), "twin's worker cleared");
        // The honest worker is paid on its own bounty.
        afterWindow();
        bounties.settle(id);
        assertPhase(id, IPocomputeBounties.Phase.Paid);
        assertEq(worker.balance, w0 + BOUNTY_REWARD, "worker: reward (bond back)");
        assertEq(address(bounties).balance, BOUNTY_REWARD, "only the twin's reward left");
    }

    /// A seal left unopened past the commit deadline: bond to the requester, reward back.
    function test_unopenedSeal_afterCommitDeadline_refunds() public {
        uint256 id = post();
        vm.warp(block.timestamp + 1 days - 10); // seal just before the commit deadline
        sealAs(copier, id, trajectoryOf(RUN, STEPS));
        (, , uint64 openDeadline) = bounties.getSeal(id);
        vm.warp(openDeadline);
        vm.expectRevert(IPocomputeBounties.NothingToSettle.selector);
        bounties.settle(id);
        vm.warp(openDeadline + 1);
        uint256 r0 = requester.balance;
        bounties.settle(id);
        assertEq(requester.balance, r0 + BOUNTY_REWARD + BOUNTY_WORKER_BOND, "requester: reward + bond");
        assertPhase(id, IPocomputeBounties.Phase.Refunded);
        assertEq(address(bounties).balance, 0, "nothing left");
    }

    /// A copy of the whole run once committed is no longer possible: the honest worker opened in
    /// a later block, so its bounty is taken; a copier's seal finds it Committed.
    function test_frontRunCommit_copierLosesItsBond() public {
        uint256 id = post();
        uint256[] memory t = trajectoryOf(RUN, STEPS);
        commitAs(copier, id, t);
        vm.prank(worker);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeBounties.WrongPhase.selector, IPocomputeBounties.Phase.Committed));
        bounties.seal{value: BOUNTY_WORKER_BOND}(id, sealOf(id, worker, t, SEAL_SALT));
        revealNow(id);
        vm.warp(block.timestamp + PROVE_TIME + 1);
        uint256 r0 = requester.balance;
        uint256 c0 = copier.balance;
        bounties.settle(id);
        assertEq(requester.balance, r0 + BOUNTY_REWARD + BOUNTY_WORKER_BOND, "requester: reward + copier's bond");
        assertEq(copier.balance, c0, "copier gets nothing back");
        assertEq(worker.balance, 100 ether, "honest worker lost nothing");
    }

    // ------------------------------------------------------------ reveal

    function test_reveal_beforeCommit_refused() public {
        uint256 id = post();
        vm.prank(requester);
        vm.expectRevert(IPocomputeBounties.NotCommitted.selector);
        bounties.reveal(id, evalSet(), SALT);
    }

    function test_reveal_wrongSaltOrSet_refused() public {
        (uint256 id, ) = committed();
        vm.prank(requester);
        vm.expectRevert(IPocomputeBounties.RevealMismatch.selector);
        bounties.reveal(id, evalSet(), keccak256("other salt"));
        uint256[] memory e = evalSet();
        e[0] += 1;
        vm.expectRevert(IPocomputeBounties.RevealMismatch.selector);
        bounties.reveal(id, e, SALT);
        vm.expectRevert(IPocomputeBounties.RevealMismatch.selector);
        bounties.reveal(id, new uint256[](EVAL_FELTS - 1), SALT);
        // Anyone who knows the salt may reveal.
        vm.prank(anyone);
        bounties.reveal(id, evalSet(), SALT);
        assertPhase(id, IPocomputeBounties.Phase.Revealed);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeBounties.WrongPhase.selector, IPocomputeBounties.Phase.Revealed));
        bounties.reveal(id, evalSet(), SALT);
    }

    /// The requester committed a set with a felt beyond ±evalBound (one no evaluation circuit can
    /// take): its reveal is refused, and the worker is paid as if it never revealed.
    function test_reveal_beyondEvalBound_refused() public {
        _revealRefused(int256(EVAL_BOUND) + 1);
        _revealRefused(-int256(EVAL_BOUND) - 1);
        _revealRefused(int256(FIELD / 2)); // the largest positive signed felt
        // At the bound, both signs pass.
        uint256[] memory e = evalSet();
        e[0] = toFelt(int256(EVAL_BOUND));
        e[1] = toFelt(-int256(EVAL_BOUND));
        uint256 id = _postWithEval(e);
        commitAs(worker, id, trajectoryOf(RUN, STEPS));
        vm.prank(requester);
        bounties.reveal(id, e, SALT);
        assertPhase(id, IPocomputeBounties.Phase.Revealed);
    }

    function _postWithEval(uint256[] memory e) internal returns (uint256 id) {
        IPocomputeBounties.Terms memory terms_ = bountyTerms();
        terms_.evalCommit = evalCommitOf(e, SALT);
        vm.prank(requester);
        id = bounties.postBounty{value: BOUNTY_REWARD}(terms_, baseHashes());
    }

    function _revealRefused(int256 value) internal {
        uint256[] memory e = evalSet();
        e[2] = toFelt(value);
        uint256 id = _postWithEval(e);
        commitAs(worker, id, trajectoryOf(RUN, STEPS));
        vm.prank(requester);
        vm.expectRevert(IPocomputeBounties.RevealMismatch.selector);
        bounties.reveal(id, e, SALT);
    }

    // ------------------------------------------------------------ metric proof

    function test_proveMetric_otherWeights_refused() public {
        (uint256 id, ) = committed();
        revealNow(id);
        uint256[] memory ins = evalInstances(trajectoryOf("other run", STEPS), evalSet(), 1);
        bytes memory proof = prove(ins);
        vm.expectRevert(IPocomputeBounties.WeightsMismatch.selector);
        bounties.proveMetric(id, proof, ins);
    }

    function test_proveMetric_otherEvalData_refused() public {
        (uint256 id, uint256[] memory t) = committed();
        revealNow(id);
        uint256[] memory e = evalSet();
        e[2] = 7;
        uint256[] memory ins = evalInstances(t, e, 1);
        bytes memory proof = prove(ins);
        vm.expectRevert(IPocomputeBounties.EvalMismatch.selector);
        bounties.proveMetric(id, proof, ins);
    }

    function test_proveMetric_invalidProofOrCount_refused() public {
        (uint256 id, uint256[] memory t) = committed();
        revealNow(id);
        uint256[] memory ins = evalInstances(t, evalSet(), 1);
        bytes memory proof = prove(ins);
        ins[ins.length - 1] = 0; // a better metric than the one proved
        vm.expectRevert(IPocomputeBounties.InvalidProof.selector);
        bounties.proveMetric(id, proof, ins);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeBounties.WrongInstanceCount.selector, ins.length, 3));
        bounties.proveMetric(id, proof, new uint256[](3));
    }

    function test_proveMetric_verifierChanged_refused() public {
        (uint256 id, uint256[] memory t) = committed();
        revealNow(id);
        uint256[] memory ins = evalInstances(t, evalSet(), 1);
        vm.etch(address(verifier), address(new AlwaysTrueVerifier()).code);
        vm.expectRevert(IPocomputeBounties.VerifierChanged.selector);
        bounties.proveMetric(id, "", ins);
    }

    /// The reusable (VKA) layout verifies through the same pinned check.
    function test_proveMetric_reusableVerifier() public {
        address store = VkaStores.deploy(VkaStores.words(4, "eval reusable"));
        uint256 reusableEval = market.registerModel(address(reusableVerifier), store, keccak256("eval"), uint32(K + 2), WEIGHT_FELTS + EVAL_FELTS + 1, "");
        IPocomputeBounties.Terms memory terms_ = bountyTerms();
        terms_.evalModelId = reusableEval;
        vm.prank(requester);
        uint256 id = bounties.postBounty{value: BOUNTY_REWARD}(terms_, baseHashes());
        uint256[] memory t = trajectoryOf(RUN, STEPS);
        commitAs(worker, id, t);
        revealNow(id);
        uint256[] memory ins = evalInstances(t, evalSet(), 1);
        vm.expectRevert(IPocomputeBounties.InvalidProof.selector);
        bounties.proveMetric(id, "not a proof", ins);
        vm.etch(store, abi.encodePacked(bytes1(0x00), VkaStores.words(4, "other")));
        vm.expectRevert(IPocomputeBounties.VerifierChanged.selector);
        bounties.proveMetric(id, "not a proof", ins);
        vm.etch(store, abi.encodePacked(bytes1(0x00), VkaStores.words(4, "eval reusable")));
        proveMetricNow(id, t, 1);
        assertPhase(id, IPocomputeBounties.Phase.Met);
    }

    // ------------------------------------------------------------ challenges

    function test_forgedStep_unanswered_bondSplitAndRewardBack() public {
        (uint256 id, ) = committed();
        revealNow(id);
        challengeAs(challenger, id, 2);
        IPocomputeBounties.Challenge memory c = bounties.getChallenge(id, 2);
        assertEq(c.challenger, challenger, "challenger");
        vm.warp(c.deadline);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeBounties.ResponseTimeNotOver.selector, c.deadline));
        bounties.settleChallenge(id, 2);
        vm.warp(c.deadline + 1);
        uint256 r0 = requester.balance;
        uint256 c0 = challenger.balance;
        bounties.settleChallenge(id, 2);
        uint256 half = BOUNTY_WORKER_BOND / 2;
        assertEq(requester.balance, r0 + BOUNTY_REWARD + half, "requester: reward + half the bond");
        assertEq(challenger.balance, c0 + BOUNTY_CHALLENGER_BOND + (BOUNTY_WORKER_BOND - half), "challenger: bond + half");
        assertPhase(id, IPocomputeBounties.Phase.Failed);
        assertEq(address(bounties).balance, 0, "nothing left");
        vm.expectRevert(IPocomputeBounties.NoOpenChallenge.selector);
        bounties.settleChallenge(id, 2);
    }

    function test_challengeAnswered_challengerBondToWorker() public {
        (uint256 id, uint256[] memory t) = committed();
        challengeAs(challenger, id, 0);
        challengeAs(challenger, id, 3);
        uint256 w0 = worker.balance;
        answer(id, t, 0);
        answer(id, t, 3);
        assertEq(worker.balance, w0 + 2 * uint256(BOUNTY_CHALLENGER_BOND), "worker: both challenger bonds");
        assertTrue(bounties.getChallenge(id, 3).answered, "answered");
        vm.expectRevert(IPocomputeBounties.StepAlreadyAnswered.selector);
        challengeAs(challenger, id, 3);
        // The run still pays.
        revealNow(id);
        proveMetricNow(id, t, 1);
        afterWindow();
        bounties.settle(id);
        assertPhase(id, IPocomputeBounties.Phase.Paid);
    }

    function test_challenge_checks() public {
        (uint256 id, ) = committed();
        vm.expectRevert(IPocomputeBounties.BadStep.selector);
        challengeAs(challenger, id, uint32(STEPS));
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeBounties.WrongBond.selector, BOUNTY_CHALLENGER_BOND, 1));
        bounties.challenge{value: 1}(id, 1);
        challengeAs(challenger, id, 1);
        vm.expectRevert(IPocomputeBounties.ChallengeAlreadyOpen.selector);
        challengeAs(anyone, id, 1);
        vm.warp(bounties.getBounty(id).challengeEnd);
        vm.expectRevert(IPocomputeBounties.WindowClosed.selector);
        challengeAs(challenger, id, 2);
        uint256 open = post();
        vm.expectRevert(abi.encodeWithSelector(IPocomputeBounties.WrongPhase.selector, IPocomputeBounties.Phase.Open));
        challengeAs(challenger, open, 0);
    }

    function test_respond_wrongPathTrajectoryOrInstances_refused() public {
        (uint256 id, uint256[] memory t) = committed();
        challengeAs(challenger, id, 1);
        uint256[] memory ins = stepInstances(baseHashes(), t, 1);
        bytes memory proof = prove(ins);
        // Another step's batch path.
        vm.expectRevert(IPocomputeBounties.BatchMismatch.selector);
        bounties.respond(id, 1, proof, ins, t, batchPath(2));
        // Another trajectory than the committed one.
        uint256[] memory other = trajectoryOf("other run", STEPS);
        vm.expectRevert(IPocomputeBounties.TrajectoryMismatch.selector);
        bounties.respond(id, 1, proof, ins, other, batchPath(1));
        // Instances of another step (weights before and after are not step 1's).
        uint256[] memory ins2 = stepInstances(baseHashes(), t, 2);
        bytes memory proof2 = prove(ins2);
        vm.expectRevert(IPocomputeBounties.WeightsMismatch.selector);
        bounties.respond(id, 1, proof2, ins2, t, batchPath(1));
        // Step 2's batch with step 1's weights.
        uint256[] memory wrongBatch = stepInstances(baseHashes(), t, 1);
        wrongBatch[K] = featuresHash(2);
        wrongBatch[K + 1] = labelsHash(2);
        bytes memory proof3 = prove(wrongBatch);
        vm.expectRevert(IPocomputeBounties.BatchMismatch.selector);
        bounties.respond(id, 1, proof3, wrongBatch, t, batchPath(1));
        vm.expectRevert(abi.encodeWithSelector(IPocomputeBounties.WrongInstanceCount.selector, 2 * K + 3, 2));
        bounties.respond(id, 1, proof, new uint256[](2), t, batchPath(1));
        // Right instances, proof not of them.
        vm.expectRevert(IPocomputeBounties.InvalidProof.selector);
        bounties.respond(id, 1, proof2, ins, t, batchPath(1));
        vm.expectRevert(IPocomputeBounties.NoOpenChallenge.selector);
        bounties.respond(id, 2, proof2, ins2, t, batchPath(2));
        vm.warp(bounties.getChallenge(id, 1).deadline + 1);
        vm.expectRevert(IPocomputeBounties.ResponseTimeOver.selector);
        bounties.respond(id, 1, proof, ins, t, batchPath(1));
    }

    /// A run that fine-tunes another base model: its step 0 cannot answer.
    function test_respond_stepFromAnotherBase_refused() public {
        (uint256 id, uint256[] memory t) = committed();
        challengeAs(challenger, id, 0);
        uint256[] memory ins = stepInstances(otherBaseHashes(), t, 0);
        bytes memory proof = prove(ins);
        vm.expectRevert(IPocomputeBounties.WeightsMismatch.selector);
        bounties.respond(id, 0, proof, ins, t, batchPath(0));
    }

    function test_tenChallengesAtOnce_spacedAndAllAnswered() public {
        uint256 id = post();
        uint256[] memory t = trajectoryOf(RUN, 12);
        commitAs(worker, id, t);
        uint64 start = uint64(block.timestamp);
        for (uint32 s = 0; s < 10; s++) challengeAs(challenger, id, s);
        assertEq(bounties.getBounty(id).openChallenges, 10, "open");
        for (uint32 s = 0; s < 10; s++) {
            assertEq(bounties.getChallenge(id, s).deadline, start + RESPONSE_TIME + s * (RESPONSE_TIME / 2), "spaced deadline");
        }
        uint256 w0 = worker.balance;
        for (uint32 s = 0; s < 10; s++) {
            vm.warp(bounties.getChallenge(id, s).deadline); // answered at the last second
            answer(id, t, s);
        }
        assertEq(bounties.getBounty(id).openChallenges, 0, "all answered");
        assertEq(worker.balance, w0 + 10 * uint256(BOUNTY_CHALLENGER_BOND), "worker: ten bonds");
    }

    /// A challenge at the window's last second leaves its full response time; the worker is not
    /// paid while it is open, and a challenge on a live bounty cannot be closed.
    function test_openChallenge_blocksPayment() public {
        (uint256 id, uint256[] memory t) = committed();
        revealNow(id);
        proveMetricNow(id, t, 1);
        uint64 end = bounties.getBounty(id).challengeEnd;
        vm.warp(end - 1);
        challengeAs(challenger, id, 1);
        assertEq(bounties.getChallenge(id, 1).deadline, end - 1 + RESPONSE_TIME, "full response time");
        vm.warp(end);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeBounties.ChallengesOpen.selector, uint32(1)));
        bounties.settle(id);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeBounties.WrongPhase.selector, IPocomputeBounties.Phase.Met));
        bounties.closeChallenge(id, 1);
        answer(id, t, 1);
        bounties.settle(id);
        assertPhase(id, IPocomputeBounties.Phase.Paid);
    }

    function test_closeChallenge_afterFailure_returnsBond() public {
        (uint256 id, uint256[] memory t) = committed();
        revealNow(id);
        challengeAs(challenger, id, 1);
        challengeAs(anyone, id, 2);
        vm.warp(block.timestamp + PROVE_TIME + 1);
        bounties.settle(id); // no metric proof: Failed, challenges still open
        assertPhase(id, IPocomputeBounties.Phase.Failed);
        // Its bonds are settled: nobody answers any more.
        uint256[] memory ins = stepInstances(baseHashes(), t, 1);
        bytes memory proof = prove(ins);
        vm.expectRevert(abi.encodeWithSelector(IPocomputeBounties.WrongPhase.selector, IPocomputeBounties.Phase.Failed));
        bounties.respond(id, 1, proof, ins, t, batchPath(1));
        uint256 c0 = challenger.balance;
        bounties.closeChallenge(id, 1);
        assertEq(challenger.balance, c0 + BOUNTY_CHALLENGER_BOND, "bond back");
        // settleChallenge on a terminal bounty closes too, before its deadline.
        uint256 a0 = anyone.balance;
        bounties.settleChallenge(id, 2);
        assertEq(anyone.balance, a0 + BOUNTY_CHALLENGER_BOND, "bond back (settleChallenge)");
        assertEq(bounties.getBounty(id).openChallenges, 0, "none open");
        assertEq(address(bounties).balance, 0, "nothing left");
    }

    function test_secondUpheld_afterFailure_isClosed() public {
        (uint256 id, ) = committed();
        challengeAs(challenger, id, 1);
        challengeAs(anyone, id, 2);
        vm.warp(bounties.getChallenge(id, 2).deadline + 1);
        bounties.settleChallenge(id, 1);
        uint256 a0 = anyone.balance;
        bounties.settleChallenge(id, 2);
        assertEq(anyone.balance, a0 + BOUNTY_CHALLENGER_BOND, "moot: bond back only");
        assertEq(address(bounties).balance, 0, "nothing left");
    }

    // ------------------------------------------------------------ payments

    function test_refusingWorker_isCredited_andWithdraws() public {
        RefusingWallet wallet = new RefusingWallet();
        vm.deal(address(wallet), 10 ether);
        uint256 id = post();
        uint256[] memory t = trajectoryOf(RUN, STEPS);
        commitAs(address(wallet), id, t);
        revealNow(id);
        proveMetricNow(id, t, 1);
        afterWindow();
        bounties.settle(id);
        uint256 owed = BOUNTY_REWARD + BOUNTY_WORKER_BOND;
        assertEq(bounties.credits(address(wallet)), owed, "credited");
        assertPhase(id, IPocomputeBounties.Phase.Paid);
        vm.prank(address(wallet));
        vm.expectRevert(IPocomputeBounties.TransferFailed.selector);
        bounties.withdraw();
        wallet.setOpen(true);
        uint256 before = address(wallet).balance;
        vm.prank(address(wallet));
        bounties.withdraw();
        assertEq(address(wallet).balance, before + owed, "withdrawn");
        vm.prank(address(wallet));
        vm.expectRevert(IPocomputeBounties.NothingToWithdraw.selector);
        bounties.withdraw();
    }

    function test_views_unknownBounty() public {
        vm.expectRevert(IPocomputeBounties.UnknownBounty.selector);
        bounties.getBounty(0);
        uint256 id = post();
        assertEq(bounties.bountyCount(), 1, "count");
        assertEq(bounties.getBaseWeightsHash(id), baseHashes(), "base hashes");
        assertEq(bounties.getTerms(id).batchRoot, bountyTerms().batchRoot, "terms");
    }
}
