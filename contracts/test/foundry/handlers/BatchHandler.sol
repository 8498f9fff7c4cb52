// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

import {PocomputeBatches} from "../../../PocomputeBatches.sol";
import {IPocomputeBatches} from "../../../interfaces/IPocomputeBatches.sol";
import {IPocomputeMarket} from "../../../interfaces/IPocomputeMarket.sol";
import {BatchFixture} from "../base/BatchFixture.sol";
import {RefusingWallet, Toy} from "../base/MarketFixture.sol";
import {Vm} from "../base/MarketTest.sol";

/// Drives PocomputeBatches for BatchInvariant.t.sol with:
/// - honest requesters: post batches of 1–6 tasks, cancel their own open tasks, refund after the
///   deadline;
/// - an honest worker: claims, states correct results, answers every challenge before its deadline;
/// - a cheating worker (a wallet that refuses payments half the time): claims, states results
///   with wrong leaves, never answers, lets claims lapse;
/// - an honest challenger: challenges every wrong leaf before its window closes, settles;
/// - an adversary: challenges any leaf and stage, settles, finalizes, refunds, replays answers.
/// Time moves only through `advance`, which first lets the honest parties act.
/// Ghosts: per task, how often it was paid or closed; per leaf, whether its bond was slashed;
/// the first honest transaction that reverted; the first finalize whose payout was not the
/// rewards of the tasks not closed plus the bonds of the leaves not slashed.
contract BatchHandler is BatchFixture {
    uint256 public constant START_BALANCE = 1_000 ether;
    uint256 internal constant MAX_BATCHES = 12;
    uint256 internal constant REWARD = 0.01 ether;
    uint128 internal constant WORKER_BOND = 0.02 ether;
    uint128 internal constant CHALLENGER_BOND = 0.05 ether;
    uint32 internal constant WINDOW = 600;
    uint32 internal constant RESPONSE = 300;

    bytes32 internal constant TASK_CLOSED = keccak256("BatchTaskClosed(uint256,uint256,uint8,uint256)");
    bytes32 internal constant FINALIZED = keccak256("BatchFinalized(uint256,address,uint256,uint256)");
    bytes32 internal constant UPHELD = keccak256("LeafChallengeUpheld(uint256,uint256,uint32,address,uint256)");

    address[2] internal requesterList = [address(0x2001), address(0x2002)];
    address public honestWorker = address(0x1001);
    RefusingWallet public cheater;
    address public challenger = address(0x3001);
    address public adversary = address(0x4001);

    uint256 public clock = 1_000_000;
    uint256 public height = 100;

    /// Payouts (worker paid, or closed) per task.
    mapping(uint256 => mapping(uint256 => uint256)) public paidOrClosed;
    mapping(uint256 => mapping(uint256 => bool)) public slashed;
    mapping(uint256 => uint256[]) internal inputsOf;
    mapping(uint256 => uint256[]) internal outputsOf;
    mapping(uint256 => uint256[]) internal boundariesOf;
    string public honestFailure;
    string public bondViolation;
    /// How often a batch with a lost leaf was finalized (to see that a campaign reaches it).
    uint256 public finalizedWithLostLeaves;

    constructor() {
        vm.warp(clock);
        vm.roll(height);
        deployBatches();
        cheater = new RefusingWallet();
        address[] memory all = actors();
        for (uint256 i = 0; i < all.length; i++) vm.deal(all[i], START_BALANCE);
    }

    function batchesUnderTest() external view returns (PocomputeBatches) {
        return batches;
    }

    function actors() public view returns (address[] memory all) {
        all = new address[](6);
        (all[0], all[1], all[2], all[3], all[4], all[5]) = (requesterList[0], requesterList[1], honestWorker, address(cheater), challenger, adversary);
    }

    function requesters() external view returns (address[2] memory) {
        return requesterList;
    }

    function submittedOutputs(uint256 batchId) external view returns (uint256[] memory) {
        return outputsOf[batchId];
    }

    function taskInputs(uint256 batchId) external view returns (uint256[] memory) {
        return inputsOf[batchId];
    }

    // ------------------------------------------------------------ plumbing

    modifier step() {
        vm.warp(clock);
        vm.roll(height);
        vm.recordLogs();
        _;
        _count();
    }

    function _count() internal {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i = 0; i < logs.length; i++) {
            if (logs[i].emitter != address(batches)) continue;
            bytes32 topic = logs[i].topics[0];
            uint256 id = uint256(logs[i].topics[1]);
            if (topic == TASK_CLOSED) {
                paidOrClosed[id][uint256(logs[i].topics[2])] += 1;
            } else if (topic == UPHELD) {
                slashed[id][uint256(logs[i].topics[2])] = true;
            } else if (topic == FINALIZED) {
                (, uint256 payout) = abi.decode(logs[i].data, (uint256, uint256));
                _checkFinalize(id, payout);
            }
        }
    }

    function _checkFinalize(uint256 id, uint256 payout) internal {
        IPocomputeBatches.Batch memory b = batches.getBatch(id);
        uint256 want = b.claimBond;
        for (uint256 i = 0; i < b.n; i++) {
            if (!batches.isClosed(id, i)) {
                paidOrClosed[id][i] += 1;
                want += b.rewardPerTask;
            }
            if (!slashed[id][i]) want += b.terms.workerBond;
        }
        if (b.lost > 0) finalizedWithLostLeaves += 1;
        if (payout != want && bytes(bondViolation).length == 0) bondViolation = string.concat("finalize of batch ", _dec(id), " paid ", _dec(payout), ", owed ", _dec(want));
    }

    function _honest(bool ok, string memory what) internal {
        if (!ok && bytes(honestFailure).length == 0) honestFailure = what;
    }

    function _pick(uint256 seed, IPocomputeMarket.Status status) internal view returns (bool, uint256) {
        uint256 n = batches.batchCount();
        for (uint256 i = 0; i < n; i++) {
            uint256 id = (seed % n + i) % n;
            if (batches.getBatch(id).status == status) return (true, id);
        }
        return (false, 0);
    }

    function _correct(uint256 id, uint256 i) internal view returns (uint256 output, uint256 boundary) {
        boundary = Toy.stage0(inputsOf[id][2 * i], inputsOf[id][2 * i + 1]);
        output = Toy.stage1(boundary);
    }

    // ------------------------------------------------------------ requesters

    function requesterPost(uint256 seed, uint256 n) external step {
        if (batches.batchCount() >= MAX_BATCHES) return;
        n = bound(n, 1, 6);
        address r = requesterList[seed % 2];
        uint256[] memory flat = batchInputs(seed % 5, n);
        vm.prank(r);
        try batches.postBatch{value: REWARD * n}(PIPELINE, flat, uint64(clock + 1 + (seed % 3) * 1_000), address(0), terms(WINDOW, RESPONSE, WORKER_BOND, CHALLENGER_BOND)) returns (uint256 id) {
            inputsOf[id] = flat;
        } catch {
            _honest(false, "post");
        }
    }

    function requesterCancel(uint256 seed, uint256 index) external step {
        (bool ok, uint256 id) = _pick(seed, IPocomputeMarket.Status.Open);
        if (!ok) return;
        IPocomputeBatches.Batch memory b = batches.getBatch(id);
        index = index % b.n;
        if (batches.isClosed(id, index) || (b.claimant != address(0) && clock < b.claimExpiry)) return;
        uint256[] memory one = new uint256[](1);
        one[0] = index;
        vm.prank(b.requester);
        try batches.cancel(id, one) {} catch {
            _honest(false, "cancel");
        }
    }

    function refund(uint256 seed, uint256 index) external step {
        (bool ok, uint256 id) = _pick(seed, IPocomputeMarket.Status.Open);
        if (!ok) return;
        uint256[] memory one = new uint256[](1);
        one[0] = index % 8;
        vm.prank(adversary);
        try batches.refund(id, one) {} catch {}
    }

    // ------------------------------------------------------------ workers

    function workerClaim(uint256 seed, bool honest) external step {
        (bool ok, uint256 id) = _pick(seed, IPocomputeMarket.Status.Open);
        if (!ok) return;
        IPocomputeBatches.Batch memory b = batches.getBatch(id);
        uint256 bond = market.claimBondFor(uint256(b.rewardPerTask) * (b.n - b.closed));
        vm.prank(honest ? honestWorker : address(cheater));
        try batches.claim{value: bond}(id) {} catch {}
    }

    function workerSubmit(uint256 seed, bool honest, uint256 wrong) external step {
        (bool ok, uint256 id) = _pick(seed, IPocomputeMarket.Status.Open);
        if (!ok) return;
        IPocomputeBatches.Batch memory b = batches.getBatch(id);
        address who = honest ? honestWorker : address(cheater);
        if (b.claimant != who || clock >= b.claimExpiry || clock >= b.deadline) return;
        (uint256[] memory outputs, uint256[] memory boundaries) = batchResults(inputsOf[id], honest ? 0 : wrong);
        vm.prank(who);
        try batches.submitResults{value: uint256(WORKER_BOND) * b.n}(id, outputs, boundaries) {
            outputsOf[id] = outputs;
            boundariesOf[id] = boundaries;
        } catch {
            _honest(!honest, "honest submit");
        }
    }

    function cheaterWallet(bool open) external step {
        cheater.setOpen(open);
    }

    // ------------------------------------------------------------ disputes

    function adversaryChallenge(uint256 seed, uint256 index, uint32 stage) external step {
        (bool ok, uint256 id) = _pick(seed, IPocomputeMarket.Status.Submitted);
        if (!ok) return;
        vm.prank(adversary);
        try batches.challenge{value: CHALLENGER_BOND}(id, index % 7, stage % 3) {} catch {}
    }

    /// Settles an expired open challenge (anyone may), searching from `seed`.
    function settle(uint256 seed) external step {
        uint256 count = batches.batchCount();
        for (uint256 k = 0; k < count; k++) {
            uint256 id = (seed % count + k) % count;
            IPocomputeBatches.Batch memory b = batches.getBatch(id);
            if (b.openChallenges == 0) continue;
            for (uint256 i = 0; i < b.n; i++) {
                for (uint32 s = 0; s < 2; s++) {
                    IPocomputeBatches.LeafChallenge memory c = batches.getChallenge(id, i, s);
                    if (c.challenger == address(0) || clock < c.responseDeadline) continue;
                    vm.prank(adversary);
                    batches.settleChallenge(id, i, s);
                    return;
                }
            }
        }
    }

    function finalize(uint256 seed) external step {
        (bool ok, uint256 id) = _pick(seed, IPocomputeMarket.Status.Submitted);
        if (!ok) return;
        vm.prank(adversary);
        try batches.finalize(id) {} catch {}
    }

    function adversaryReplayAnswer(uint256 seed, uint256 index, uint32 stage) external step {
        (bool ok, uint256 id) = _pick(seed, IPocomputeMarket.Status.Submitted);
        if (!ok) return;
        index = index % batches.getBatch(id).n;
        stage = stage % 2;
        (bytes memory proof, uint256[] memory instances) = _trueStageProof(id, index, stage);
        IPocomputeBatches.LeafProof memory leaf = leafProof(id, inputsOf[id], outputsOf[id], boundariesOf[id], index);
        vm.prank(adversary);
        try batches.respond(id, index, stage, leaf, proof, instances) {
            _honest(false, "a respond by the adversary was accepted");
        } catch {}
    }

    function withdraw(uint256 who) external step {
        address[] memory all = actors();
        vm.prank(all[who % all.length]);
        try batches.withdraw() {} catch {}
    }

    /// Time passes; first the honest parties do what they must before it does.
    function advance(uint256 secs) external step {
        secs = bound(secs, 1, 400);
        _vigilance();
        clock += secs;
        height += 1;
    }

    function _vigilance() internal {
        uint256 count = batches.batchCount();
        for (uint256 id = 0; id < count; id++) {
            IPocomputeBatches.Batch memory b = batches.getBatch(id);
            if (b.status != IPocomputeMarket.Status.Submitted) continue;
            for (uint256 i = 0; i < b.n; i++) {
                if (batches.isClosed(id, i)) continue;
                (uint256 output, ) = _correct(id, i);
                bool wrong = outputsOf[id][i] != output;
                if (wrong && clock < b.windowEnd) {
                    IPocomputeBatches.LeafChallenge memory c = batches.getChallenge(id, i, 1);
                    if (c.challenger == address(0) && !c.answered) {
                        vm.prank(challenger);
                        try batches.challenge{value: CHALLENGER_BOND}(id, i, 1) {} catch {
                            _honest(false, "honest challenge");
                        }
                    }
                }
                if (b.submitter == honestWorker) {
                    for (uint32 s = 0; s < 2; s++) _answer(id, i, s);
                }
            }
        }
    }

    function _answer(uint256 id, uint256 i, uint32 s) internal {
        IPocomputeBatches.LeafChallenge memory c = batches.getChallenge(id, i, s);
        if (c.challenger == address(0) || clock >= c.responseDeadline) return;
        (bytes memory proof, uint256[] memory instances) = _trueStageProof(id, i, s);
        IPocomputeBatches.LeafProof memory leaf = leafProof(id, inputsOf[id], outputsOf[id], boundariesOf[id], i);
        vm.prank(honestWorker);
        try batches.respond(id, i, s, leaf, proof, instances) {} catch {
            _honest(false, "honest respond");
        }
    }

    function _trueStageProof(uint256 id, uint256 i, uint32 s) internal returns (bytes memory proof, uint256[] memory instances) {
        uint256[] memory ins = new uint256[](2);
        (ins[0], ins[1]) = (inputsOf[id][2 * i], inputsOf[id][2 * i + 1]);
        uint256 boundary = Toy.stage0(ins[0], ins[1]);
        instances = s == 0 ? Toy.stage0Instances(ins, boundary) : Toy.stage1Instances(boundary, Toy.stage1(boundary));
        proof = prove(instances);
    }
}
