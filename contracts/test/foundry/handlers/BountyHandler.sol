// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

import {PocomputeBounties} from "../../../PocomputeBounties.sol";
import {IPocomputeBounties} from "../../../interfaces/IPocomputeBounties.sol";
import {BountyFixture} from "../base/BountyFixture.sol";
import {RefusingWallet} from "../base/MarketFixture.sol";

/// Drives PocomputeBounties for BountyInvariant.t.sol with:
/// - honest requesters: post bounties, cancel their own open ones, reveal (or not) in time;
/// - an honest worker: seals a true run, opens it in the next block, answers every challenge and
///   proves the metric before time moves on;
/// - a cheater (a wallet that refuses payments until told otherwise): seals and opens runs with
///   forged steps (no proof of them exists), or seals and never opens, may prove the metric of its
///   final weights, never answers;
/// - a copier: sends a copy of the honest worker's seal first and tries to open it;
/// - an honest challenger: challenges every forged step while the window is open;
/// - an adversary: challenges any step, answers any true step, settles, closes, reveals wrongly.
/// Time moves only through `advance`, which first lets the honest parties act.
/// Ghosts per bounty: how often it reached a terminal phase, the terminal phase it reached, whether
/// it was revealed, whether a metric proof met the target, whether a challenge was upheld; the
/// first violation seen (a paid worker who should not be, a terminal phase that changed, an honest
/// action that reverted).
contract BountyHandler is BountyFixture {
    uint256 internal constant MAX_BOUNTIES = 10;
    uint256 internal constant MAX_RUN = 5;
    uint32 internal constant H_REVEAL = 1 hours;
    uint32 internal constant H_PROVE = 1 hours;
    uint32 internal constant H_WINDOW = 3 hours;
    uint32 internal constant H_RESPONSE = 10 minutes;

    address[2] internal requesterList = [address(0x2001), address(0x2002)];
    address public honestWorker = address(0x1001);
    RefusingWallet public cheater;
    address public challenger = address(0x3001);
    address public adversary = address(0x4001);

    uint256 public clock = 1_000_000;
    uint256 public blockNo = 1_000;

    mapping(uint256 => uint256[]) internal runOf;
    mapping(uint256 => uint256) internal forgedMask; // bit s: step s of the committed run is false
    mapping(uint256 => bool) public honestRun;
    mapping(uint256 => bool) public revealed;
    mapping(uint256 => bool) public metricMet;
    mapping(uint256 => bool) public upheld;
    mapping(uint256 => uint256) public settledCount;
    mapping(uint256 => IPocomputeBounties.Phase) public terminalPhase;
    string public violation;
    uint256 public paidCount;
    uint256 public failedCount;

    constructor() {
        vm.warp(clock);
        deployBounties();
        cheater = new RefusingWallet();
        vm.deal(address(cheater), 1_000 ether);
        address[5] memory eoas = [requesterList[0], requesterList[1], honestWorker, challenger, adversary];
        for (uint256 i = 0; i < eoas.length; i++) vm.deal(eoas[i], 1_000 ether);
    }

    function bountiesUnderTest() external view returns (PocomputeBounties) {
        return bounties;
    }

    function actors() public view returns (address[] memory all) {
        all = new address[](6);
        all[0] = requesterList[0];
        all[1] = requesterList[1];
        all[2] = honestWorker;
        all[3] = address(cheater);
        all[4] = challenger;
        all[5] = adversary;
    }

    modifier step() {
        vm.warp(clock);
        vm.roll(blockNo);
        _;
    }

    function _nextBlock() internal {
        blockNo += 1;
        vm.roll(blockNo);
    }

    // ------------------------------------------------------------ bookkeeping

    function _terminal(IPocomputeBounties.Phase p) internal pure returns (bool) {
        return p == IPocomputeBounties.Phase.Paid || p == IPocomputeBounties.Phase.Failed || p == IPocomputeBounties.Phase.Refunded;
    }

    function _violate(string memory what) internal {
        if (bytes(violation).length == 0) violation = what;
    }

    /// Records a move of bounty `id` from `before` (what the action saw) to its phase now.
    function _observe(uint256 id, IPocomputeBounties.Phase before, bool byChallenge) internal {
        IPocomputeBounties.Phase now_ = bounties.getBounty(id).phase;
        if (_terminal(before)) {
            if (now_ != before) _violate("a terminal phase changed");
            return;
        }
        if (!_terminal(now_)) return;
        settledCount[id] += 1;
        terminalPhase[id] = now_;
        if (byChallenge && now_ == IPocomputeBounties.Phase.Failed) upheld[id] = true;
        if (now_ == IPocomputeBounties.Phase.Paid) {
            paidCount += 1;
            if (upheld[id]) _violate("worker paid after an upheld challenge");
            if (revealed[id] && !metricMet[id]) _violate("worker paid without a metric that met the target");
            if (!honestRun[id]) _violate("a forged run was paid");
        }
        if (now_ == IPocomputeBounties.Phase.Failed) {
            failedCount += 1;
            if (honestRun[id]) _violate("an honest run failed");
        }
    }

    function _pick(uint256 seed) internal view returns (bool, uint256) {
        uint256 n = bounties.bountyCount();
        if (n == 0) return (false, 0);
        return (true, seed % n);
    }

    function _phase(uint256 id) internal view returns (IPocomputeBounties.Phase) {
        return bounties.getBounty(id).phase;
    }

    function _requester(uint256 id) internal view returns (address) {
        return bounties.getBounty(id).requester;
    }

    // ------------------------------------------------------------ actions

    function requesterPost(uint256 seed) external step {
        if (bounties.bountyCount() >= MAX_BOUNTIES) return;
        IPocomputeBounties.Terms memory t = bountyTerms();
        t.commitDeadline = uint64(clock + 30 minutes + (seed % 3) * 1 hours);
        t.revealTime = H_REVEAL;
        t.proveTime = H_PROVE;
        t.challengeWindow = H_WINDOW;
        t.responseTime = H_RESPONSE;
        t.metric = seed % 5 == 0 ? IPocomputeBounties.Metric.AccuracyAtLeast : IPocomputeBounties.Metric.LossAtMost;
        vm.prank(requesterList[seed % 2]);
        bounties.postBounty{value: BOUNTY_REWARD + (seed % 7)}(t, baseHashes());
    }

    function requesterCancel(uint256 seed) external step {
        (bool ok, uint256 id) = _pick(seed);
        if (!ok) return;
        IPocomputeBounties.Phase before = _phase(id);
        vm.prank(_requester(id));
        try bounties.cancel(id) {} catch {}
        _observe(id, before, false);
    }

    function requesterReveal(uint256 seed) external step {
        (bool ok, uint256 id) = _pick(seed);
        if (!ok) return;
        IPocomputeBounties.Bounty memory b = bounties.getBounty(id);
        vm.prank(_requester(id));
        try bounties.reveal(id, evalSet(), SALT) {
            revealed[id] = true;
        } catch {
            if (b.phase == IPocomputeBounties.Phase.Committed && clock <= b.revealDeadline) _violate("an honest reveal reverted");
        }
    }

    function adversaryBadReveal(uint256 seed) external step {
        (bool ok, uint256 id) = _pick(seed);
        if (!ok) return;
        vm.prank(adversary);
        try bounties.reveal(id, evalSet(), bytes32(seed)) {
            revealed[id] = true; // only if it guessed the salt
        } catch {}
    }

    /// Seal, next block, open. The cheater leaves its seal unopened when `forged`'s top bit is set.
    function workerCommit(uint256 seed, bool honest, uint256 steps, uint256 forged) external step {
        (bool ok, uint256 id) = _pick(seed);
        if (!ok) return;
        IPocomputeBounties.Bounty memory b = bounties.getBounty(id);
        steps = bound(steps, 1, MAX_RUN);
        uint256[] memory t = trajectoryOf(keccak256(abi.encode(id, honest, steps)), steps);
        address who = honest ? honestWorker : address(cheater);
        vm.prank(who);
        try bounties.seal{value: BOUNTY_WORKER_BOND}(id, sealOf(id, who, t, SEAL_SALT)) {} catch {
            if (honest && b.phase == IPocomputeBounties.Phase.Open && clock <= bounties.getTerms(id).commitDeadline) _violate("an honest seal reverted");
            return;
        }
        if (!honest && forged >> 255 == 1) return; // sealed, never opened
        _nextBlock();
        vm.prank(who);
        try bounties.commit(id, t, SEAL_SALT) {
            runOf[id] = t;
            honestRun[id] = honest;
            uint256 mask = forged & ((uint256(1) << steps) - 1);
            forgedMask[id] = honest ? 0 : (mask == 0 ? 1 : mask);
        } catch {
            if (honest) _violate("an honest opening reverted");
        }
    }

    /// The copier sends the honest worker's seal (as seen in the mempool) first, then tries to
    /// open it with the honest run (it learns it from nowhere, but try): it must fail.
    function copierSeal(uint256 seed, uint256 steps) external step {
        (bool ok, uint256 id) = _pick(seed);
        if (!ok) return;
        steps = bound(steps, 1, MAX_RUN);
        uint256[] memory t = trajectoryOf(keccak256(abi.encode(id, true, steps)), steps);
        vm.prank(adversary);
        try bounties.seal{value: BOUNTY_WORKER_BOND}(id, sealOf(id, honestWorker, t, SEAL_SALT)) {} catch {
            return;
        }
        _nextBlock();
        vm.prank(adversary);
        try bounties.commit(id, t, SEAL_SALT) {
            _violate("a copied seal opened");
        } catch {}
        vm.prank(honestWorker);
        try bounties.commit(id, t, SEAL_SALT) {
            _violate("a seal opened by another than its sealer");
        } catch {}
    }

    /// Anyone may send the metric proof of the committed final weights (a true statement).
    function proveMetric(uint256 seed, bool meets) external step {
        (bool ok, uint256 id) = _pick(seed);
        if (!ok || runOf[id].length == 0) return;
        _proveMetric(id, meets);
    }

    function _proveMetric(uint256 id, bool meets) internal {
        IPocomputeBounties.Terms memory terms_ = bounties.getTerms(id);
        bool loss = terms_.metric == IPocomputeBounties.Metric.LossAtMost;
        int256 metric = meets == loss ? TARGET - 1 : TARGET + 1;
        uint256[] memory ins = evalInstances(runOf[id], evalSet(), metric);
        bytes memory proof = prove(ins);
        vm.prank(adversary);
        try bounties.proveMetric(id, proof, ins) {
            metricMet[id] = meets;
        } catch {}
    }

    function challenge(uint256 seed, uint32 s, bool byAdversary) external step {
        (bool ok, uint256 id) = _pick(seed);
        if (!ok) return;
        s = uint32(bound(s, 0, MAX_RUN));
        vm.prank(byAdversary ? adversary : challenger);
        try bounties.challenge{value: BOUNTY_CHALLENGER_BOND}(id, s) {} catch {}
    }

    /// Anyone may answer a challenge of a true step.
    function answer(uint256 seed, uint32 s) external step {
        (bool ok, uint256 id) = _pick(seed);
        if (!ok) return;
        _answer(id, uint32(bound(s, 0, MAX_RUN)));
    }

    function _answer(uint256 id, uint32 s) internal returns (bool answered) {
        uint256[] memory t = runOf[id];
        if (t.length == 0 || s >= t.length / K || (forgedMask[id] >> s) & 1 == 1) return false;
        uint256[] memory ins = stepInstances(baseHashes(), t, s);
        bytes memory proof = prove(ins);
        vm.prank(adversary);
        try bounties.respond(id, s, proof, ins, t, batchPath(s)) {
            return true;
        } catch {}
    }

    function settle(uint256 seed) external step {
        (bool ok, uint256 id) = _pick(seed);
        if (!ok) return;
        IPocomputeBounties.Phase before = _phase(id);
        vm.prank(adversary);
        try bounties.settle(id) {} catch {}
        _observe(id, before, false);
    }

    function settleChallenge(uint256 seed, uint32 s) external step {
        (bool ok, uint256 id) = _pick(seed);
        if (!ok) return;
        IPocomputeBounties.Phase before = _phase(id);
        vm.prank(adversary);
        try bounties.settleChallenge(id, uint32(bound(s, 0, MAX_RUN))) {} catch {}
        _observe(id, before, true);
    }

    function closeChallenge(uint256 seed, uint32 s) external step {
        (bool ok, uint256 id) = _pick(seed);
        if (!ok) return;
        IPocomputeBounties.Phase before = _phase(id);
        vm.prank(adversary);
        try bounties.closeChallenge(id, uint32(bound(s, 0, MAX_RUN))) {} catch {}
        _observe(id, before, false);
    }

    function cheaterWallet(bool open) external step {
        cheater.setOpen(open);
    }

    function withdraw(uint256 who) external step {
        address[] memory all = actors();
        address a = all[who % all.length];
        if (bounties.credits(a) == 0) return;
        if (a == address(cheater)) cheater.setOpen(true);
        vm.prank(a);
        bounties.withdraw();
    }

    /// Time moves: first the honest worker answers its challenges and proves its metric, and the
    /// honest challenger challenges every forged step still in its window.
    function advance(uint256 secs) external step {
        _vigilance();
        clock += bound(secs, 1, 2 hours);
    }

    function _vigilance() internal {
        uint256 n = bounties.bountyCount();
        for (uint256 id = 0; id < n; id++) {
            IPocomputeBounties.Bounty memory b = bounties.getBounty(id);
            if (b.worker == address(0) || _terminal(b.phase)) continue;
            uint256 steps = b.steps;
            for (uint32 s = 0; s < steps; s++) {
                IPocomputeBounties.Challenge memory c = bounties.getChallenge(id, s);
                bool forged = (forgedMask[id] >> s) & 1 == 1;
                if (honestRun[id] && c.challenger != address(0) && !_answer(id, s)) _violate("an honest answer reverted");
                if (forged && c.challenger == address(0) && clock < b.challengeEnd) {
                    vm.prank(challenger);
                    try bounties.challenge{value: BOUNTY_CHALLENGER_BOND}(id, s) {} catch {
                        _violate("an honest challenge reverted");
                    }
                }
            }
            if (honestRun[id] && b.phase == IPocomputeBounties.Phase.Revealed) {
                _proveMetric(id, id % 2 == 0);
                if (_phase(id) == IPocomputeBounties.Phase.Revealed) _violate("an honest metric proof reverted");
            }
        }
    }
}
