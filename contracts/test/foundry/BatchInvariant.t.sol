// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

import {PocomputeBatches} from "../../PocomputeBatches.sol";
import {IPocomputeBatches} from "../../interfaces/IPocomputeBatches.sol";
import {IPocomputeMarket} from "../../interfaces/IPocomputeMarket.sol";
import {InvariantTargets, TestBase} from "./base/MarketTest.sol";
import {Toy} from "./base/MarketFixture.sol";
import {BatchHandler} from "./handlers/BatchHandler.sol";

/// What must hold for batches under any interleaving of honest requesters, an honest worker, a
/// cheating worker, an honest challenger and an adversary (handlers/BatchHandler.sol):
/// (a) the batch contract holds exactly what it owes: the rewards of the tasks not closed in
///     open or submitted batches, live or lapsed claim bonds, the worker bonds of leaves not lost
///     in submitted batches, the bonds of open challenges, and every credit;
/// (b) each task is paid at most once (to the worker by finalize, or closed to the requester),
///     and exactly once when its batch is settled;
/// (c) a worker bond is never both returned and slashed: finalize returns the bonds of exactly
///     the leaves whose challenge was never upheld;
/// (d) every result paid is correct (the honest challenger catches every wrong leaf), and no
///     honest transaction reverts.
contract BatchInvariantTest is TestBase, InvariantTargets {
    BatchHandler internal handler;
    PocomputeBatches internal batches;

    function setUp() public {
        handler = new BatchHandler();
        batches = handler.batchesUnderTest();
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](13);
        selectors[0] = BatchHandler.requesterPost.selector;
        selectors[1] = BatchHandler.requesterCancel.selector;
        selectors[2] = BatchHandler.refund.selector;
        selectors[3] = BatchHandler.workerClaim.selector;
        selectors[4] = BatchHandler.workerSubmit.selector;
        selectors[5] = BatchHandler.cheaterWallet.selector;
        selectors[6] = BatchHandler.adversaryChallenge.selector;
        selectors[7] = BatchHandler.settle.selector;
        selectors[8] = BatchHandler.finalize.selector;
        selectors[9] = BatchHandler.adversaryReplayAnswer.selector;
        selectors[10] = BatchHandler.withdraw.selector;
        selectors[11] = BatchHandler.advance.selector;
        selectors[12] = BatchHandler.advance.selector;
        targetSelector(address(handler), selectors);
        targetSender(address(0x5EED));
    }

    function _unsettled(IPocomputeMarket.Status s) internal pure returns (bool) {
        return s == IPocomputeMarket.Status.Open || s == IPocomputeMarket.Status.Submitted;
    }

    /// (a)
    function invariant_batchesHoldWhatTheyOwe() public view {
        uint256 owed;
        uint256 count = batches.batchCount();
        for (uint256 id = 0; id < count; id++) {
            IPocomputeBatches.Batch memory b = batches.getBatch(id);
            if (!_unsettled(b.status)) continue;
            owed += uint256(b.rewardPerTask) * (b.n - b.closed);
            if (b.claimant != address(0)) owed += b.claimBond;
            if (b.status == IPocomputeMarket.Status.Submitted) {
                owed += uint256(b.terms.workerBond) * (b.n - b.lost);
                owed += uint256(b.terms.challengerBond) * b.openChallenges;
            }
        }
        address[] memory all = handler.actors();
        for (uint256 i = 0; i < all.length; i++) owed += batches.credits(all[i]);
        assertEq(address(batches).balance, owed, "(a) balance == escrows + bonds + credits");
    }

    /// (b)
    function invariant_eachTaskPaidAtMostOnce() public view {
        uint256 count = batches.batchCount();
        for (uint256 id = 0; id < count; id++) {
            IPocomputeBatches.Batch memory b = batches.getBatch(id);
            for (uint256 i = 0; i < b.n; i++) {
                uint256 paid = handler.paidOrClosed(id, i);
                assertLe(paid, 1, "(b) a task paid twice");
                if (!_unsettled(b.status)) assertEq(paid, 1, "(b) a settled batch's task not paid");
                else assertEq(paid, batches.isClosed(id, i) ? 1 : 0, "(b) payouts vs closed bits");
            }
        }
    }

    /// (c)
    function invariant_aBondIsNeverBothReturnedAndSlashed() public view {
        // A mutant that returns every bond at finalize must be caught: log how often it is reached.
        handler.finalizedWithLostLeaves();
        assertEq(bytes(handler.bondViolation()).length, 0, string.concat("(c) ", handler.bondViolation()));
    }

    /// (d)
    function invariant_paidResultsAreCorrectAndHonestPartiesNeverFail() public view {
        assertEq(bytes(handler.honestFailure()).length, 0, string.concat("(d) ", handler.honestFailure()));
        uint256 count = batches.batchCount();
        for (uint256 id = 0; id < count; id++) {
            IPocomputeBatches.Batch memory b = batches.getBatch(id);
            if (b.status != IPocomputeMarket.Status.Done) continue;
            uint256[] memory outputs = handler.submittedOutputs(id);
            uint256[] memory ins = handler.taskInputs(id);
            for (uint256 i = 0; i < b.n; i++) {
                if (batches.isClosed(id, i)) continue;
                uint256 want = Toy.stage1(Toy.stage0(ins[2 * i], ins[2 * i + 1]));
                assertEq(outputs[i], want, "(d) a wrong result was paid");
            }
        }
    }
}
