// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IBatchInferenceConsumer} from "./interfaces/IInferenceConsumer.sol";
import {IPocomputeBatches} from "./interfaces/IPocomputeBatches.sol";
import {IPocomputeMarket} from "./interfaces/IPocomputeMarket.sol";
import {BatchMerkle} from "./libraries/BatchMerkle.sol";
import {InstanceLayout} from "./libraries/InstanceLayout.sol";
import {OptimisticBounds} from "./libraries/OptimisticBounds.sol";
import {Payout} from "./libraries/Payout.sol";

/// @title PocomputeBatches
/// @notice See IPocomputeBatches. The market deploys it and is the only contract it trusts: the
/// market's registered pipelines and pinned verifiers decide every dispute.
/// Why each promise holds:
/// - Every input and every result is calldata the contract hashed itself into its root: a batch
///   cannot commit to data nobody can read, and a worker cannot post a root and withhold results.
/// - A leaf is bound to (batch, index): it cannot be moved to another batch or another position,
///   and an inclusion proof must have exactly ⌈log2 n⌉ siblings whose sides the index chooses.
/// - A task is paid or closed once: one bit per task (`closed`), and `finalize` pays only the
///   tasks not closed, once, when the batch leaves `Submitted`.
/// - Challenges are per (task, stage) and may be open side by side: no challenge blocks another,
///   so an accomplice cannot keep an honest watcher out of the window.
/// - Only the submitter answers (a copied answer is refused); only the claimant submits.
contract PocomputeBatches is IPocomputeBatches, ReentrancyGuard {
    using InstanceLayout for uint256[];

    uint256 public constant MAX_BATCH = 1024;
    /// The most result words (n × (outputs + stages − 1)) a batch may ask `submitResults` for:
    /// 3,072 words are 98,304 bytes of calldata (under the 128 KiB a geth/reth pool accepts for a
    /// transaction, with room for the header) and about 5M gas: a claimed batch can always be
    /// submitted, so no claim bond is lost to a batch built to be unsubmittable.
    uint256 public constant MAX_RESULT_WORDS = 3072;
    uint256 public constant CALLBACK_GAS = Payout.CALLBACK_GAS;
    uint8 private constant CANCELLED = 0;
    uint8 private constant REFUNDED = 1;
    uint8 private constant LOST = 2;

    IPocomputeMarket public immutable market;
    uint256 public immutable claimTtl;
    uint256 public immutable minChallengerBond;

    Batch[] private batches;
    /// One bit per task: cancelled, refunded or lost (never paid to the worker).
    mapping(uint256 => mapping(uint256 => uint256)) private closedBits;
    /// One bit per task: its result was delivered to the consumer.
    mapping(uint256 => mapping(uint256 => uint256)) private deliveredBits;
    mapping(bytes32 => LeafChallenge) private challenges;
    /// Addresses whose claim on a batch lapsed: they may not claim it again.
    mapping(uint256 => mapping(address => bool)) public lapsedClaimant;
    /// Payments a recipient refused: withdraw() pays them.
    mapping(address => uint256) public credits;

    constructor(uint256 claimTtl_, uint256 minChallengerBond_) {
        market = IPocomputeMarket(msg.sender);
        claimTtl = claimTtl_;
        minChallengerBond = minChallengerBond_;
    }

    // ---------------------------------------------------------------- requester

    /// @inheritdoc IPocomputeBatches
    function postBatch(uint256 pipelineId, uint256[] calldata inputs, uint64 deadline, address consumer, IPocomputeMarket.OptimisticTerms calldata terms) external payable returns (uint256 batchId) {
        if (terms.window < OptimisticBounds.MIN_WINDOW || terms.window > OptimisticBounds.MAX_WINDOW || terms.responseTime < OptimisticBounds.MIN_RESPONSE_TIME || terms.responseTime > OptimisticBounds.MAX_RESPONSE_TIME || terms.workerBond == 0) revert IPocomputeMarket.BadTerms();
        if (terms.challengerBond < minChallengerBond) revert IPocomputeMarket.ChallengerBondTooLow(minChallengerBond, terms.challengerBond);
        if (deadline <= block.timestamp) revert IPocomputeMarket.DeadlinePassed();
        if (consumer != address(0) && consumer.code.length == 0) revert IPocomputeMarket.ConsumerHasNoCode();
        batchId = batches.length;
        Batch storage b = batches.push();
        _shape(b, pipelineId, inputs.length);
        uint256 n = b.n;
        if (msg.value == 0) revert IPocomputeMarket.NoReward();
        if (msg.value % n != 0) revert UnevenReward();
        uint256 bad = inputs.firstNonFelt();
        if (bad != inputs.length) revert IPocomputeMarket.InputNotInField(bad);
        b.requester = msg.sender;
        b.deadline = deadline;
        b.status = IPocomputeMarket.Status.Open;
        b.consumer = consumer;
        b.rewardPerTask = uint128(msg.value / n);
        b.terms = terms;
        b.inputsRoot = _inputsRoot(batchId, inputs, b.numInputs, n);
        b.postedBlock = uint64(block.number);
        emit BatchPosted(batchId, pipelineId, msg.sender, n, msg.value / n, b.inputsRoot, inputs);
    }

    /// @inheritdoc IPocomputeBatches
    function cancel(uint256 batchId, uint256[] calldata indices) external nonReentrant {
        Batch storage b = _batch(batchId);
        if (b.status != IPocomputeMarket.Status.Open) revert IPocomputeMarket.TaskNotOpen();
        if (msg.sender != b.requester) revert IPocomputeMarket.NotRequester();
        if (b.claimant != address(0) && block.timestamp < b.claimExpiry) revert IPocomputeMarket.AlreadyClaimed(b.claimant, b.claimExpiry);
        _settleLapsedClaim(batchId, b);
        _closeOpen(batchId, b, indices, CANCELLED);
    }

    /// @inheritdoc IPocomputeBatches
    function refund(uint256 batchId, uint256[] calldata indices) external nonReentrant {
        Batch storage b = _batch(batchId);
        if (b.status != IPocomputeMarket.Status.Open) revert IPocomputeMarket.TaskNotOpen();
        if (block.timestamp < b.deadline) revert IPocomputeMarket.DeadlineNotPassed();
        _settleLapsedClaim(batchId, b);
        _closeOpen(batchId, b, indices, REFUNDED);
    }

    // ---------------------------------------------------------------- worker

    /// @inheritdoc IPocomputeBatches
    function claim(uint256 batchId) external payable nonReentrant {
        Batch storage b = _batch(batchId);
        if (b.status != IPocomputeMarket.Status.Open) revert IPocomputeMarket.TaskNotOpen();
        // A claim always lasts its full TTL: a deadline inside the claim would let the requester
        // take the bond of a worker whose submit lands at the deadline.
        if (block.timestamp + claimTtl > b.deadline) revert DeadlineInsideClaim(b.deadline, block.timestamp + claimTtl);
        if (b.claimant != address(0) && block.timestamp < b.claimExpiry) revert IPocomputeMarket.AlreadyClaimed(b.claimant, b.claimExpiry);
        _settleLapsedClaim(batchId, b);
        if (lapsedClaimant[batchId][msg.sender]) revert IPocomputeMarket.ClaimLapsedBefore();
        uint256 bond = market.claimBondFor(uint256(b.rewardPerTask) * (b.n - b.closed));
        if (msg.value != bond) revert IPocomputeMarket.WrongBond(bond, msg.value);
        uint64 expiry = uint64(block.timestamp + claimTtl);
        b.claimant = msg.sender;
        b.claimExpiry = expiry;
        b.claimBond = uint128(bond);
        emit BatchClaimed(batchId, msg.sender, expiry, bond);
    }

    /// @inheritdoc IPocomputeBatches
    function submitResults(uint256 batchId, uint256[] calldata outputs, uint256[] calldata boundaries) external payable nonReentrant {
        Batch storage b = _batch(batchId);
        if (b.status != IPocomputeMarket.Status.Open) revert IPocomputeMarket.TaskNotOpen();
        if (block.timestamp >= b.deadline) revert IPocomputeMarket.DeadlinePassed();
        if (b.claimant != msg.sender || block.timestamp >= b.claimExpiry) revert IPocomputeMarket.NotClaimant();
        uint256 n = b.n;
        uint256 bond = uint256(b.terms.workerBond) * n;
        if (msg.value != bond) revert IPocomputeMarket.WrongBond(bond, msg.value);
        uint256 no = b.numOutputs;
        uint256 nb = uint256(b.numStages) - 1;
        if (outputs.length != n * no) revert IPocomputeMarket.WrongInstanceCount(n * no, outputs.length);
        if (boundaries.length != n * nb) revert IPocomputeMarket.WrongInstanceCount(n * nb, boundaries.length);
        bytes32[] memory leaves = new bytes32[](uint256(1) << BatchMerkle.depth(n));
        for (uint256 i = 0; i < n; i++) {
            leaves[i] = _resultLeaf(batchId, i, outputs[i * no:(i + 1) * no], boundaries[i * nb:(i + 1) * nb]);
        }
        b.status = IPocomputeMarket.Status.Submitted;
        b.submitter = msg.sender;
        b.resultsBlock = uint64(block.number);
        b.windowEnd = uint64(block.timestamp) + b.terms.window;
        b.resultsRoot = BatchMerkle.root(leaves);
        emit BatchResultSubmitted(batchId, msg.sender, b.resultsRoot, outputs, boundaries, b.windowEnd);
    }

    // ---------------------------------------------------------------- disputes

    /// @inheritdoc IPocomputeBatches
    function challenge(uint256 batchId, uint256 index, uint32 stage) external payable nonReentrant {
        Batch storage b = _batch(batchId);
        if (b.status != IPocomputeMarket.Status.Submitted) revert IPocomputeMarket.TaskNotOpen();
        if (block.timestamp >= b.windowEnd) revert IPocomputeMarket.WindowClosed();
        if (index >= b.n) revert LeafOutOfRange(index, b.n);
        if (_isClosed(batchId, index)) revert TaskClosed(index);
        if (stage >= b.numStages) revert IPocomputeMarket.BadStage();
        LeafChallenge storage c = challenges[_challengeKey(batchId, index, stage)];
        if (c.answered) revert IPocomputeMarket.StageAlreadyAnswered();
        if (c.challenger != address(0)) revert IPocomputeMarket.ChallengeOpen(stage, c.responseDeadline);
        if (msg.value != b.terms.challengerBond) revert IPocomputeMarket.WrongBond(b.terms.challengerBond, msg.value);
        c.challenger = msg.sender;
        // From the challenge, not from the window's end: a last-second challenge leaves the full
        // time. And never sooner than half a response time after the batch's latest deadline: the
        // submitter answers one at a time, so K challenges opened in one block fall due one after
        // another (the k-th ≥ responseTime + (k − 1) × responseTime / 2), never all at once.
        uint64 due = uint64(block.timestamp) + b.terms.responseTime;
        uint64 queued = b.lastResponseDeadline + b.terms.responseTime / 2;
        if (queued > due) due = queued;
        c.responseDeadline = due;
        b.lastResponseDeadline = due;
        b.openChallenges += 1;
        emit LeafChallenged(batchId, index, stage, msg.sender, c.responseDeadline);
    }

    /// @inheritdoc IPocomputeBatches
    /// @dev Only the submitter: a copy of its answer from the mempool is refused.
    function respond(uint256 batchId, uint256 index, uint32 stage, LeafProof calldata leaf, bytes calldata proof, uint256[] calldata instances) external nonReentrant {
        Batch storage b = _batch(batchId);
        if (b.status != IPocomputeMarket.Status.Submitted) revert IPocomputeMarket.TaskNotOpen();
        if (msg.sender != b.submitter) revert IPocomputeMarket.NotSubmitter();
        LeafChallenge storage c = challenges[_challengeKey(batchId, index, stage)];
        address challenger = c.challenger;
        if (challenger == address(0)) revert IPocomputeMarket.NoOpenChallenge();
        if (block.timestamp >= c.responseDeadline) revert IPocomputeMarket.ResponseTimeOver();
        uint256 modelId = _checkAnswer(batchId, b, index, stage, leaf, instances);
        if (!market.checkBatchProof(modelId, proof, instances)) revert IPocomputeMarket.InvalidProof();

        c.challenger = address(0);
        c.answered = true;
        b.openChallenges -= 1;
        emit LeafChallengeAnswered(batchId, index, stage, challenger);
        _pay(msg.sender, b.terms.challengerBond);
    }

    /// @inheritdoc IPocomputeBatches
    /// @dev The task is closed: its reward and half its worker bond to the requester (who was
    /// wronged), the other half and the challenger bond to the challenger; the other tasks stand.
    /// A challenge on a task already lost is moot: its bond is returned.
    function settleChallenge(uint256 batchId, uint256 index, uint32 stage) external nonReentrant {
        Batch storage b = _batch(batchId);
        LeafChallenge storage c = challenges[_challengeKey(batchId, index, stage)];
        address challenger = c.challenger;
        if (challenger == address(0)) revert IPocomputeMarket.NoOpenChallenge();
        if (block.timestamp < c.responseDeadline) revert IPocomputeMarket.ResponseTimeNotOver(c.responseDeadline);
        c.challenger = address(0);
        b.openChallenges -= 1;
        uint256 paid = b.terms.challengerBond;
        if (_isClosed(batchId, index)) {
            _pay(challenger, paid);
            return;
        }
        uint256 toRequester = uint256(b.terms.workerBond) / 2;
        paid += uint256(b.terms.workerBond) - toRequester;
        toRequester += b.rewardPerTask;
        _close(batchId, b, index);
        b.lost += 1;
        emit LeafChallengeUpheld(batchId, index, stage, challenger, paid);
        emit BatchTaskClosed(batchId, index, LOST, toRequester);
        _pay(b.requester, toRequester);
        _pay(challenger, paid);
    }

    /// @inheritdoc IPocomputeBatches
    /// @dev One push to the worker: the rewards of every task not closed, the claim bond and the
    /// worker bonds of every task not lost. Consumers pull their results (`deliver`): N callbacks
    /// of up to `CALLBACK_GAS` each would not fit one block.
    function finalize(uint256 batchId) external nonReentrant {
        Batch storage b = _batch(batchId);
        if (b.status != IPocomputeMarket.Status.Submitted) revert IPocomputeMarket.TaskNotOpen();
        if (b.openChallenges != 0) revert IPocomputeMarket.ChallengeOpen(0, 0);
        if (block.timestamp < b.windowEnd) revert IPocomputeMarket.WindowOpen(b.windowEnd);
        uint256 tasksPaid = b.n - b.closed;
        uint256 payout = uint256(b.rewardPerTask) * tasksPaid + b.claimBond + uint256(b.terms.workerBond) * (b.n - b.lost);
        address worker = b.submitter;
        b.status = IPocomputeMarket.Status.Done;
        b.claimant = address(0);
        emit BatchFinalized(batchId, worker, tasksPaid, payout);
        _pay(worker, payout);
    }

    /// @inheritdoc IPocomputeBatches
    function deliver(uint256 batchId, uint256 index, uint256[] calldata outputs, uint256[] calldata boundaries, bytes32[] calldata path) external nonReentrant {
        Batch storage b = _batch(batchId);
        if (!_isFinalResult(batchId, b, index, outputs, boundaries, path)) revert LeafNotInRoot();
        uint256 word = index >> 8;
        uint256 bit = uint256(1) << (index & 0xff);
        if (deliveredBits[batchId][word] & bit != 0) revert AlreadyDelivered();
        deliveredBits[batchId][word] |= bit;
        address consumer = b.consumer;
        if (consumer == address(0)) return;
        if (!Payout.gasForCallback()) revert IPocomputeMarket.NotEnoughGasForCallback();
        bytes memory data = _callbackData(batchId, index, outputs, boundaries, path);
        emit BatchResultDelivered(batchId, index, consumer, Payout.callConsumer(consumer, data));
    }

    function _callbackData(uint256 batchId, uint256 index, uint256[] calldata outputs, uint256[] calldata boundaries, bytes32[] calldata path) private view returns (bytes memory) {
        Batch storage b = batches[batchId];
        return abi.encodeCall(IBatchInferenceConsumer.onBatchInference, (batchId, index, b.pipelineId, outputs, boundaries, b.resultsRoot, path));
    }

    /// @inheritdoc IPocomputeBatches
    function withdraw() external nonReentrant {
        uint256 amount = credits[msg.sender];
        if (amount == 0) revert IPocomputeMarket.NothingToWithdraw();
        credits[msg.sender] = 0;
        (bool ok, ) = payable(msg.sender).call{value: amount}("");
        if (!ok) revert IPocomputeMarket.TransferFailed();
    }

    // ---------------------------------------------------------------- views

    function getBatch(uint256 batchId) external view returns (Batch memory) {
        return _batch(batchId);
    }

    function batchCount() external view returns (uint256) {
        return batches.length;
    }

    function isClosed(uint256 batchId, uint256 index) external view returns (bool) {
        return _isClosed(batchId, index);
    }

    function isDelivered(uint256 batchId, uint256 index) external view returns (bool) {
        return deliveredBits[batchId][index >> 8] & (uint256(1) << (index & 0xff)) != 0;
    }

    function getChallenge(uint256 batchId, uint256 index, uint32 stage) external view returns (LeafChallenge memory) {
        return challenges[_challengeKey(batchId, index, stage)];
    }

    /// @inheritdoc IPocomputeBatches
    function isFinalResult(uint256 batchId, uint256 index, uint256[] calldata outputs, uint256[] calldata boundaries, bytes32[] calldata path) external view returns (bool) {
        return _isFinalResult(batchId, _batch(batchId), index, outputs, boundaries, path);
    }

    function inputLeaf(uint256 batchId, uint256 index, bytes32 inputHash) external pure returns (bytes32) {
        return _inputLeaf(batchId, index, inputHash);
    }

    function resultLeaf(uint256 batchId, uint256 index, uint256[] calldata outputs, uint256[] calldata boundaries) external pure returns (bytes32) {
        return _resultLeaf(batchId, index, outputs, boundaries);
    }

    // ---------------------------------------------------------------- internals

    /// The pipeline's shape, and the number of tasks `inputCount` input felts make.
    function _shape(Batch storage b, uint256 pipelineId, uint256 inputCount) private {
        uint256[] memory stages = market.getPipeline(pipelineId);
        uint256 numInputs = market.getModel(stages[0]).numInputs;
        if (inputCount == 0 || inputCount % numInputs != 0) revert IPocomputeMarket.WrongInstanceCount(numInputs, inputCount);
        uint256 n = inputCount / numInputs;
        if (n > MAX_BATCH) revert BatchTooLarge(MAX_BATCH, n);
        uint256 numOutputs = market.getModel(stages[stages.length - 1]).numOutputs;
        uint256 words = n * (numOutputs + stages.length - 1);
        if (words > MAX_RESULT_WORDS) revert ResultsTooLarge(MAX_RESULT_WORDS, words);
        b.numStages = uint8(stages.length);
        b.n = uint32(n);
        b.numInputs = uint32(numInputs);
        b.numOutputs = uint32(numOutputs);
        b.pipelineId = uint64(pipelineId);
    }

    function _inputsRoot(uint256 batchId, uint256[] calldata inputs, uint256 numInputs, uint256 n) private pure returns (bytes32) {
        bytes32[] memory leaves = new bytes32[](uint256(1) << BatchMerkle.depth(n));
        for (uint256 i = 0; i < n; i++) {
            leaves[i] = _inputLeaf(batchId, i, keccak256(abi.encode(inputs[i * numInputs:(i + 1) * numInputs])));
        }
        return BatchMerkle.root(leaves);
    }

    function _inputLeaf(uint256 batchId, uint256 index, bytes32 inputHash) private pure returns (bytes32) {
        return keccak256(abi.encode("pocompute.batch.input", batchId, index, inputHash));
    }

    function _resultLeaf(uint256 batchId, uint256 index, uint256[] calldata outputs, uint256[] calldata boundaries) private pure returns (bytes32) {
        return keccak256(abi.encode("pocompute.batch.result", batchId, index, outputs, boundaries));
    }

    function _isFinalResult(uint256 batchId, Batch storage b, uint256 index, uint256[] calldata outputs, uint256[] calldata boundaries, bytes32[] calldata path) private view returns (bool) {
        return b.status == IPocomputeMarket.Status.Done && !_isClosed(batchId, index) && BatchMerkle.includes(b.resultsRoot, b.n, index, _resultLeaf(batchId, index, outputs, boundaries), path);
    }

    /// The leaf is the task's in the results root, and the instances are the ones its stage proof
    /// must carry; returns the stage's model.
    function _checkAnswer(uint256 batchId, Batch storage b, uint256 index, uint32 stage, LeafProof calldata leaf, uint256[] calldata instances) private view returns (uint256 modelId) {
        if (!BatchMerkle.includes(b.resultsRoot, b.n, index, _resultLeaf(batchId, index, leaf.outputs, leaf.boundaries), leaf.resultPath)) revert LeafNotInRoot();
        modelId = market.getPipeline(b.pipelineId)[stage];
        // A later stage reads one felt (registerPipeline): no `getModel`, whose copy of the model's
        // metadataURI (of any length, chosen by whoever registered it) the worker would pay for.
        _checkStageInstances(batchId, b, index, stage, stage == 0 ? b.numInputs : 1, leaf, instances);
    }

    /// The public values a stage proof must carry, as for a single task (PocomputeMarket's
    /// `_checkStageInstances`), with the task's inputs proved by their inclusion in the inputs
    /// root and its boundaries and outputs taken from its (included) leaf.
    function _checkStageInstances(uint256 batchId, Batch storage b, uint256 index, uint256 stage, uint256 numIn, LeafProof calldata leaf, uint256[] calldata instances) private view {
        uint256 numOut = stage + 1 == b.numStages ? b.numOutputs : 1;
        if (instances.length != numIn + numOut) revert IPocomputeMarket.WrongInstanceCount(numIn + numOut, instances.length);
        if (stage == 0) {
            bytes32 inputHash = keccak256(abi.encode(instances[:numIn]));
            if (!BatchMerkle.includes(b.inputsRoot, b.n, index, _inputLeaf(batchId, index, inputHash), leaf.inputPath)) revert IPocomputeMarket.InputMismatch();
        } else if (instances[0] != leaf.boundaries[stage - 1]) {
            revert IPocomputeMarket.BoundaryMismatch();
        }
        if (stage + 1 == b.numStages) {
            if (keccak256(abi.encode(instances[numIn:])) != keccak256(abi.encode(leaf.outputs))) revert IPocomputeMarket.OutputMismatch();
        } else if (instances[numIn] != leaf.boundaries[stage]) {
            revert IPocomputeMarket.BoundaryMismatch();
        }
    }

    /// A lapsed claim's bond goes to the requester (the worker who reserved the batch and vanished
    /// pays for the time lost), and its address is barred from the batch.
    function _settleLapsedClaim(uint256 batchId, Batch storage b) private {
        address lapsed = b.claimant;
        if (lapsed == address(0)) return;
        uint256 bond = b.claimBond;
        b.claimant = address(0);
        b.claimBond = 0;
        lapsedClaimant[batchId][lapsed] = true;
        emit BatchClaimLapsed(batchId, lapsed, bond);
        _pay(b.requester, bond);
    }

    /// Closes the listed open tasks and returns their rewards to the requester in one payment.
    function _closeOpen(uint256 batchId, Batch storage b, uint256[] calldata indices, uint8 reason) private {
        uint256 reward = b.rewardPerTask;
        uint256 amount;
        for (uint256 i = 0; i < indices.length; i++) {
            uint256 index = indices[i];
            if (index >= b.n) revert LeafOutOfRange(index, b.n);
            if (_isClosed(batchId, index)) revert TaskClosed(index);
            _close(batchId, b, index);
            amount += reward;
            emit BatchTaskClosed(batchId, index, reason, reward);
        }
        if (b.closed == b.n) b.status = IPocomputeMarket.Status.Refunded;
        _pay(b.requester, amount);
    }

    function _close(uint256 batchId, Batch storage b, uint256 index) private {
        closedBits[batchId][index >> 8] |= uint256(1) << (index & 0xff);
        b.closed += 1;
    }

    function _isClosed(uint256 batchId, uint256 index) private view returns (bool) {
        return closedBits[batchId][index >> 8] & (uint256(1) << (index & 0xff)) != 0;
    }

    function _challengeKey(uint256 batchId, uint256 index, uint32 stage) private pure returns (bytes32) {
        return keccak256(abi.encode(batchId, index, stage));
    }

    function _pay(address to, uint256 amount) private {
        if (amount == 0) return;
        if (!Payout.send(to, amount)) {
            credits[to] += amount;
            emit PaymentCredited(to, amount);
        }
    }

    function _batch(uint256 batchId) private view returns (Batch storage) {
        if (batchId >= batches.length) revert UnknownBatch();
        return batches[batchId];
    }
}
