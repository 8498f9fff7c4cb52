// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IHalo2Verifier, IHalo2VerifierReusable} from "./interfaces/IHalo2Verifier.sol";
import {IInferenceConsumer, TaskKind} from "./interfaces/IInferenceConsumer.sol";
import {IPocomputeMarket} from "./interfaces/IPocomputeMarket.sol";
import {PocomputeBatches} from "./PocomputeBatches.sol";
import {InstanceLayout} from "./libraries/InstanceLayout.sol";
import {OptimisticBounds} from "./libraries/OptimisticBounds.sol";
import {ProofCommitment} from "./libraries/ProofCommitment.sol";
import {VkaStore} from "./libraries/VkaStore.sol";

/// @title PocomputeMarket
/// @notice See IPocomputeMarket. What no honest party can lose, and why:
/// - A copied `submit` pays no one: only the live claimant can submit, and only a proof it
///   committed to (bound to the task and its address) in an earlier block. A proof seen on this
///   market before a claimant's commitment is not that claimant's (`ProofAlreadyPaid`), so a copy
///   retargeted to another task needs a commitment made before the copier could see the proof.
///   Nothing a copier does makes the committed claimant's own reveal fail.
/// - A copied `respond` is refused (`NotSubmitter`); only the result's submitter answers.
/// - Claims cost a bond that scales with the reward; a lapsed claim forfeits it to the escrow.
/// - A challenge costs at least `minChallengerBond`, which pays for the answer if it was false.
contract PocomputeMarket is IPocomputeMarket, ReentrancyGuard {
    using InstanceLayout for uint256[];

    uint256 public immutable claimTtl;
    /// The smallest claim bond; a task's bond is the larger of this and `claimBondBps` of its reward.
    uint256 public immutable minClaimBond;
    uint256 public immutable claimBondBps;
    /// The smallest challenger bond an optimistic task may ask for.
    uint256 public immutable minChallengerBond;
    /// Batched tasks (PocomputeBatches), deployed with the market; it settles disputes with the
    /// market's pinned verifiers through `checkBatchProof`. Its address is the market's first
    /// CREATE (nonce 1).
    address private immutable batches;
    uint256 public constant CALLBACK_GAS = 500_000;
    /// Gas kept back for the work after the callback (the payout and bookkeeping).
    uint256 private constant AFTER_CALLBACK_GAS = 40_000;
    /// Gas forwarded with a payment; a recipient that needs more is credited instead.
    uint256 private constant PAY_GAS = 10_000;

    uint256 public constant MAX_STAGES = 64;
    uint32 public constant MIN_WINDOW = OptimisticBounds.MIN_WINDOW;
    uint32 public constant MAX_WINDOW = OptimisticBounds.MAX_WINDOW;
    uint32 public constant MIN_RESPONSE_TIME = OptimisticBounds.MIN_RESPONSE_TIME;
    uint32 public constant MAX_RESPONSE_TIME = OptimisticBounds.MAX_RESPONSE_TIME;

    Model[] private models;
    Task[] private tasks;
    mapping(uint256 => uint256[]) private taskOutputs;
    mapping(uint256 => uint256[]) private taskInputs;
    /// Verified tasks per worker: a reputation that only valid proofs can raise.
    mapping(address => uint256) public verifiedTasks;
    /// The block in which a proof (by its first commitment) was first revealed on this market.
    mapping(bytes32 => uint256) public proofFirstSeen;
    /// Addresses whose claim on a task lapsed: they may not claim that task again.
    mapping(uint256 => mapping(address => bool)) public lapsedClaimant;
    /// A pipeline: the stage models of one computation, in order (stage i's output is stage i+1's
    /// input, bound by one public Poseidon hash at each inner boundary).
    uint256[][] private pipelines;
    mapping(uint256 => OptimisticState) private optimisticTasks;
    mapping(uint256 => uint256[]) private taskBoundaries;
    /// Payments a recipient refused (a contract that reverts or burns gas): withdraw() pays them.
    mapping(address => uint256) public credits;

    constructor(uint256 claimTtl_, uint256 minClaimBond_, uint256 claimBondBps_, uint256 minChallengerBond_) {
        if (minClaimBond_ == 0 || claimBondBps_ > 10_000 || minChallengerBond_ == 0) revert BadTerms();
        claimTtl = claimTtl_;
        minClaimBond = minClaimBond_;
        claimBondBps = claimBondBps_;
        minChallengerBond = minChallengerBond_;
        batches = address(new PocomputeBatches(claimTtl_, minChallengerBond_));
    }

    // ---------------------------------------------------------------- models and pipelines

    /// @inheritdoc IPocomputeMarket
    function registerModel(address verifier, address vka, bytes32 vkHash, uint32 numInputs, uint32 numOutputs, string calldata metadataURI) external returns (uint256 modelId) {
        if (verifier.code.length == 0 || (vka != address(0) && !VkaStore.isStore(vka)) || numInputs == 0 || numOutputs == 0) revert BadModel();
        // The reusable verifier pays nothing for a key it has not registered: register it here
        // (anyone may; registering twice is harmless), so a registered model can always be paid.
        if (vka != address(0)) IHalo2VerifierReusable(verifier).registerVka(VkaStore.read(vka));
        modelId = models.length;
        models.push(Model(verifier, vka, vkHash, numInputs, numOutputs, msg.sender, verifier.codehash, vka == address(0) ? bytes32(0) : vka.codehash, metadataURI));
        emit ModelRegistered(modelId, msg.sender, verifier, vka, vkHash, numInputs, numOutputs, metadataURI);
    }

    /// @inheritdoc IPocomputeMarket
    function registerPipeline(uint256[] calldata stageModels) external returns (uint256 pipelineId) {
        uint256 n = stageModels.length;
        if (n == 0 || n > MAX_STAGES) revert BadPipeline(n);
        for (uint256 i = 0; i < n; i++) {
            if (stageModels[i] >= models.length) revert UnknownModel();
            Model storage m = models[stageModels[i]];
            if ((i > 0 && m.numInputs != 1) || (i + 1 < n && m.numOutputs != 1)) revert BadPipeline(i);
        }
        pipelineId = pipelines.length;
        pipelines.push(stageModels);
        emit PipelineRegistered(pipelineId, msg.sender, stageModels, models[stageModels[0]].numInputs, models[stageModels[n - 1]].numOutputs);
    }

    // ---------------------------------------------------------------- Proved tasks

    /// @inheritdoc IPocomputeMarket
    function postTask(uint256 modelId, uint256[] calldata inputs, uint64 deadline, address consumer) external payable returns (uint256 taskId) {
        if (modelId >= models.length) revert UnknownModel();
        taskId = _pushTask(TaskKind.Proved, modelId, models[modelId].numInputs, inputs, deadline, consumer);
        emit TaskPosted(taskId, modelId, msg.sender, msg.value, deadline, tasks[taskId].inputHash, inputs, consumer);
    }

    /// @inheritdoc IPocomputeMarket
    /// @dev A lapsed claim is settled first: its bond joins the escrow and its address is barred.
    function claim(uint256 taskId, bytes32 commitment) external payable nonReentrant {
        Task storage task = _task(taskId);
        if (task.status != Status.Open) revert TaskNotOpen();
        if (block.timestamp >= task.deadline) revert DeadlinePassed();
        if (task.claimant != address(0) && block.timestamp < task.claimExpiry) revert AlreadyClaimed(task.claimant, task.claimExpiry);
        _settleLapsedClaim(taskId, task);
        if (lapsedClaimant[taskId][msg.sender]) revert ClaimLapsedBefore();
        if (msg.value != task.claimBond) revert WrongBond(task.claimBond, msg.value);
        uint64 expiry = uint64(block.timestamp + claimTtl);
        if (expiry > task.deadline) expiry = task.deadline;
        task.claimant = msg.sender;
        task.claimExpiry = expiry;
        emit TaskClaimed(taskId, msg.sender, expiry, msg.value);
        if (commitment != bytes32(0)) _commit(taskId, task, commitment);
    }

    /// @inheritdoc IPocomputeMarket
    function commitProof(uint256 taskId, bytes32 commitment) external {
        Task storage task = _task(taskId);
        _requireLiveClaim(task, TaskKind.Proved);
        _commit(taskId, task, commitment);
    }

    /// @inheritdoc IPocomputeMarket
    /// @dev Records the outputs, pays, then tells the consumer (effects before interactions).
    function submit(uint256 taskId, bytes calldata proof, uint256[] calldata instances) external nonReentrant {
        Task storage task = _task(taskId);
        _requireLiveClaim(task, TaskKind.Proved);
        if (task.commitBlock == 0 || task.commitBlock >= block.number) revert NotCommitted();
        if (ProofCommitment.commitment(taskId, msg.sender, proof) != task.commitment) revert CommitmentMismatch();
        Model storage model = models[task.targetId];
        uint256 expected = uint256(model.numInputs) + model.numOutputs;
        if (instances.length != expected) revert WrongInstanceCount(expected, instances.length);
        if (!instances.inputsMatch(model.numInputs, task.inputHash)) revert InputMismatch();
        bytes32 key = ProofCommitment.key(proof);
        if (key == bytes32(0)) revert InvalidProof();
        uint256 seen = proofFirstSeen[key];
        // Seen before the commitment: the claimant committed to a proof that was already public.
        if (seen != 0 && seen <= task.commitBlock) revert ProofAlreadyPaid();
        if (!_verifyPinned(model, proof, instances)) revert InvalidProof();

        if (seen == 0) proofFirstSeen[key] = block.number;
        uint256 payout = task.reward + task.claimBond;
        task.status = Status.Done;
        task.worker = msg.sender;
        uint256[] memory outputs = instances[model.numInputs:];
        taskOutputs[taskId] = outputs;
        verifiedTasks[msg.sender] += 1;
        emit TaskCompleted(taskId, msg.sender, task.reward, outputs);
        _notifyConsumer(taskId, task, outputs);
        _pay(msg.sender, payout);
    }

    /// @inheritdoc IPocomputeMarket
    function refund(uint256 taskId) external nonReentrant {
        Task storage task = _task(taskId);
        if (task.status != Status.Open) revert TaskNotOpen();
        if (block.timestamp < task.deadline) revert DeadlineNotPassed();
        _settleLapsedClaim(taskId, task);
        _refund(taskId, task);
    }

    /// @inheritdoc IPocomputeMarket
    function cancel(uint256 taskId) external nonReentrant {
        Task storage task = _task(taskId);
        if (task.status != Status.Open) revert TaskNotOpen();
        if (msg.sender != task.requester) revert NotRequester();
        if (task.claimant != address(0) && block.timestamp < task.claimExpiry) revert AlreadyClaimed(task.claimant, task.claimExpiry);
        _settleLapsedClaim(taskId, task);
        _refund(taskId, task);
    }

    // ---------------------------------------------------------------- Optimistic tasks
    //
    // A pipeline's stages are ordinary registered models (their verifiers pinned by code hash and
    // attested off-chain like any model's). An optimistic result is the task's outputs plus the
    // N-1 inner boundary hashes (Poseidon of stage i's output = of stage i+1's input, as the stage
    // circuits expose them). The ends need no hash: stage 0's inputs and the last stage's outputs
    // are public instances, checked directly against the task's inputs and the stated outputs.
    // A challenge names one stage; the answer is that stage's proof, whose public values must be
    // exactly the committed ones, verified by that stage's pinned verifier.

    /// @inheritdoc IPocomputeMarket
    /// @dev Both bonds must be positive and the challenger bond at least `minChallengerBond`: a
    /// cheap challenge is a cheap way to make the worker pay for a proof and its gas.
    function postOptimisticTask(uint256 pipelineId, uint256[] calldata inputs, uint64 deadline, address consumer, OptimisticTerms calldata terms) external payable returns (uint256 taskId) {
        if (pipelineId >= pipelines.length) revert UnknownPipeline();
        if (terms.window < MIN_WINDOW || terms.window > MAX_WINDOW || terms.responseTime < MIN_RESPONSE_TIME || terms.responseTime > MAX_RESPONSE_TIME || terms.workerBond == 0) revert BadTerms();
        if (terms.challengerBond < minChallengerBond) revert ChallengerBondTooLow(minChallengerBond, terms.challengerBond);
        taskId = _pushTask(TaskKind.Optimistic, pipelineId, models[pipelines[pipelineId][0]].numInputs, inputs, deadline, consumer);
        optimisticTasks[taskId].terms = terms;
        emit OptimisticTaskPosted(taskId, pipelineId, msg.sender, msg.value, deadline, tasks[taskId].inputHash, inputs, consumer, terms);
    }

    /// @inheritdoc IPocomputeMarket
    /// @dev The challenge window starts; the claim bond stays locked with the result until settled.
    function submitResult(uint256 taskId, uint256[] calldata outputs, uint256[] calldata boundaries) external payable nonReentrant {
        Task storage task = _task(taskId);
        _requireLiveClaim(task, TaskKind.Optimistic);
        OptimisticState storage o = optimisticTasks[taskId];
        if (msg.value != o.terms.workerBond) revert WrongBond(o.terms.workerBond, msg.value);
        uint256[] storage stages = pipelines[task.targetId];
        uint32 numOutputs = models[stages[stages.length - 1]].numOutputs;
        if (outputs.length != numOutputs) revert WrongInstanceCount(numOutputs, outputs.length);
        if (boundaries.length != stages.length - 1) revert WrongInstanceCount(stages.length - 1, boundaries.length);
        task.status = Status.Submitted;
        o.submitter = msg.sender;
        o.windowEnd = uint64(block.timestamp) + o.terms.window;
        o.answered = 0;
        taskOutputs[taskId] = outputs;
        taskBoundaries[taskId] = boundaries;
        emit ResultSubmitted(taskId, msg.sender, outputs, boundaries, o.windowEnd);
    }

    /// @inheritdoc IPocomputeMarket
    /// @dev One challenge is open at a time; a stage already proved for this result cannot be
    /// challenged again.
    function challenge(uint256 taskId, uint32 stage) external payable nonReentrant {
        Task storage task = _task(taskId);
        if (task.status != Status.Submitted) revert TaskNotOpen();
        OptimisticState storage o = optimisticTasks[taskId];
        if (block.timestamp >= o.windowEnd) revert WindowClosed();
        if (o.challenger != address(0)) revert ChallengeOpen(o.challengedStage, o.responseDeadline);
        if (stage >= pipelines[task.targetId].length) revert BadStage();
        if (o.answered & (uint64(1) << stage) != 0) revert StageAlreadyAnswered();
        if (msg.value != o.terms.challengerBond) revert WrongBond(o.terms.challengerBond, msg.value);
        o.challenger = msg.sender;
        o.challengedStage = stage;
        o.challengedAt = uint64(block.timestamp);
        // From the challenge, not from the window's end: a last-second challenge leaves the full
        // response time.
        o.responseDeadline = uint64(block.timestamp) + o.terms.responseTime;
        emit Challenged(taskId, msg.sender, stage, o.responseDeadline);
    }

    /// @inheritdoc IPocomputeMarket
    /// @dev Only the submitter: a copy of its answer from the mempool is refused, never mined in its
    /// place. No once-only rule: the answer pays nobody but the submitter, and a proof that
    /// answers this result is a true statement about it however often it is used. The window is
    /// paused while a challenge is open, so a string of challenges cannot run out an honest
    /// challenger's time.
    function respond(uint256 taskId, bytes calldata proof, uint256[] calldata instances) external nonReentrant {
        Task storage task = _task(taskId);
        if (task.status != Status.Submitted) revert TaskNotOpen();
        OptimisticState storage o = optimisticTasks[taskId];
        if (msg.sender != o.submitter) revert NotSubmitter();
        address challenger = o.challenger;
        if (challenger == address(0)) revert NoOpenChallenge();
        if (block.timestamp >= o.responseDeadline) revert ResponseTimeOver();
        uint32 stage = o.challengedStage;
        uint256[] storage stages = pipelines[task.targetId];
        Model storage model = models[stages[stage]];
        _checkStageInstances(taskId, task, model, stage, stages.length, instances);
        bytes32 key = ProofCommitment.key(proof);
        if (key == bytes32(0)) revert InvalidProof();
        if (!_verifyPinned(model, proof, instances)) revert InvalidProof();

        // Now public: no claimant can commit to this proof for a Proved task from here on.
        if (proofFirstSeen[key] == 0) proofFirstSeen[key] = block.number;
        o.answered |= uint64(1) << stage;
        o.challenger = address(0);
        o.windowEnd += uint64(block.timestamp) - o.challengedAt;
        emit ChallengeAnswered(taskId, stage, challenger, o.submitter, o.windowEnd);
        _pay(o.submitter, o.terms.challengerBond);
    }

    /// @inheritdoc IPocomputeMarket
    /// @dev The challenger gets its bond back and half the worker bond, the requester (who was
    /// wronged) the other half; the claim bond joins the escrow, the worker is barred from the task
    /// and the task reopens (or is refunded after its deadline). Half, not all: a cheater whose
    /// accomplice challenges first still loses half its worker bond.
    function settleChallenge(uint256 taskId) external nonReentrant {
        Task storage task = _task(taskId);
        if (task.status != Status.Submitted) revert TaskNotOpen();
        OptimisticState storage o = optimisticTasks[taskId];
        address challenger = o.challenger;
        if (challenger == address(0)) revert NoOpenChallenge();
        if (block.timestamp < o.responseDeadline) revert ResponseTimeNotOver(o.responseDeadline);
        address worker = o.submitter;
        uint256 toRequester = uint256(o.terms.workerBond) / 2;
        uint256 paid = uint256(o.terms.workerBond) - toRequester + o.terms.challengerBond;
        o.challenger = address(0);
        o.submitter = address(0);
        o.windowEnd = 0;
        delete taskOutputs[taskId];
        delete taskBoundaries[taskId];
        task.status = Status.Open;
        _settleLapsedClaim(taskId, task);
        emit ChallengeUpheld(taskId, o.challengedStage, challenger, worker, paid);
        if (block.timestamp >= task.deadline) _refund(taskId, task);
        _pay(task.requester, toRequester);
        _pay(challenger, paid);
    }

    /// @inheritdoc IPocomputeMarket
    /// @dev The reward, the claim bond and the worker bond go to the worker; the outputs are
    /// recorded and the consumer called as for a Proved task.
    function finalize(uint256 taskId) external nonReentrant {
        Task storage task = _task(taskId);
        if (task.status != Status.Submitted) revert TaskNotOpen();
        OptimisticState storage o = optimisticTasks[taskId];
        if (o.challenger != address(0)) revert ChallengeOpen(o.challengedStage, o.responseDeadline);
        if (block.timestamp < o.windowEnd) revert WindowOpen(o.windowEnd);
        address worker = o.submitter;
        uint256 payout = task.reward + task.claimBond + o.terms.workerBond;
        task.status = Status.Done;
        task.worker = worker;
        task.claimant = address(0);
        uint256[] memory outputs = taskOutputs[taskId];
        emit TaskCompleted(taskId, worker, task.reward, outputs);
        _notifyConsumer(taskId, task, outputs);
        _pay(worker, payout);
    }

    /// @inheritdoc IPocomputeMarket
    /// @dev A batch's dispute answer is made public here exactly as a `respond`: no claimant can
    /// commit to it for a Proved task from this block on.
    function checkBatchProof(uint256 modelId, bytes calldata proof, uint256[] calldata instances) external nonReentrant returns (bool) {
        if (msg.sender != batches) revert NotBatches();
        bytes32 key = ProofCommitment.key(proof);
        if (key == bytes32(0) || !_verifyPinned(models[modelId], proof, instances)) return false;
        if (proofFirstSeen[key] == 0) proofFirstSeen[key] = block.number;
        return true;
    }

    // ---------------------------------------------------------------- payments and views

    /// @inheritdoc IPocomputeMarket
    function withdraw() external nonReentrant {
        uint256 amount = credits[msg.sender];
        if (amount == 0) revert NothingToWithdraw();
        credits[msg.sender] = 0;
        (bool ok, ) = payable(msg.sender).call{value: amount}("");
        if (!ok) revert TransferFailed();
    }

    function getModel(uint256 modelId) external view returns (Model memory) {
        if (modelId >= models.length) revert UnknownModel();
        return models[modelId];
    }

    function modelCount() external view returns (uint256) {
        return models.length;
    }

    function getPipeline(uint256 pipelineId) external view returns (uint256[] memory) {
        if (pipelineId >= pipelines.length) revert UnknownPipeline();
        return pipelines[pipelineId];
    }

    function pipelineCount() external view returns (uint256) {
        return pipelines.length;
    }

    function getTask(uint256 taskId) external view returns (Task memory) {
        return _task(taskId);
    }

    function getTaskInputs(uint256 taskId) external view returns (uint256[] memory) {
        _task(taskId);
        return taskInputs[taskId];
    }

    /// @notice The verified (Proved) or finalized (Optimistic) outputs; empty before (getResult
    /// shows a standing optimistic result).
    function getTaskOutputs(uint256 taskId) external view returns (uint256[] memory) {
        if (_task(taskId).status != Status.Done) return new uint256[](0);
        return taskOutputs[taskId];
    }

    /// @notice The standing result of an optimistic task (outputs, boundaries) and its challenge state.
    function getResult(uint256 taskId) external view returns (OptimisticState memory state, uint256[] memory outputs, uint256[] memory boundaries) {
        if (_task(taskId).kind != TaskKind.Optimistic) revert WrongKind();
        return (optimisticTasks[taskId], taskOutputs[taskId], taskBoundaries[taskId]);
    }

    function taskCount() external view returns (uint256) {
        return tasks.length;
    }

    /// @inheritdoc IPocomputeMarket
    function claimBondFor(uint256 reward) public view returns (uint256) {
        uint256 scaled = (reward * claimBondBps) / 10_000;
        return scaled > minClaimBond ? scaled : minClaimBond;
    }

    // ---------------------------------------------------------------- internals

    function _pushTask(TaskKind kind, uint256 targetId, uint256 numInputs, uint256[] calldata inputs, uint64 deadline, address consumer) private returns (uint256 taskId) {
        if (inputs.length != numInputs) revert WrongInstanceCount(numInputs, inputs.length);
        uint256 bad = inputs.firstNonFelt();
        if (bad != inputs.length) revert InputNotInField(bad);
        if (msg.value == 0) revert NoReward();
        if (deadline <= block.timestamp) revert DeadlinePassed();
        if (consumer != address(0) && consumer.code.length == 0) revert ConsumerHasNoCode();
        taskId = tasks.length;
        Task storage task = tasks.push();
        task.kind = kind;
        task.status = Status.Open;
        task.deadline = deadline;
        task.requester = msg.sender;
        task.targetId = targetId;
        task.inputHash = inputs.hashInputs();
        task.reward = msg.value;
        task.claimBond = claimBondFor(msg.value);
        task.consumer = consumer;
        taskInputs[taskId] = inputs;
    }

    /// The caller holds the live claim on this open task of this kind.
    function _requireLiveClaim(Task storage task, TaskKind kind) private view {
        if (task.status != Status.Open) revert TaskNotOpen();
        if (task.kind != kind) revert WrongKind();
        if (block.timestamp >= task.deadline) revert DeadlinePassed();
        if (task.claimant != msg.sender || block.timestamp >= task.claimExpiry) revert NotClaimant();
    }

    function _commit(uint256 taskId, Task storage task, bytes32 commitment) private {
        if (task.kind != TaskKind.Proved) revert WrongKind();
        task.commitment = commitment;
        task.commitBlock = uint64(block.number);
        emit ProofCommitted(taskId, msg.sender, commitment);
    }

    /// The public values a stage proof must carry: its input end is the task's inputs (stage 0) or
    /// the committed boundary before it; its output end the stated outputs (last stage) or the
    /// committed boundary after it. Stages past 0 have one input felt, stages before the last one
    /// output felt (registerPipeline checked).
    function _checkStageInstances(uint256 taskId, Task storage task, Model storage model, uint256 stage, uint256 n, uint256[] calldata instances) private view {
        uint256 numIn = model.numInputs;
        uint256 expected = numIn + model.numOutputs;
        if (instances.length != expected) revert WrongInstanceCount(expected, instances.length);
        uint256[] storage boundaries = taskBoundaries[taskId];
        if (stage == 0) {
            if (!instances.inputsMatch(numIn, task.inputHash)) revert InputMismatch();
        } else if (instances[0] != boundaries[stage - 1]) {
            revert BoundaryMismatch();
        }
        if (stage + 1 == n) {
            if (!instances.tailEquals(numIn, taskOutputs[taskId])) revert OutputMismatch();
        } else if (instances[numIn] != boundaries[stage]) {
            revert BoundaryMismatch();
        }
    }

    /// Verifies with the model's verifier, refusing if its (or its VKA's) code changed since
    /// registration: a metamorphic verifier can never pay.
    function _verifyPinned(Model storage model, bytes calldata proof, uint256[] calldata instances) private returns (bool) {
        if (model.verifier.codehash != model.verifierCodeHash || (model.vka != address(0) && model.vka.codehash != model.vkaCodeHash)) revert VerifierChanged();
        if (model.vka == address(0)) {
            try IHalo2Verifier(model.verifier).verifyProof(proof, instances) returns (bool ok) {
                return ok;
            } catch {
                return false;
            }
        }
        // The reusable verifier's return data is not its declared tuple: read its first word only.
        (bool ok, bytes memory answer) = model.verifier.call(
            abi.encodeCall(IHalo2VerifierReusable.verifyProof, (proof, instances, VkaStore.read(model.vka)))
        );
        return ok && answer.length >= 32 && uint256(bytes32(answer)) == 1;
    }

    /// The one payout policy: pushed with a gas cap and no return data copied; a recipient that
    /// refuses (reverts, burns gas, needs more) is credited instead, so no payout can block a
    /// settlement, and `withdraw` pays the credit.
    /// @dev libraries/Payout.sol states the same policy for PocomputeBatches; it is written out
    /// here because calling the library costs the single-task path 32-98 gas more (measured).
    function _pay(address to, uint256 amount) private {
        if (amount == 0) return;
        bool ok;
        uint256 gasCap = PAY_GAS;
        assembly {
            ok := call(gasCap, to, amount, 0, 0, 0, 0)
        }
        if (!ok) {
            credits[to] += amount;
            emit PaymentCredited(to, amount);
        }
    }

    /// Calls the consumer with a gas cap, copying no return data: a consumer that reverts, burns
    /// its gas, returns a huge blob or has lost its code cannot make a settlement fail. The caller
    /// must leave enough gas for the full cap, so a worker cannot starve the callback on purpose.
    function _notifyConsumer(uint256 taskId, Task storage task, uint256[] memory outputs) private {
        address consumer = task.consumer;
        if (consumer == address(0)) return;
        if (gasleft() < (CALLBACK_GAS * 64) / 63 + AFTER_CALLBACK_GAS) revert NotEnoughGasForCallback();
        bytes memory data = abi.encodeCall(IInferenceConsumer.onInference, (taskId, task.kind, task.targetId, outputs));
        uint256 gasCap = CALLBACK_GAS;
        bool ok;
        assembly {
            ok := call(gasCap, consumer, 0, add(data, 0x20), mload(data), 0, 0)
        }
        if (!ok) emit CallbackFailed(taskId, consumer);
    }

    /// An expired claim forfeits its bond to the task's escrow and bars that address from the task.
    function _settleLapsedClaim(uint256 taskId, Task storage task) private {
        address lapsed = task.claimant;
        if (lapsed == address(0)) return;
        task.reward += task.claimBond;
        task.claimant = address(0);
        task.commitment = bytes32(0);
        task.commitBlock = 0;
        lapsedClaimant[taskId][lapsed] = true;
        emit ClaimLapsed(taskId, lapsed, task.claimBond);
    }

    function _refund(uint256 taskId, Task storage task) private {
        uint256 amount = task.reward;
        task.status = Status.Refunded;
        emit TaskRefunded(taskId, task.requester, amount);
        _pay(task.requester, amount);
    }

    function _task(uint256 taskId) private view returns (Task storage) {
        if (taskId >= tasks.length) revert UnknownTask();
        return tasks[taskId];
    }
}
