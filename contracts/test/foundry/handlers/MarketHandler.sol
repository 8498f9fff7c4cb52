// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

import {PocomputeMarket} from "../../../PocomputeMarket.sol";
import {TaskKind} from "../../../interfaces/IInferenceConsumer.sol";
import {IPocomputeMarket} from "../../../interfaces/IPocomputeMarket.sol";
import {MarketFixture, RefusingWallet, Toy} from "../base/MarketFixture.sol";
import {Vm} from "../base/MarketTest.sol";

/// Drives PocomputeMarket for the invariant tests (MarketInvariant.t.sol) with:
/// - honest workers: claim with the proof in hand (committing in the claim or in a later
///   `commitProof`), broadcast the reveal in a later block, get it mined; state correct optimistic
///   results and answer every challenge of them before its response deadline;
/// - honest requesters: post, cancel their own open tasks, refund after the deadline;
/// - an honest challenger: challenges the first wrong stage of every wrong standing result before
///   its window closes, never a right one, and settles its challenges;
/// - an adversary (an EOA and a wallet contract that refuses payments): sees every honest
///   transaction's calldata in the mempool (proofs, instances, commitments, results) and replays it
///   on the same task or retargeted to a decoy with the same model and input, front-runs reveals,
///   claims and answers, posts decoys, claims and lets claims lapse, states wrong results,
///   challenges anything, and proves true statements itself.
/// Time moves only through `advance` (and `rollBlocks`), which first lets the honest parties do what
/// they must before a deadline passes: an honest party is vigilant, the adversary is not.
/// Ghosts: payouts per task (TaskCompleted/TaskRefunded events), the first failure of an honest
/// transaction, and a copier's pay for a proof it had not committed to before it was public.
contract MarketHandler is MarketFixture {
    uint256 public constant START_BALANCE = 1_000 ether;
    uint256 internal constant MAX_TASKS = 20;
    uint256 internal constant INPUTS = 3;
    /// IPocomputeMarket's events (solc 0.8.20 cannot name an interface's event from outside it).
    bytes32 internal constant TASK_COMPLETED = keccak256("TaskCompleted(uint256,address,uint256,uint256[])");
    bytes32 internal constant TASK_REFUNDED = keccak256("TaskRefunded(uint256,address,uint256)");

    address[2] internal workerList;
    address[2] internal requesterList;
    address public challenger;
    address public adversary;
    RefusingWallet public wallet;

    uint256 public clock;
    uint256 public height;

    /// TaskCompleted + TaskRefunded events per task.
    mapping(uint256 => uint256) public paidEvents;
    mapping(uint256 => uint256) public inputOf;
    mapping(uint256 => uint256) public postedReward;
    /// The first honest transaction that reverted (empty while none did).
    string public honestFailure;
    /// The first payment of the adversary for a proof it had not committed to while it was unseen.
    string public copierViolation;

    /// A Proved task an honest worker holds: its proof, and how far it got.
    struct Work {
        address worker;
        bytes proof;
        uint256[] instances;
        bool committed;
        bool broadcast;
        bool active;
    }
    mapping(uint256 => Work) internal work;

    /// What the adversary has: every honest proof (with its instances) it saw in the mempool, and
    /// the proofs it made itself (true statements only: it cannot prove a false one).
    struct Seen {
        bytes proof;
        uint256[] instances;
        bool own;
    }
    Seen[] internal seen;
    bytes32[] internal seenCommitments;
    uint256[2][] internal seenResults; // [output, boundary] of honest results

    /// The adversary's latest commitment on a task: by whom, in which block, to which proof (zero:
    /// a copied or junk commitment, to no proof it holds).
    struct AdversaryCommit {
        address who;
        uint64 atBlock;
        bytes32 proofHash;
        uint256 seenIndex; // with proofHash != 0: the proof is seen[seenIndex] (+ `padded`)
        bool padded;
    }
    mapping(uint256 => AdversaryCommit) internal adversaryCommit;
    /// The block a proof (by its key) was first mined in a successful submit or respond.
    mapping(bytes32 => uint256) public minedAt;

    /// How often each outcome happened (to see what a campaign reached).
    mapping(string => uint256) public count;

    constructor() {
        clock = 1_000_000;
        height = 100;
        vm.warp(clock);
        vm.roll(height);
        deployMarket();
        workerList = [address(0x1001), address(0x1002)];
        requesterList = [address(0x2001), address(0x2002)];
        challenger = address(0x3001);
        adversary = address(0x4001);
        wallet = new RefusingWallet();
        address[] memory all = actors();
        for (uint256 i = 0; i < all.length; i++) vm.deal(all[i], START_BALANCE);
    }

    // ------------------------------------------------------------ views for the invariants

    function marketUnderTest() external view returns (PocomputeMarket) {
        return market;
    }

    function workers() external view returns (address[2] memory) {
        return workerList;
    }

    function requesters() external view returns (address[2] memory) {
        return requesterList;
    }

    function actors() public view returns (address[] memory all) {
        all = new address[](7);
        all[0] = workerList[0];
        all[1] = workerList[1];
        all[2] = requesterList[0];
        all[3] = requesterList[1];
        all[4] = challenger;
        all[5] = adversary;
        all[6] = address(wallet);
    }

    // ------------------------------------------------------------ plumbing

    modifier step() {
        vm.warp(clock);
        vm.roll(height);
        vm.recordLogs();
        _;
        _countPayouts();
    }

    function _countPayouts() internal {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i = 0; i < logs.length; i++) {
            if (logs[i].emitter != address(market) || logs[i].topics.length < 2) continue;
            bytes32 topic = logs[i].topics[0];
            if (topic == TASK_COMPLETED || topic == TASK_REFUNDED) {
                paidEvents[uint256(logs[i].topics[1])] += 1;
            }
        }
    }

    function _roll(uint256 blocks) internal {
        height += blocks;
        vm.roll(height);
    }

    function _pick(uint256 seed) internal view returns (bool ok, uint256 taskId) {
        uint256 n = market.taskCount();
        if (n == 0) return (false, 0);
        return (true, seed % n);
    }

    /// A task in `status` (and of the optimistic kind if asked), searching from `seed`; else any.
    function _pickWith(uint256 seed, IPocomputeMarket.Status status, bool optimisticOnly) internal view returns (bool, uint256) {
        uint256 n = market.taskCount();
        for (uint256 i = 0; i < n; i++) {
            uint256 t = (seed % n + i) % n;
            IPocomputeMarket.Task memory task = market.getTask(t);
            if (task.status == status && (!optimisticOnly || task.kind == TaskKind.Optimistic)) return (true, t);
        }
        return _pick(seed);
    }

    function _adversaryId(uint256 seed) internal view returns (address) {
        return seed % 2 == 0 ? adversary : address(wallet);
    }

    /// The adversary identity that holds the task's claim, if one does; else one by `seed`.
    function _adversaryFor(uint256 taskId, uint256 seed) internal view returns (address) {
        address claimant = market.getTask(taskId).claimant;
        return claimant == adversary || claimant == address(wallet) ? claimant : _adversaryId(seed);
    }

    function _isHonestWorker(address who) internal view returns (bool) {
        return who == workerList[0] || who == workerList[1];
    }

    function _honestFail(string memory what, uint256 taskId, bytes memory reason) internal {
        count["honest failure"] += 1;
        if (bytes(honestFailure).length != 0) return;
        bytes4 selector = reason.length >= 4 ? bytes4(reason) : bytes4(0);
        honestFailure = string.concat("honest ", what, " reverted on task ", _dec(taskId), " with selector ", _hex(uint32(selector), 4));
    }

    function _copierViolation(string memory what, uint256 taskId) internal {
        if (bytes(copierViolation).length == 0) copierViolation = string.concat(what, " on task ", _dec(taskId));
    }

    function _see(bytes memory proof, uint256[] memory instances, bool own) internal {
        seen.push();
        Seen storage s = seen[seen.length - 1];
        s.proof = proof;
        s.instances = instances;
        s.own = own;
    }

    function _mined(bytes memory proof) internal {
        bytes32 key = proofKey(proof);
        if (minedAt[key] == 0) minedAt[key] = block.number;
    }

    function _live(IPocomputeMarket.Task memory task) internal view returns (bool) {
        return task.claimant != address(0) && block.timestamp < task.claimExpiry;
    }

    /// The first stage of a standing result that is wrong (`wrong` false: the result is right).
    function _wrongStage(uint256 taskId) internal view returns (bool wrong, uint32 stage) {
        (, uint256[] memory outputs, uint256[] memory boundaries) = market.getResult(taskId);
        uint256[] memory ins = Toy.inputs(inputOf[taskId]);
        if (boundaries[0] != Toy.correctBoundary(ins)) return (true, 0);
        if (outputs[0] != Toy.stage1(boundaries[0])) return (true, 1);
        return (false, 0);
    }

    function _post(address from, bool optimistic, uint256 inputSeed, uint256 rewardSeed, uint256 deadlineSeed, uint256 termSeed) internal {
        if (market.taskCount() >= MAX_TASKS) return;
        uint256 which = inputSeed % INPUTS;
        uint256 reward = bound(rewardSeed, 0.001 ether, 5 ether);
        uint64 deadline = uint64(block.timestamp + bound(deadlineSeed, 30 minutes, 4 hours));
        uint256[] memory ins = Toy.inputs(which);
        uint256 taskId;
        vm.prank(from);
        if (optimistic) {
            IPocomputeMarket.OptimisticTerms memory t = terms(
                uint32(bound(termSeed, 60, 1200)),
                uint32(bound(termSeed >> 16, 60, 600)),
                uint128(bound(termSeed >> 32, 0.01 ether, 1 ether)),
                uint128(bound(termSeed >> 96, MIN_CHALLENGER_BOND, 0.2 ether))
            );
            taskId = market.postOptimisticTask{value: reward}(PIPELINE, ins, deadline, address(0), t);
        } else {
            // A zk task on the single-layout model or on the same model behind the reusable one.
            uint256 model = (inputSeed >> 128) % 2 == 0 ? ZK_MODEL : REUSABLE_MODEL;
            taskId = market.postTask{value: reward}(model, ins, deadline, address(0));
        }
        inputOf[taskId] = which;
        postedReward[taskId] = reward;
        count["post"] += 1;
    }

    // ------------------------------------------------------------ honest requesters

    function requesterPost(uint256 who, bool optimistic, uint256 inputSeed, uint256 rewardSeed, uint256 deadlineSeed, uint256 termSeed) external step {
        _post(requesterList[who % 2], optimistic, inputSeed, rewardSeed, deadlineSeed, termSeed);
    }

    /// The task's requester cancels it (if nobody holds a live claim); the adversary tries too.
    function cancel(uint256 taskSeed, bool byAdversary) external step {
        (bool ok, uint256 taskId) = _pick(taskSeed);
        if (!ok) return;
        IPocomputeMarket.Task memory task = market.getTask(taskId);
        address from = byAdversary ? adversary : task.requester;
        if (from == task.requester && (task.status != IPocomputeMarket.Status.Open || _live(task))) return;
        vm.prank(from);
        try market.cancel(taskId) {
            count["cancel"] += 1;
        } catch {}
    }

    /// Anyone refunds a task past its deadline; `jump` first moves time to the deadline.
    function refund(uint256 taskSeed, bool jump) external step {
        (bool ok, uint256 taskId) = _pick(taskSeed);
        if (!ok) return;
        IPocomputeMarket.Task memory task = market.getTask(taskId);
        if (jump && task.deadline > block.timestamp) _advanceTo(task.deadline);
        try market.refund(taskId) {
            count["refund"] += 1;
        } catch {}
    }

    // ------------------------------------------------------------ honest workers

    /// An honest worker takes a task with the proof (or the correct result) in hand. `copied`: the
    /// adversary's copy of the claim (same commitment) is mined first; the honest claim then fails
    /// and costs nothing.
    function workerClaim(uint256 who, uint256 taskSeed, bool commitNow, bool copied) external step {
        (bool ok, uint256 taskId) = _pickWith(taskSeed, IPocomputeMarket.Status.Open, false);
        if (!ok) return;
        address w = workerList[who % 2];
        IPocomputeMarket.Task memory task = market.getTask(taskId);
        if (task.status != IPocomputeMarket.Status.Open || block.timestamp >= task.deadline || _live(task)) return;
        if (task.claimant == w || market.lapsedClaimant(taskId, w)) return;
        uint256[] memory ins = Toy.inputs(inputOf[taskId]);
        if (task.kind == TaskKind.Proved) {
            (bytes memory proof, uint256[] memory instances) = proveZk(ins);
            bytes32 commitment = commitNow ? commitmentOf(taskId, w, proof) : bytes32(0);
            if (commitment != bytes32(0)) seenCommitments.push(commitment);
            if (copied && _copyClaim(taskId, task.claimBond, commitment)) return;
            vm.prank(w);
            try market.claim{value: task.claimBond}(taskId, commitment) {
                Work storage item = work[taskId];
                item.worker = w;
                item.proof = proof;
                item.instances = instances;
                item.committed = commitNow;
                item.broadcast = false;
                item.active = true;
                count["honest claim"] += 1;
            } catch (bytes memory reason) {
                _honestFail("claim", taskId, reason);
            }
        } else {
            if (copied && _copyClaim(taskId, task.claimBond, bytes32(0))) return;
            (IPocomputeMarket.OptimisticState memory state, , ) = market.getResult(taskId);
            uint256 output = Toy.correctOutput(ins);
            uint256 boundary = Toy.correctBoundary(ins);
            seenResults.push([output, boundary]);
            vm.prank(w);
            try market.claim{value: task.claimBond}(taskId, bytes32(0)) {} catch (bytes memory reason) {
                _honestFail("optimistic claim", taskId, reason);
                return;
            }
            vm.prank(w);
            try market.submitResult{value: state.terms.workerBond}(taskId, Toy.one(output), Toy.one(boundary)) {
                count["honest result"] += 1;
            } catch (bytes memory reason) {
                _honestFail("submitResult", taskId, reason);
            }
        }
    }

    /// The adversary's copy of a claim, mined first. True if it took the task.
    function _copyClaim(uint256 taskId, uint256 bond, bytes32 commitment) internal returns (bool) {
        vm.prank(adversary);
        try market.claim{value: bond}(taskId, commitment) {
            adversaryCommit[taskId] = AdversaryCommit(adversary, uint64(block.number), bytes32(0), 0, false);
            count["copied claim"] += 1;
            return true;
        } catch {
            return false;
        }
    }

    function _findWork(uint256 seed, bool needCommitted) internal view returns (bool found, uint256 taskId) {
        uint256 n = market.taskCount();
        for (uint256 i = 0; i < n; i++) {
            uint256 t = (seed % n + i) % n;
            if (work[t].active && (!needCommitted || work[t].committed)) return (true, t);
        }
        return (false, 0);
    }

    function workerCommit(uint256 taskSeed) external step {
        (bool found, uint256 taskId) = _findWork(taskSeed, false);
        if (!found || work[taskId].committed) return;
        _commitWork(taskId);
    }

    function _commitWork(uint256 taskId) internal {
        Work storage item = work[taskId];
        bytes32 commitment = commitmentOf(taskId, item.worker, item.proof);
        seenCommitments.push(commitment);
        vm.prank(item.worker);
        try market.commitProof(taskId, commitment) {
            item.committed = true;
        } catch (bytes memory reason) {
            _honestFail("commitProof", taskId, reason);
            item.active = false;
        }
    }

    /// The reveal enters the mempool (in a block after the commitment's): the adversary has it.
    function workerBroadcast(uint256 taskSeed) external step {
        (bool found, uint256 taskId) = _findWork(taskSeed, true);
        if (found) _broadcast(taskId);
    }

    function _broadcast(uint256 taskId) internal {
        Work storage item = work[taskId];
        if (block.number <= market.getTask(taskId).commitBlock) _roll(1);
        if (item.broadcast) return;
        item.broadcast = true;
        _see(item.proof, item.instances, false);
    }

    function workerReveal(uint256 taskSeed) external step {
        (bool found, uint256 taskId) = _findWork(taskSeed, true);
        if (found) _reveal(taskId);
    }

    function _reveal(uint256 taskId) internal {
        _broadcast(taskId);
        Work storage item = work[taskId];
        item.active = false;
        vm.prank(item.worker);
        try market.submit(taskId, item.proof, item.instances) {
            _mined(item.proof);
            count["honest reveal paid"] += 1;
        } catch (bytes memory reason) {
            _honestFail("reveal", taskId, reason);
        }
    }

    /// An honest worker answers a challenge of its result; `copied`: the adversary's copy of the
    /// answer is sent first.
    function workerRespond(uint256 taskSeed, bool copied) external step {
        (bool ok, uint256 taskId) = _challenged(taskSeed, true);
        if (!ok) return;
        IPocomputeMarket.Task memory task = market.getTask(taskId);
        if (task.status != IPocomputeMarket.Status.Submitted) return;
        (IPocomputeMarket.OptimisticState memory state, , ) = market.getResult(taskId);
        if (!_isHonestWorker(state.submitter) || state.challenger == address(0) || block.timestamp >= state.responseDeadline) return;
        _respond(taskId, copied);
    }

    function _respond(uint256 taskId, bool copied) internal {
        (IPocomputeMarket.OptimisticState memory state, uint256[] memory outputs, uint256[] memory boundaries) = market.getResult(taskId);
        uint256[] memory instances = state.challengedStage == 0
            ? Toy.stage0Instances(Toy.inputs(inputOf[taskId]), boundaries[0])
            : Toy.stage1Instances(boundaries[0], outputs[0]);
        bytes memory proof = prove(instances);
        _see(proof, instances, false);
        if (copied) {
            vm.prank(adversary);
            try market.respond(taskId, proof, instances) {
                count["copied respond mined"] += 1;
                _mined(proof);
                return;
            } catch {}
        }
        vm.prank(state.submitter);
        try market.respond(taskId, proof, instances) {
            _mined(proof);
            count["honest answer"] += 1;
        } catch (bytes memory reason) {
            _honestFail("respond", taskId, reason);
        }
    }

    // ------------------------------------------------------------ the honest challenger

    /// Challenges the first wrong stage of a wrong standing result; settles its own challenges
    /// whose response time is over.
    function challengerAct(uint256 taskSeed) external step {
        (bool ok, uint256 taskId) = _pickWith(taskSeed, IPocomputeMarket.Status.Submitted, true);
        if (!ok) return;
        if (market.getTask(taskId).status != IPocomputeMarket.Status.Submitted) return;
        (IPocomputeMarket.OptimisticState memory state, , ) = market.getResult(taskId);
        if (state.challenger == challenger && block.timestamp >= state.responseDeadline) {
            vm.prank(challenger);
            try market.settleChallenge(taskId) {
                count["honest challenge upheld"] += 1;
            } catch (bytes memory reason) {
                _honestFail("settleChallenge", taskId, reason);
            }
            return;
        }
        if (state.challenger == address(0) && block.timestamp < state.windowEnd) _challengeIfWrong(taskId, state.terms.challengerBond);
    }

    function _challengeIfWrong(uint256 taskId, uint256 bond) internal {
        (bool wrong, uint32 stage) = _wrongStage(taskId);
        if (!wrong) return;
        vm.prank(challenger);
        try market.challenge{value: bond}(taskId, stage) {
            count["honest challenge"] += 1;
        } catch (bytes memory reason) {
            _honestFail("challenge", taskId, reason);
        }
    }

    // ------------------------------------------------------------ anyone

    function finalize(uint256 taskSeed, bool byAdversary) external step {
        (bool ok, uint256 taskId) = _pickWith(taskSeed, IPocomputeMarket.Status.Submitted, true);
        if (!ok) return;
        vm.prank(byAdversary ? adversary : requesterList[0]);
        try market.finalize(taskId) {
            count["finalize"] += 1;
        } catch {}
    }

    function settleChallenge(uint256 taskSeed) external step {
        (bool ok, uint256 taskId) = _pickWith(taskSeed, IPocomputeMarket.Status.Submitted, true);
        if (!ok) return;
        vm.prank(adversary);
        try market.settleChallenge(taskId) {
            count["settle"] += 1;
        } catch {}
    }

    function withdraw(uint256 actorSeed, bool open) external step {
        address[] memory all = actors();
        address who = all[actorSeed % all.length];
        if (who == address(wallet)) wallet.setOpen(open);
        vm.prank(who);
        try market.withdraw() {
            count["withdraw"] += 1;
        } catch {}
    }

    // ------------------------------------------------------------ time

    function advance(uint256 secondsSeed) external step {
        _advanceTo(block.timestamp + bound(secondsSeed, 1, 20 minutes));
    }

    function rollBlocks(uint256 blocksSeed) external step {
        _roll(bound(blocksSeed, 1, 3));
    }

    /// Moves time to `until` after the honest parties did what is due by then: reveal held claims
    /// that would expire, answer challenges of their results, challenge wrong results whose window
    /// would close.
    function _advanceTo(uint256 until) internal {
        uint256 n = market.taskCount();
        for (uint256 t = 0; t < n; t++) {
            IPocomputeMarket.Task memory task = market.getTask(t);
            if (work[t].active && task.claimExpiry <= until) {
                if (!work[t].committed) _commitWork(t);
                if (work[t].active) {
                    _roll(1);
                    _reveal(t);
                }
            }
            if (task.kind != TaskKind.Optimistic || market.getTask(t).status != IPocomputeMarket.Status.Submitted) continue;
            (IPocomputeMarket.OptimisticState memory state, , ) = market.getResult(t);
            if (_isHonestWorker(state.submitter) && state.challenger != address(0) && state.responseDeadline <= until && block.timestamp < state.responseDeadline) {
                _respond(t, false);
                (state, , ) = market.getResult(t);
            }
            if (state.challenger == address(0) && state.windowEnd <= until && block.timestamp < state.windowEnd) _challengeIfWrong(t, state.terms.challengerBond);
        }
        height += 1 + (until - block.timestamp) / 12;
        clock = until;
        vm.warp(clock);
        vm.roll(height);
    }

    // ------------------------------------------------------------ the adversary

    function adversaryPost(uint256 idSeed, bool optimistic, uint256 inputSeed, uint256 rewardSeed, uint256 deadlineSeed, uint256 termSeed) external step {
        _post(_adversaryId(idSeed), optimistic, inputSeed, rewardSeed, deadlineSeed, termSeed);
    }

    /// The adversary proves a true statement itself (model 0 / stage 0, or stage 1).
    function adversaryProve(uint256 inputSeed, bool stage1) external step {
        uint256[] memory ins = Toy.inputs(inputSeed % INPUTS);
        uint256[] memory instances = stage1
            ? Toy.stage1Instances(Toy.correctBoundary(ins), Toy.correctOutput(ins))
            : Toy.stage0Instances(ins, Toy.correctBoundary(ins));
        _see(prove(instances), instances, true);
    }

    /// A task on which an adversary identity holds a live claim with a commitment (to a proof it
    /// has, or copied, or junk).
    function _committedByAdversary(uint256 seed) internal view returns (bool, uint256) {
        uint256 n = market.taskCount();
        for (uint256 i = 0; i < n; i++) {
            uint256 t = (seed % n + i) % n;
            AdversaryCommit memory c = adversaryCommit[t];
            IPocomputeMarket.Task memory task = market.getTask(t);
            if (c.who != address(0) && task.status == IPocomputeMarket.Status.Open && task.claimant == c.who && task.commitBlock == c.atBlock && _live(task)) return (true, t);
        }
        return (false, 0);
    }

    /// A standing result with an open challenge (`honestSubmitter`: of an honest worker's result).
    function _challenged(uint256 seed, bool honestSubmitter) internal view returns (bool, uint256) {
        uint256 n = market.taskCount();
        for (uint256 i = 0; i < n; i++) {
            uint256 t = (seed % n + i) % n;
            if (market.getTask(t).status != IPocomputeMarket.Status.Submitted) continue;
            (IPocomputeMarket.OptimisticState memory state, , ) = market.getResult(t);
            if (state.challenger != address(0) && _isHonestWorker(state.submitter) == honestSubmitter) return (true, t);
        }
        return (false, 0);
    }

    /// A seen proof: with `matching`, one of those whose instances are a model-0 statement on the
    /// task's input (the ones that could pay on it), else any.
    function _pickSeen(uint256 taskId, uint256 index, bool matching) internal view returns (bool found, uint256 i) {
        uint256 n = seen.length;
        if (n == 0) return (false, 0);
        if (!matching) return (true, index % n);
        bytes32 want = keccak256(abi.encode(Toy.inputs(inputOf[taskId])));
        uint256 hits;
        for (uint256 k = 0; k < n; k++) if (_onInputs(seen[k].instances, want)) hits++;
        if (hits == 0) return (true, index % n);
        uint256 target = index % hits;
        for (uint256 k = 0; k < n; k++) {
            if (!_onInputs(seen[k].instances, want)) continue;
            if (target == 0) return (true, k);
            target--;
        }
    }

    function _onInputs(uint256[] storage instances, bytes32 inputsHash) internal view returns (bool) {
        if (instances.length != 3) return false;
        uint256[] memory head = new uint256[](2);
        head[0] = instances[0];
        head[1] = instances[1];
        return keccak256(abi.encode(head)) == inputsHash;
    }

    /// A commitment the adversary can make: 0 none, 1 a copied honest commitment, 2 its own
    /// commitment to a proof it has that fits the task (`pad`: with bytes appended), 3 its own
    /// commitment to any proof it has, 4 junk, 5 a proof it makes itself now (an honest claim).
    function _adversaryCommitment(uint256 taskId, address who, uint256 mode, uint256 index, bool pad) internal returns (bytes32 commitment, AdversaryCommit memory record) {
        mode = mode % 6;
        record = AdversaryCommit(who, uint64(block.number), bytes32(0), 0, false);
        if (mode == 5) {
            (bytes memory own, uint256[] memory instances) = proveZk(Toy.inputs(inputOf[taskId]));
            _see(own, instances, true);
            record.proofHash = keccak256(own);
            record.seenIndex = seen.length - 1;
            return (commitmentOf(taskId, who, own), record);
        }
        if (mode == 1 && seenCommitments.length > 0) return (seenCommitments[index % seenCommitments.length], record);
        if ((mode == 2 || mode == 3) && seen.length > 0) {
            (, uint256 i) = _pickSeen(taskId, index, mode == 2);
            bytes memory proof = _seenProof(i, pad);
            record.proofHash = keccak256(proof);
            record.seenIndex = i;
            record.padded = pad;
            return (commitmentOf(taskId, who, proof), record);
        }
        if (mode == 4) return (keccak256(abi.encode("junk", index)), record);
        return (bytes32(0), record);
    }

    function _seenProof(uint256 i, bool pad) internal view returns (bytes memory proof) {
        proof = seen[i].proof;
        if (pad) proof = abi.encodePacked(proof, bytes32("appended"));
    }

    function adversaryClaim(uint256 taskSeed, uint256 idSeed, uint256 mode, uint256 index, bool pad) external step {
        (bool ok, uint256 taskId) = _pick(taskSeed);
        if (!ok) return;
        address who = _adversaryId(idSeed);
        (bytes32 commitment, AdversaryCommit memory record) = _adversaryCommitment(taskId, who, mode, index, pad);
        uint256 bond = market.getTask(taskId).claimBond;
        vm.prank(who);
        try market.claim{value: bond}(taskId, commitment) {
            count["adversary claim"] += 1;
            if (commitment != bytes32(0)) adversaryCommit[taskId] = record;
        } catch {}
    }

    function adversaryCommitProof(uint256 taskSeed, uint256 idSeed, uint256 mode, uint256 index, bool pad) external step {
        (bool ok, uint256 taskId) = _pick(taskSeed);
        if (!ok) return;
        address who = _adversaryFor(taskId, idSeed);
        (bytes32 commitment, AdversaryCommit memory record) = _adversaryCommitment(taskId, who, mode, index, pad);
        vm.prank(who);
        try market.commitProof(taskId, commitment) {
            count["adversary commit"] += 1;
            adversaryCommit[taskId] = record;
        } catch {}
    }

    /// Submits: 0 on a task it holds with a commitment, the proof it committed to (or, if it
    /// committed to none it has, one that fits the task); on any task: 1 a proof it has that fits
    /// the task, 2 any proof it has, 3 any proof with another proof's instances (`pad`: with bytes
    /// appended, unless it reveals what it committed to).
    function adversarySubmit(uint256 taskSeed, uint256 idSeed, uint256 mode, uint256 index, bool pad) external step {
        mode = mode % 4;
        (bool ok, uint256 taskId) = mode == 0 ? _committedByAdversary(taskSeed) : _pick(taskSeed);
        if (!ok || seen.length == 0) return;
        AdversaryCommit memory c = adversaryCommit[taskId];
        uint256 i;
        if (mode == 0 && c.proofHash != bytes32(0)) {
            i = c.seenIndex;
            pad = c.padded;
        } else {
            (, i) = _pickSeen(taskId, index, mode <= 1);
        }
        uint256 j = mode == 3 ? (index >> 8) % seen.length : i;
        _adversarySubmit(taskId, _adversaryFor(taskId, idSeed), _seenProof(i, pad), seen[j].instances, seen[i].own);
    }

    function _adversarySubmit(uint256 taskId, address who, bytes memory proof, uint256[] memory instances, bool own) internal returns (bool paid) {
        uint64 commitBlock = market.getTask(taskId).commitBlock;
        uint256 minedBefore = minedAt[proofKey(proof)];
        vm.prank(who);
        try market.submit(taskId, proof, instances) {
            paid = true;
        } catch {}
        if (!paid) return false;
        count[own ? "adversary paid, own proof" : "adversary paid, copied proof"] += 1;
        _mined(proof);
        AdversaryCommit memory c = adversaryCommit[taskId];
        if (c.who != who || c.atBlock != commitBlock || c.proofHash != keccak256(proof)) {
            _copierViolation("the adversary was paid for a proof it had not committed to", taskId);
        } else if (!own && minedBefore != 0 && minedBefore <= c.atBlock) {
            _copierViolation("the adversary was paid for a proof mined before its commitment", taskId);
        }
    }

    /// The adversary states a result on an optimistic task (claiming it first if it can): 0 the
    /// correct one, 1 a wrong boundary (stage 0 false, stage 1 true), 2 a wrong output (stage 1
    /// false), 3 an honest result it saw (perhaps for another input).
    function adversarySubmitResult(uint256 taskSeed, uint256 idSeed, uint256 mode, uint256 index) external step {
        (bool ok, uint256 taskId) = _pickWith(taskSeed, IPocomputeMarket.Status.Open, true);
        if (!ok) return;
        address who = _adversaryFor(taskId, idSeed);
        IPocomputeMarket.Task memory task = market.getTask(taskId);
        if (task.kind != TaskKind.Optimistic) return;
        if (task.claimant != who || block.timestamp >= task.claimExpiry) {
            vm.prank(who);
            try market.claim{value: task.claimBond}(taskId, bytes32(0)) {} catch {
                return;
            }
        }
        uint256[] memory ins = Toy.inputs(inputOf[taskId]);
        uint256 boundary = Toy.correctBoundary(ins);
        uint256 output = Toy.correctOutput(ins);
        mode = mode % 4;
        if (mode == 1) {
            boundary = (boundary + 1) % Toy.FIELD;
            output = Toy.stage1(boundary);
        } else if (mode == 2) {
            output = (output + 1) % Toy.FIELD;
        } else if (mode == 3 && seenResults.length > 0) {
            output = seenResults[index % seenResults.length][0];
            boundary = seenResults[index % seenResults.length][1];
        }
        (IPocomputeMarket.OptimisticState memory state, , ) = market.getResult(taskId);
        vm.prank(who);
        try market.submitResult{value: state.terms.workerBond}(taskId, Toy.one(output), Toy.one(boundary)) {
            count["adversary result"] += 1;
            if (output != Toy.correctOutput(ins) || boundary != Toy.correctBoundary(ins)) count["adversary wrong result"] += 1;
        } catch {}
    }

    function adversaryChallenge(uint256 taskSeed, uint256 idSeed, bool stage1) external step {
        (bool ok, uint256 taskId) = _pickWith(taskSeed, IPocomputeMarket.Status.Submitted, true);
        if (!ok || market.getTask(taskId).kind != TaskKind.Optimistic) return;
        (IPocomputeMarket.OptimisticState memory state, , ) = market.getResult(taskId);
        vm.prank(_adversaryId(idSeed));
        try market.challenge{value: state.terms.challengerBond}(taskId, stage1 ? 1 : 0) {
            count["adversary challenge"] += 1;
        } catch {}
    }

    /// Answers an open challenge on any task: `matching`, on its own challenged result, with a
    /// proof of the challenged stage's committed values (a copied one if it has one, else its own
    /// if the stage is true; if it is false, a proof of the true statement next to it: the same
    /// input with the true output), else with any proof it has.
    function adversaryRespond(uint256 taskSeed, uint256 idSeed, uint256 index, bool matching) external step {
        (bool ok, uint256 taskId) = matching ? _challenged(taskSeed, false) : _pick(taskSeed);
        if (!ok) return;
        bytes memory proof;
        uint256[] memory instances;
        if (matching) {
            if (market.getTask(taskId).status != IPocomputeMarket.Status.Submitted) return;
            (ok, proof, instances) = _stageProof(taskId);
            if (!ok) return;
        } else {
            if (seen.length == 0) return;
            proof = seen[index % seen.length].proof;
            instances = seen[index % seen.length].instances;
        }
        vm.prank(_adversaryFor(taskId, idSeed));
        try market.respond(taskId, proof, instances) {
            count["adversary answer"] += 1;
            _mined(proof);
        } catch {}
    }

    /// A proof of the challenged stage with the standing result's values, if that stage is true.
    function _stageProof(uint256 taskId) internal returns (bool ok, bytes memory proof, uint256[] memory instances) {
        (IPocomputeMarket.OptimisticState memory state, uint256[] memory outputs, uint256[] memory boundaries) = market.getResult(taskId);
        if (state.challenger == address(0)) return (false, proof, instances);
        uint256[] memory ins = Toy.inputs(inputOf[taskId]);
        bool isTrue;
        if (state.challengedStage == 0) {
            instances = Toy.stage0Instances(ins, boundaries[0]);
            isTrue = boundaries[0] == Toy.correctBoundary(ins);
        } else {
            instances = Toy.stage1Instances(boundaries[0], outputs[0]);
            isTrue = outputs[0] == Toy.stage1(boundaries[0]);
        }
        bytes32 want = keccak256(abi.encode(instances));
        for (uint256 k = 0; k < seen.length; k++) {
            if (keccak256(abi.encode(seen[k].instances)) == want) return (true, seen[k].proof, instances);
        }
        if (!isTrue) {
            if (state.challengedStage == 0) instances[2] = Toy.correctBoundary(ins);
            else instances[1] = Toy.stage1(instances[0]);
        }
        proof = prove(instances);
        _see(proof, instances, true);
        return (true, proof, instances);
    }

    /// The copier's best attack on a pending honest reveal: it copies the reveal onto the honest
    /// task, and retargets it to a decoy (same model and input; posted if needed) that it claims
    /// with a commitment to the seen proof in the reveal's block. `pendingAWholeBlock`: the honest
    /// reveal is not mined in that block, the copier's reveal is mined first in the next one (the
    /// case the design leaves open); otherwise the honest reveal is mined in the commitment's block.
    function adversaryFrontRun(uint256 taskSeed, uint256 idSeed, bool pendingAWholeBlock, uint256 decoyReward) external step {
        (bool found, uint256 taskId) = _findWork(taskSeed, true);
        if (!found) return;
        _broadcast(taskId);
        Work storage item = work[taskId];
        address who = _adversaryId(idSeed);
        vm.prank(who);
        try market.submit(taskId, item.proof, item.instances) {
            count["copied reveal mined"] += 1;
        } catch {}
        (bool haveDecoy, uint256 decoy) = _decoy(taskId, who, decoyReward);
        if (haveDecoy) {
            bytes32 commitment = commitmentOf(decoy, who, item.proof);
            uint256 bond = market.getTask(decoy).claimBond;
            vm.prank(who);
            try market.claim{value: bond}(decoy, commitment) {
                adversaryCommit[decoy] = AdversaryCommit(who, uint64(block.number), keccak256(item.proof), 0, false);
            } catch {
                haveDecoy = false;
            }
        }
        if (pendingAWholeBlock) {
            _roll(1);
            if (haveDecoy && _adversarySubmit(decoy, who, item.proof, item.instances, false)) count["front-run paid on a decoy"] += 1;
            _reveal(taskId);
        } else {
            _reveal(taskId);
            _roll(1);
            if (haveDecoy) _adversarySubmit(decoy, who, item.proof, item.instances, false);
        }
    }

    /// An open Proved task on the same input that `who` may claim, or a new one it posts.
    function _decoy(uint256 taskId, address who, uint256 rewardSeed) internal returns (bool, uint256) {
        uint256 n = market.taskCount();
        for (uint256 d = 0; d < n; d++) {
            if (d == taskId || inputOf[d] != inputOf[taskId] || work[d].active) continue;
            IPocomputeMarket.Task memory task = market.getTask(d);
            if (task.kind != TaskKind.Proved || task.status != IPocomputeMarket.Status.Open || block.timestamp >= task.deadline) continue;
            if (_live(task) || task.claimant == who || market.lapsedClaimant(d, who)) continue;
            return (true, d);
        }
        if (n >= MAX_TASKS) return (false, 0);
        _post(who, false, inputOf[taskId], rewardSeed, 1 hours, 0);
        return (true, n);
    }
}
