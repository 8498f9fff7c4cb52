// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

import {PocomputeMarket} from "../../PocomputeMarket.sol";
import {TaskKind} from "../../interfaces/IInferenceConsumer.sol";
import {IPocomputeMarket} from "../../interfaces/IPocomputeMarket.sol";
import {Toy} from "./base/MarketFixture.sol";
import {InvariantTargets, TestBase} from "./base/MarketTest.sol";
import {MarketHandler} from "./handlers/MarketHandler.sol";

/// What must hold under any interleaving of honest workers, requesters and a challenger with an
/// adversary that replays everything they send (see handlers/MarketHandler.sol), checked after
/// every call:
/// (a) the market holds exactly what it owes: the escrow of every unsettled task, the claim bond
///     of a claimed one, the worker bond of a standing result, the challenger bond of an open
///     challenge, and every credit;
/// (b) no honest party loses: a worker's balance never falls below its start less the bonds it has
///     locked, a requester's below its start less the rewards of tasks not refunded, the
///     challenger's below its start less its open challenges' bonds; and no honest transaction
///     reverts (an honest worker that proved a task it holds a live committed claim on is paid);
/// (c) each task is paid at most once (one TaskCompleted or TaskRefunded, and only when settled);
/// (d) the adversary is paid for a proof only if it committed to that proof before it was mined;
/// (e) every paid result is the correct one (the requester got what it paid for).
contract MarketInvariantTest is TestBase, InvariantTargets {
    MarketHandler internal handler;
    PocomputeMarket internal market;

    function setUp() public {
        handler = new MarketHandler();
        market = handler.marketUnderTest();
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](23);
        selectors[0] = MarketHandler.requesterPost.selector;
        selectors[1] = MarketHandler.cancel.selector;
        selectors[2] = MarketHandler.refund.selector;
        selectors[3] = MarketHandler.workerClaim.selector;
        selectors[4] = MarketHandler.workerCommit.selector;
        selectors[5] = MarketHandler.workerBroadcast.selector;
        selectors[6] = MarketHandler.workerReveal.selector;
        selectors[7] = MarketHandler.workerRespond.selector;
        selectors[8] = MarketHandler.challengerAct.selector;
        selectors[9] = MarketHandler.finalize.selector;
        selectors[10] = MarketHandler.settleChallenge.selector;
        selectors[11] = MarketHandler.withdraw.selector;
        selectors[12] = MarketHandler.advance.selector;
        selectors[13] = MarketHandler.rollBlocks.selector;
        selectors[14] = MarketHandler.adversaryPost.selector;
        selectors[15] = MarketHandler.adversaryProve.selector;
        selectors[16] = MarketHandler.adversaryClaim.selector;
        selectors[17] = MarketHandler.adversaryCommitProof.selector;
        selectors[18] = MarketHandler.adversarySubmit.selector;
        selectors[19] = MarketHandler.adversaryFrontRun.selector;
        selectors[20] = MarketHandler.adversarySubmitResult.selector;
        selectors[21] = MarketHandler.adversaryChallenge.selector;
        selectors[22] = MarketHandler.adversaryRespond.selector;
        // Only these: the handler's views and ghosts are not actions.
        targetSelector(address(handler), selectors);
        targetSender(address(0x5EED));
    }

    function _unsettled(IPocomputeMarket.Status status) internal pure returns (bool) {
        return status == IPocomputeMarket.Status.Open || status == IPocomputeMarket.Status.Submitted;
    }

    /// (a)
    function invariant_marketHoldsWhatItOwes() public view {
        uint256 owed;
        uint256 n = market.taskCount();
        for (uint256 t = 0; t < n; t++) {
            IPocomputeMarket.Task memory task = market.getTask(t);
            if (!_unsettled(task.status)) continue;
            owed += task.reward;
            if (task.claimant != address(0)) owed += task.claimBond;
            if (task.status == IPocomputeMarket.Status.Submitted) {
                (IPocomputeMarket.OptimisticState memory state, , ) = market.getResult(t);
                owed += state.terms.workerBond;
                if (state.challenger != address(0)) owed += state.terms.challengerBond;
            }
        }
        address[] memory all = handler.actors();
        for (uint256 i = 0; i < all.length; i++) owed += market.credits(all[i]);
        assertEq(address(market).balance, owed, "(a) market balance == escrows + locked bonds + credits");
    }

    /// (b)
    function invariant_honestPartiesNeverLose() public view {
        assertEq(bytes(handler.honestFailure()).length, 0, string.concat("(b) ", handler.honestFailure()));
        uint256 start = handler.START_BALANCE();
        uint256 n = market.taskCount();
        address[2] memory workers = handler.workers();
        address[2] memory requesters = handler.requesters();
        address challenger = handler.challenger();
        uint256[2] memory workerLocked;
        uint256[2] memory requesterSpent;
        uint256 challengerLocked;
        for (uint256 t = 0; t < n; t++) {
            IPocomputeMarket.Task memory task = market.getTask(t);
            for (uint256 r = 0; r < 2; r++) {
                if (task.requester == requesters[r] && task.status != IPocomputeMarket.Status.Refunded) requesterSpent[r] += handler.postedReward(t);
            }
            if (!_unsettled(task.status)) continue;
            for (uint256 w = 0; w < 2; w++) {
                if (task.claimant == workers[w]) workerLocked[w] += task.claimBond;
            }
            if (task.status != IPocomputeMarket.Status.Submitted) continue;
            (IPocomputeMarket.OptimisticState memory state, , ) = market.getResult(t);
            for (uint256 w = 0; w < 2; w++) {
                if (state.submitter == workers[w]) workerLocked[w] += state.terms.workerBond;
            }
            if (state.challenger == challenger) challengerLocked += state.terms.challengerBond;
        }
        for (uint256 i = 0; i < 2; i++) {
            assertGe(workers[i].balance + workerLocked[i], start, "(b) honest worker lost money");
            assertGe(requesters[i].balance + requesterSpent[i], start, "(b) honest requester lost money");
        }
        assertGe(challenger.balance + challengerLocked, start, "(b) honest challenger lost money");
    }

    /// (c)
    function invariant_eachTaskPaidAtMostOnce() public view {
        uint256 n = market.taskCount();
        for (uint256 t = 0; t < n; t++) {
            uint256 paid = handler.paidEvents(t);
            assertLe(paid, 1, string.concat("(c) task paid more than once: task ", _dec(t)));
            assertEq(paid, _unsettled(market.getTask(t).status) ? 0 : 1, string.concat("(c) payouts vs status of task ", _dec(t)));
        }
    }

    /// (d)
    function invariant_copierPaidOnlyForWhatItCommittedUnseen() public view {
        assertEq(bytes(handler.copierViolation()).length, 0, string.concat("(d) ", handler.copierViolation()));
    }

    /// (e)
    function invariant_paidResultsAreCorrect() public view {
        uint256 n = market.taskCount();
        for (uint256 t = 0; t < n; t++) {
            IPocomputeMarket.Task memory task = market.getTask(t);
            if (task.status != IPocomputeMarket.Status.Done) continue;
            uint256[] memory ins = market.getTaskInputs(t);
            uint256 want = task.kind == TaskKind.Proved ? Toy.correctBoundary(ins) : Toy.correctOutput(ins);
            assertEq(market.getTaskOutputs(t), Toy.one(want), string.concat("(e) wrong result paid on task ", _dec(t)));
        }
    }
}
