// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

import {PocomputeBounties} from "../../PocomputeBounties.sol";
import {IPocomputeBounties} from "../../interfaces/IPocomputeBounties.sol";
import {InvariantTargets, TestBase} from "./base/MarketTest.sol";
import {BountyHandler} from "./handlers/BountyHandler.sol";

/// What must hold for bounties under any interleaving of honest requesters, an honest worker, a
/// cheating worker, a seal copier, an honest challenger and an adversary (handlers/BountyHandler.sol):
/// (a) the contract holds exactly what it owes: the rewards of bounties not terminal, the worker
///     bonds of those with a worker (sealed or committed), the bonds of open challenges (on any bounty), and every credit;
/// (b) a bounty reaches a terminal phase at most once and never leaves it;
/// (c) the worker is paid only if a metric proof met the target or the requester never revealed,
///     never after an upheld challenge, and never for a run with a forged step;
/// (d) an honest run never fails, and no honest transaction reverts.
/// forge-config: default.invariant.runs = 32
/// forge-config: default.invariant.depth = 150
contract BountyInvariantTest is TestBase, InvariantTargets {
    BountyHandler internal handler;
    PocomputeBounties internal bounties;

    function setUp() public {
        handler = new BountyHandler();
        bounties = handler.bountiesUnderTest();
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](18);
        selectors[0] = BountyHandler.requesterPost.selector;
        selectors[1] = BountyHandler.requesterPost.selector;
        selectors[2] = BountyHandler.requesterCancel.selector;
        selectors[3] = BountyHandler.requesterReveal.selector;
        selectors[4] = BountyHandler.adversaryBadReveal.selector;
        selectors[5] = BountyHandler.workerCommit.selector;
        selectors[6] = BountyHandler.workerCommit.selector;
        selectors[7] = BountyHandler.proveMetric.selector;
        selectors[8] = BountyHandler.challenge.selector;
        selectors[9] = BountyHandler.answer.selector;
        selectors[10] = BountyHandler.settle.selector;
        selectors[11] = BountyHandler.settleChallenge.selector;
        selectors[12] = BountyHandler.closeChallenge.selector;
        selectors[13] = BountyHandler.cheaterWallet.selector;
        selectors[14] = BountyHandler.withdraw.selector;
        selectors[15] = BountyHandler.advance.selector;
        selectors[16] = BountyHandler.advance.selector;
        selectors[17] = BountyHandler.copierSeal.selector;
        targetSelector(address(handler), selectors);
        targetSender(address(0x5EED));
    }

    function _terminal(IPocomputeBounties.Phase p) internal pure returns (bool) {
        return p == IPocomputeBounties.Phase.Paid || p == IPocomputeBounties.Phase.Failed || p == IPocomputeBounties.Phase.Refunded;
    }

    /// (a)
    function invariant_holdsWhatItOwes() public view {
        uint256 owed;
        uint256 count = bounties.bountyCount();
        for (uint256 id = 0; id < count; id++) {
            IPocomputeBounties.Bounty memory b = bounties.getBounty(id);
            IPocomputeBounties.Terms memory t = bounties.getTerms(id);
            owed += uint256(t.challengerBond) * b.openChallenges;
            if (_terminal(b.phase)) continue;
            owed += b.reward;
            if (b.worker != address(0)) owed += t.workerBond;
        }
        address[] memory all = handler.actors();
        for (uint256 i = 0; i < all.length; i++) owed += bounties.credits(all[i]);
        assertEq(address(bounties).balance, owed, "(a) balance == escrow + bonds + credits");
    }

    /// (b)
    function invariant_settledAtMostOnce() public view {
        uint256 count = bounties.bountyCount();
        for (uint256 id = 0; id < count; id++) {
            IPocomputeBounties.Phase p = bounties.getBounty(id).phase;
            uint256 settled = handler.settledCount(id);
            assertLe(settled, 1, "(b) settled twice");
            if (_terminal(p)) assertEq(uint256(handler.terminalPhase(id)), uint256(p), "(b) terminal phase changed");
        }
    }

    /// (c) and (d)
    function invariant_workerPaidOnlyWhenDue() public view {
        // How often the campaign reaches a payment and a failure (a campaign that never does
        // proves nothing).
        handler.paidCount();
        handler.failedCount();
        assertEq(bytes(handler.violation()).length, 0, string.concat("(c)/(d) ", handler.violation()));
    }
}
