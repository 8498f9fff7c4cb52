// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IPocomputeBounties} from "./interfaces/IPocomputeBounties.sol";
import {IPocomputeMarket} from "./interfaces/IPocomputeMarket.sol";
import {BatchMerkle} from "./libraries/BatchMerkle.sol";
import {InstanceLayout} from "./libraries/InstanceLayout.sol";
import {OptimisticBounds} from "./libraries/OptimisticBounds.sol";
import {Payout} from "./libraries/Payout.sol";
import {PinnedVerifier} from "./libraries/PinnedVerifier.sol";

/// The market's floor for a challenger bond (PocomputeMarket.minChallengerBond).
interface IChallengerBondFloor {
    function minChallengerBond() external view returns (uint256);
}

/// @title PocomputeBounties
/// @notice See IPocomputeBounties. The market's registered models (verifiers pinned by code hash)
/// decide every proof; this contract holds the escrow. Why each promise holds:
/// - The evaluation set cannot be trained on: it is revealed only after a worker committed its
///   whole run (`NotCommitted` before), and the run cannot change afterwards (its hash is stored).
/// - The metric is the committed run's: the evaluation proof must start from the last committed
///   weights hash and read exactly the revealed set; a proof of other weights or other data is
///   refused. Anyone may send it: it pays the committed worker, so a copy steals nothing.
/// - Every step is the committed run's and trains on its scheduled batch: a step's answer must
///   carry the committed hashes before and after it (step 0: the base model's) and a batch whose
///   leaf sits at the step's index under `batchRoot`.
/// - A copied seal is the copier's loss, not the worker's gain: the seal binds the worker's
///   address (keccak256(bountyId, worker, trajectory hash, salt)), so a copy sent from another
///   address can never be opened (`SealMismatch`), and the run it hides is not on chain until
///   the opening, which comes in a later block (`SameBlock`) from the sealer only (`NotWorker`) —
///   by then the bounty is the worker's. An unopened seal's bond goes to the requester at
///   `openDeadline` and the bounty opens again, so a copier delays the worker by `responseTime`
///   at the price of a worker bond.
/// - A requester cannot make an honest run unprovable: the evaluation set it reveals must read
///   within ±`evalBound` (the terms, seen before anyone seals), sizes fit a transaction
///   (k × maxSteps ≤ MAX_TRAJECTORY), the worker has at least MIN_PROVE_TIME to prove and
///   MIN_RESPONSE_TIME to answer or open, and a challenge costs at least the market's floor.
/// - Challenges are per step and may be open side by side: no challenge blocks another, and
///   their deadlines are spaced (as in PocomputeBatches) so an answer is never due at once with
///   many others. The worker is paid only when the window is over and no challenge is open.
/// - A bounty pays once: every settlement moves it to a terminal phase (Paid, Failed, Refunded)
///   before any value leaves, and nothing leaves a terminal phase except open challenger bonds.
/// - No payout can block a settlement: pushes are capped (Payout) and a refusal is credited.
contract PocomputeBounties is IPocomputeBounties, ReentrancyGuard {
    uint256 internal constant FIELD = InstanceLayout.FIELD_MODULUS;
    /// The largest magnitude a signed felt has: values above it read as negative (x − r).
    uint256 internal constant HALF_FIELD = FIELD / 2;
    uint256 public constant MAX_WEIGHT_TENSORS = 64;
    uint256 public constant MAX_STEPS = 256;
    uint256 public constant MAX_FELTS = 3000;
    uint32 public constant MIN_TIME = OptimisticBounds.MIN_WINDOW;
    uint32 public constant MAX_TIME = OptimisticBounds.MAX_WINDOW;
    /// The least time a worker has to prove the metric (an evaluation proof takes minutes).
    uint32 public constant MIN_PROVE_TIME = 1800;
    /// The least time a worker has to answer a challenge or open its seal.
    uint32 public constant MIN_RESPONSE_TIME = 600;
    /// The most trajectory felts (k × maxSteps) a run may have: it must fit a transaction.
    uint256 public constant MAX_TRAJECTORY = 2048;

    IPocomputeMarket public immutable market;

    Bounty[] private bounties;
    mapping(uint256 => Terms) private bountyTerms;
    mapping(uint256 => uint256[]) private baseWeights;
    /// keccak256(abi.encode(final weights hashes)): the last k entries of the committed trajectory.
    mapping(uint256 => bytes32) private finalWeightsHash;
    mapping(uint256 => mapping(uint32 => Challenge)) private challenges;
    struct Seal {
        bytes32 hash;
        uint64 sealBlock;
        uint64 openDeadline;
    }
    mapping(uint256 => Seal) private seals;
    /// Payments a recipient refused: withdraw() pays them.
    mapping(address => uint256) public credits;

    constructor(IPocomputeMarket market_) {
        market = market_;
    }

    // ---------------------------------------------------------------- requester

    /// @inheritdoc IPocomputeBounties
    function postBounty(Terms calldata terms, uint256[] calldata baseWeightsHash) external payable nonReentrant returns (uint256 bountyId) {
        if (msg.value == 0) revert NoReward();
        _checkTerms(terms, baseWeightsHash);
        bountyId = bounties.length;
        Bounty storage b = bounties.push();
        b.requester = msg.sender;
        b.phase = Phase.Open;
        b.reward = msg.value;
        bountyTerms[bountyId] = terms;
        baseWeights[bountyId] = baseWeightsHash;
        emit BountyPosted(bountyId, msg.sender, msg.value, terms, baseWeightsHash);
    }

    /// @inheritdoc IPocomputeBounties
    function cancel(uint256 bountyId) external nonReentrant {
        Bounty storage b = _bounty(bountyId);
        if (msg.sender != b.requester) revert NotRequester();
        if (b.phase != Phase.Open) revert WrongPhase(b.phase);
        b.phase = Phase.Refunded;
        emit BountyCancelled(bountyId);
        _pay(b.requester, b.reward);
    }

    /// @inheritdoc IPocomputeBounties
    /// @dev Anyone who knows the salt may reveal; the set must match the commitment exactly, and
    /// every felt must read, as a signed felt, within ±evalBound: a value no evaluation circuit
    /// can take would leave the worker unable to prove (and its bond to the requester).
    function reveal(uint256 bountyId, uint256[] calldata evalFelts, bytes32 salt) external nonReentrant {
        Bounty storage b = _bounty(bountyId);
        if (b.phase == Phase.Open || b.phase == Phase.Sealed) revert NotCommitted();
        if (b.phase != Phase.Committed) revert WrongPhase(b.phase);
        if (block.timestamp > b.revealDeadline) revert DeadlinePassed();
        Terms storage t = bountyTerms[bountyId];
        if (evalFelts.length != t.evalFelts) revert RevealMismatch();
        uint256 bound = t.evalBound;
        for (uint256 i = 0; i < evalFelts.length; i++) {
            uint256 x = evalFelts[i];
            if (x >= FIELD || (x > HALF_FIELD ? FIELD - x : x) > bound) revert RevealMismatch();
        }
        bytes32 dataHash = keccak256(abi.encode(evalFelts));
        if (keccak256(abi.encode(dataHash, salt)) != t.evalCommit) revert RevealMismatch();
        uint64 proveDeadline = uint64(block.timestamp) + t.proveTime;
        b.evalDataHash = dataHash;
        b.proveDeadline = proveDeadline;
        b.phase = Phase.Revealed;
        emit EvalRevealed(bountyId, evalFelts, salt, proveDeadline);
    }

    // ---------------------------------------------------------------- worker

    /// @inheritdoc IPocomputeBounties
    /// @dev The first seal takes the bounty: a later one (an honest worker's, or a copy) finds it
    /// Sealed. The seal hides the run and binds the sealer's address, so a copy of a pending seal
    /// from another address is a bond its sender can only lose.
    function seal(uint256 bountyId, bytes32 sealHash) external payable nonReentrant {
        Bounty storage b = _bounty(bountyId);
        if (b.phase != Phase.Open) revert WrongPhase(b.phase);
        Terms storage t = bountyTerms[bountyId];
        if (block.timestamp > t.commitDeadline) revert DeadlinePassed();
        if (msg.value != t.workerBond) revert WrongBond(t.workerBond, msg.value);
        uint64 openDeadline = uint64(block.timestamp) + t.responseTime;
        b.worker = msg.sender;
        b.phase = Phase.Sealed;
        seals[bountyId] = Seal(sealHash, uint64(block.number), openDeadline);
        emit RunSealed(bountyId, msg.sender, sealHash, openDeadline);
    }

    /// @inheritdoc IPocomputeBounties
    /// @dev Opens the seal: only its worker, in a later block (the run is public only once the
    /// bounty is surely the worker's), by `openDeadline`. The trajectory is kept as its hash;
    /// `respond` shows it again.
    function commit(uint256 bountyId, uint256[] calldata trajectory, bytes32 salt) external nonReentrant {
        Bounty storage b = _bounty(bountyId);
        if (b.phase != Phase.Sealed) revert WrongPhase(b.phase);
        if (msg.sender != b.worker) revert NotWorker();
        Seal storage sl = seals[bountyId];
        if (block.number <= sl.sealBlock) revert SameBlock();
        if (block.timestamp > sl.openDeadline) revert DeadlinePassed();
        bytes32 trajectoryHash = keccak256(abi.encode(trajectory));
        if (keccak256(abi.encode(bountyId, msg.sender, trajectoryHash, salt)) != sl.hash) revert SealMismatch();
        Terms storage t = bountyTerms[bountyId];
        uint256 k = baseWeights[bountyId].length;
        uint256 n = trajectory.length;
        if (n == 0 || n % k != 0 || n / k > t.maxSteps || InstanceLayout.firstNonFelt(trajectory) != n) revert BadTrajectory();
        uint64 revealDeadline = uint64(block.timestamp) + t.revealTime;
        uint64 challengeEnd = uint64(block.timestamp) + t.challengeWindow;
        b.steps = uint32(n / k);
        b.committedAt = uint64(block.timestamp);
        b.revealDeadline = revealDeadline;
        b.challengeEnd = challengeEnd;
        b.trajectoryHash = trajectoryHash;
        b.phase = Phase.Committed;
        finalWeightsHash[bountyId] = keccak256(abi.encode(trajectory[n - k:]));
        emit RunCommitted(bountyId, msg.sender, trajectory, revealDeadline, challengeEnd);
    }

    /// @inheritdoc IPocomputeBounties
    /// @dev Instances: [final weights ×k | features, labels | weight felts | eval felts | metric].
    function proveMetric(uint256 bountyId, bytes calldata proof, uint256[] calldata instances) external nonReentrant {
        Bounty storage b = _bounty(bountyId);
        if (b.phase != Phase.Revealed) revert WrongPhase(b.phase);
        if (block.timestamp > b.proveDeadline) revert DeadlinePassed();
        Terms storage t = bountyTerms[bountyId];
        uint256 k = baseWeights[bountyId].length;
        uint256 weightsStart = k + 2;
        uint256 evalStart = weightsStart + t.weightFelts;
        uint256 metricAt = evalStart + t.evalFelts;
        if (instances.length != metricAt + 1) revert WrongInstanceCount(metricAt + 1, instances.length);
        if (keccak256(abi.encode(instances[:k])) != finalWeightsHash[bountyId]) revert WeightsMismatch();
        if (keccak256(abi.encode(instances[evalStart:metricAt])) != b.evalDataHash) revert EvalMismatch();
        uint256 raw = instances[metricAt];
        if (raw >= FIELD || !PinnedVerifier.verify(market.getModel(t.evalModelId), proof, instances)) revert InvalidProof();

        int256 metric = raw > HALF_FIELD ? int256(raw) - int256(FIELD) : int256(raw);
        bool met = t.metric == Metric.LossAtMost ? metric <= t.target : metric >= t.target;
        b.metricValue = metric;
        b.phase = met ? Phase.Met : Phase.Missed;
        emit MetricProved(bountyId, metric, met, instances[weightsStart:evalStart]);
    }

    // ---------------------------------------------------------------- disputes

    /// @inheritdoc IPocomputeBounties
    /// @dev From the challenge, not from the window's end: a last-second challenge leaves the full
    /// response time. And never sooner than half a response time after the bounty's latest
    /// deadline: K challenges opened in one block fall due one after another.
    function challenge(uint256 bountyId, uint32 step) external payable nonReentrant {
        Bounty storage b = _bounty(bountyId);
        Phase phase = b.phase;
        if (phase != Phase.Committed && phase != Phase.Revealed && phase != Phase.Met && phase != Phase.Missed) revert WrongPhase(phase);
        if (block.timestamp >= b.challengeEnd) revert WindowClosed();
        if (step >= b.steps) revert BadStep();
        Challenge storage c = challenges[bountyId][step];
        if (c.answered) revert StepAlreadyAnswered();
        if (c.challenger != address(0)) revert ChallengeAlreadyOpen();
        Terms storage t = bountyTerms[bountyId];
        if (msg.value != t.challengerBond) revert WrongBond(t.challengerBond, msg.value);
        uint64 due = uint64(block.timestamp) + t.responseTime;
        uint64 queued = b.lastChallengeDeadline + t.responseTime / 2;
        if (queued > due) due = queued;
        c.challenger = msg.sender;
        c.deadline = due;
        b.lastChallengeDeadline = due;
        b.openChallenges += 1;
        emit StepChallenged(bountyId, step, msg.sender, due);
    }

    /// @inheritdoc IPocomputeBounties
    /// @dev Instances: [before ×k | features, labels | after ×k | loss]. Anyone may send it: it
    /// pays the committed worker. Refused once the bounty is terminal (its bonds are settled;
    /// `closeChallenge` returns the challenger's).
    function respond(uint256 bountyId, uint32 step, bytes calldata proof, uint256[] calldata instances, uint256[] calldata trajectory, bytes32[] calldata batchPath) external nonReentrant {
        Bounty storage b = _bounty(bountyId);
        if (_terminal(b.phase)) revert WrongPhase(b.phase);
        Challenge storage c = challenges[bountyId][step];
        address challenger = c.challenger;
        if (challenger == address(0)) revert NoOpenChallenge();
        if (block.timestamp > c.deadline) revert ResponseTimeOver();
        if (keccak256(abi.encode(trajectory)) != b.trajectoryHash) revert TrajectoryMismatch();
        Terms storage t = bountyTerms[bountyId];
        _checkStep(bountyId, t, step, instances, trajectory, batchPath);
        if (!PinnedVerifier.verify(market.getModel(t.stepModelId), proof, instances)) revert InvalidProof();

        c.challenger = address(0);
        c.answered = true;
        b.openChallenges -= 1;
        emit StepAnswered(bountyId, step, challenger);
        _pay(b.worker, t.challengerBond);
    }

    /// @inheritdoc IPocomputeBounties
    /// @dev The bounty fails: the challenger gets its bond back and half the worker bond, the
    /// requester (who was wronged) the other half and the reward. Half, not all: a cheater whose
    /// accomplice challenges first still loses half its bond. On a bounty already terminal the
    /// challenge is moot and its bond is returned (as `closeChallenge`).
    function settleChallenge(uint256 bountyId, uint32 step) external nonReentrant {
        Bounty storage b = _bounty(bountyId);
        Challenge storage c = challenges[bountyId][step];
        address challenger = c.challenger;
        if (challenger == address(0)) revert NoOpenChallenge();
        if (_terminal(b.phase)) return _close(bountyId, b, c, step, challenger);
        if (block.timestamp <= c.deadline) revert ResponseTimeNotOver(c.deadline);
        Terms storage t = bountyTerms[bountyId];
        uint256 toRequester = uint256(t.workerBond) / 2;
        uint256 paid = uint256(t.workerBond) - toRequester + t.challengerBond;
        toRequester += b.reward;
        c.challenger = address(0);
        b.openChallenges -= 1;
        b.phase = Phase.Failed;
        emit ChallengeUpheld(bountyId, step, challenger, paid);
        emit BountySettled(bountyId, Phase.Failed, b.requester, toRequester);
        _pay(b.requester, toRequester);
        _pay(challenger, paid);
    }

    /// @inheritdoc IPocomputeBounties
    function closeChallenge(uint256 bountyId, uint32 step) external nonReentrant {
        Bounty storage b = _bounty(bountyId);
        Challenge storage c = challenges[bountyId][step];
        address challenger = c.challenger;
        if (challenger == address(0)) revert NoOpenChallenge();
        if (!_terminal(b.phase)) revert WrongPhase(b.phase);
        _close(bountyId, b, c, step, challenger);
    }

    // ---------------------------------------------------------------- settlement

    /// @inheritdoc IPocomputeBounties
    /// @dev What is due, by phase:
    /// - Open, commit deadline passed: the reward back (Refunded).
    /// - Sealed, open deadline passed (the seal was never opened): the worker bond to the
    ///   requester; the worker and seal are cleared and the bounty is Open again if the commit
    ///   deadline has not passed (another worker may seal), else Refunded with the reward back.
    /// - Committed, reveal deadline passed (the requester never revealed), window over and no
    ///   challenge open: the worker gets the reward and its bond (Paid).
    /// - Revealed, prove deadline passed (no metric proof): the reward and the worker bond to the
    ///   requester (Failed); open challenges stay closable.
    /// - Met, window over and no challenge open: the worker gets the reward and its bond (Paid).
    /// - Missed, window over and no challenge open: the reward back, the bond back (Refunded).
    /// `BountySettled` names the one paid the reward (or, Missed, the requester).
    function settle(uint256 bountyId) external nonReentrant {
        Bounty storage b = _bounty(bountyId);
        Phase phase = b.phase;
        uint256 reward = b.reward;
        if (phase == Phase.Open) {
            if (block.timestamp <= bountyTerms[bountyId].commitDeadline) revert NothingToSettle();
            _finish(bountyId, b, Phase.Refunded, b.requester, reward);
        } else if (phase == Phase.Sealed) {
            if (block.timestamp <= seals[bountyId].openDeadline) revert NothingToSettle();
            Terms storage t = bountyTerms[bountyId];
            uint256 bond = t.workerBond;
            b.worker = address(0);
            delete seals[bountyId];
            if (block.timestamp <= t.commitDeadline) {
                _finish(bountyId, b, Phase.Open, b.requester, bond);
            } else {
                _finish(bountyId, b, Phase.Refunded, b.requester, reward + bond);
            }
        } else if (phase == Phase.Revealed) {
            if (block.timestamp <= b.proveDeadline) revert NothingToSettle();
            _finish(bountyId, b, Phase.Failed, b.requester, reward + bountyTerms[bountyId].workerBond);
        } else if (phase == Phase.Committed || phase == Phase.Met || phase == Phase.Missed) {
            if (phase == Phase.Committed && block.timestamp <= b.revealDeadline) revert NothingToSettle();
            if (block.timestamp < b.challengeEnd) revert ChallengeWindowOpen(b.challengeEnd);
            if (b.openChallenges != 0) revert ChallengesOpen(b.openChallenges);
            uint256 bond = bountyTerms[bountyId].workerBond;
            if (phase == Phase.Missed) {
                _finish(bountyId, b, Phase.Refunded, b.requester, reward);
                _pay(b.worker, bond);
            } else {
                _finish(bountyId, b, Phase.Paid, b.worker, reward + bond);
            }
        } else {
            revert NothingToSettle();
        }
    }

    /// @inheritdoc IPocomputeBounties
    function withdraw() external nonReentrant {
        uint256 amount = credits[msg.sender];
        if (amount == 0) revert NothingToWithdraw();
        credits[msg.sender] = 0;
        (bool ok, ) = payable(msg.sender).call{value: amount}("");
        if (!ok) revert TransferFailed();
    }

    // ---------------------------------------------------------------- views

    function getBounty(uint256 bountyId) external view returns (Bounty memory) {
        return _bounty(bountyId);
    }

    function getTerms(uint256 bountyId) external view returns (Terms memory) {
        _bounty(bountyId);
        return bountyTerms[bountyId];
    }

    function getBaseWeightsHash(uint256 bountyId) external view returns (uint256[] memory) {
        _bounty(bountyId);
        return baseWeights[bountyId];
    }

    function getChallenge(uint256 bountyId, uint32 step) external view returns (Challenge memory) {
        _bounty(bountyId);
        return challenges[bountyId][step];
    }

    function getSeal(uint256 bountyId) external view returns (bytes32 sealHash, uint64 sealBlock, uint64 openDeadline) {
        _bounty(bountyId);
        Seal storage sl = seals[bountyId];
        return (sl.hash, sl.sealBlock, sl.openDeadline);
    }

    function bountyCount() external view returns (uint256) {
        return bounties.length;
    }

    // ---------------------------------------------------------------- internals

    /// Terms any honest run can meet: known models whose public instances have the bounty's
    /// layout, sizes a transaction can carry (k × maxSteps ≤ MAX_TRAJECTORY), times within the
    /// optimistic bounds and no shorter than a proof takes (MIN_PROVE_TIME, MIN_RESPONSE_TIME), a
    /// positive worker bond, a challenger bond at least the market's floor (it pays for an
    /// answer), field elements for the base hashes, a target a signed felt can reach and an
    /// evaluation bound in (0, 2**64).
    function _checkTerms(Terms calldata t, uint256[] calldata base) private view {
        uint256 k = base.length;
        uint256 models = market.modelCount();
        if (
            k == 0 || k > MAX_WEIGHT_TENSORS || InstanceLayout.firstNonFelt(base) != k || t.stepModelId >= models || t.evalModelId >= models ||
            t.maxSteps == 0 || t.maxSteps > MAX_STEPS || t.evalFelts == 0 || t.evalFelts > MAX_FELTS || t.weightFelts == 0 || t.weightFelts > MAX_FELTS ||
            t.commitDeadline <= block.timestamp || !_inTimeBounds(t.revealTime) || !_inTimeBounds(t.proveTime) || !_inTimeBounds(t.responseTime) ||
            !_inTimeBounds(t.challengeWindow) || t.workerBond == 0 || t.challengerBond == 0 ||
            t.target < -int256(HALF_FIELD) || t.target > int256(HALF_FIELD) || t.proveTime < MIN_PROVE_TIME ||
            t.responseTime < MIN_RESPONSE_TIME || k * t.maxSteps > MAX_TRAJECTORY || t.evalBound == 0 || t.evalBound >= 2 ** 64 ||
            t.challengerBond < IChallengerBondFloor(address(market)).minChallengerBond()
        ) revert BadTerms();
        IPocomputeMarket.Model memory step = market.getModel(t.stepModelId);
        IPocomputeMarket.Model memory eval = market.getModel(t.evalModelId);
        if (step.numInputs != k + 2 || step.numOutputs != k + 1 || eval.numInputs != k + 2 || eval.numOutputs != uint256(t.weightFelts) + t.evalFelts + 1) revert BadTerms();
    }

    function _inTimeBounds(uint32 seconds_) private pure returns (bool) {
        return seconds_ >= MIN_TIME && seconds_ <= MAX_TIME;
    }

    /// The step proof's public values are the committed run's: it starts from the hashes before
    /// the step (step 0: the base model's), ends at the committed hashes after it, and trains on
    /// the batch scheduled at the step's index under `batchRoot`.
    function _checkStep(uint256 bountyId, Terms storage t, uint32 step, uint256[] calldata instances, uint256[] calldata trajectory, bytes32[] calldata batchPath) private view {
        uint256 k = baseWeights[bountyId].length;
        if (instances.length != 2 * k + 3) revert WrongInstanceCount(2 * k + 3, instances.length);
        uint256 at = uint256(step) * k;
        if (step == 0) {
            uint256[] storage base = baseWeights[bountyId];
            for (uint256 i = 0; i < k; i++) {
                if (instances[i] != base[i]) revert WeightsMismatch();
            }
        } else {
            for (uint256 i = 0; i < k; i++) {
                if (instances[i] != trajectory[at - k + i]) revert WeightsMismatch();
            }
        }
        for (uint256 i = 0; i < k; i++) {
            if (instances[k + 2 + i] != trajectory[at + i]) revert WeightsMismatch();
        }
        bytes32 leaf = keccak256(abi.encode(uint256(step), instances[k], instances[k + 1]));
        if (!BatchMerkle.includes(t.batchRoot, t.maxSteps, step, leaf, batchPath)) revert BatchMismatch();
    }

    function _close(uint256 bountyId, Bounty storage b, Challenge storage c, uint32 step, address challenger) private {
        c.challenger = address(0);
        b.openChallenges -= 1;
        emit ChallengeClosed(bountyId, step, challenger);
        _pay(challenger, bountyTerms[bountyId].challengerBond);
    }

    function _finish(uint256 bountyId, Bounty storage b, Phase phase, address to, uint256 amount) private {
        b.phase = phase;
        emit BountySettled(bountyId, phase, to, amount);
        _pay(to, amount);
    }

    function _terminal(Phase phase) private pure returns (bool) {
        return phase == Phase.Paid || phase == Phase.Failed || phase == Phase.Refunded;
    }

    function _pay(address to, uint256 amount) private {
        if (amount == 0) return;
        if (!Payout.send(to, amount)) {
            credits[to] += amount;
            emit PaymentCredited(to, amount);
        }
    }

    function _bounty(uint256 bountyId) private view returns (Bounty storage) {
        if (bountyId >= bounties.length) revert UnknownBounty();
        return bounties[bountyId];
    }
}
