// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

/// EZKL's single-contract verifier (Halo2Verifier).
interface IHalo2Verifier {
    function verifyProof(bytes calldata proof, uint256[] calldata instances) external returns (bool);
}

/// EZKL's reusable verifier, which reads the verifying key from a separate artifact (VKA).
interface IHalo2VerifierReusable {
    function verifyProof(address vk, bytes calldata proof, uint256[] calldata instances) external returns (bool);
}

/// A contract that acts on trusted inference: it receives the verified outputs of a task.
interface IInferenceConsumer {
    function onInference(uint256 taskId, uint256 modelId, uint256[] calldata outputs) external;
}

/// @title PocomputeMarket
/// @notice Compute tasks with escrowed ETH rewards, paid only for a valid EZKL proof — or, for an
/// optimistic task, paid after a challenge window in which anyone may demand the zk proof of one
/// stage of the worker's result (see "optimistic tasks" below).
/// A worker first claims a task with a bond (binding itself as the claimant before any proof is
/// public), then submits the proof; only the live claimant can be paid, so a proof copied from the
/// mempool earns nothing. A claim that expires without a valid proof forfeits its bond to the task's
/// escrow (it goes to whoever is paid or refunded in the end), and that address cannot claim the
/// task again.
contract PocomputeMarket {
    struct Model {
        address verifier;
        address vka; // zero for the single-contract layout
        bytes32 vkHash;
        uint32 numInputs; // public instances that are the model's inputs (or their hashes) ...
        uint32 numOutputs; // ... followed by the outputs
        address owner;
        bytes32 verifierCodeHash; // extcodehash at registration: submit refuses if it changes
        bytes32 vkaCodeHash;
        string metadataURI;
    }

    /// Submitted: an optimistic result stands, in its challenge window (never used by zk tasks).
    enum Status { None, Open, Done, Refunded, Submitted }

    struct Task {
        uint256 modelId;
        bytes32 inputHash; // keccak256(abi.encode(input instances))
        uint256 reward; // escrow: the posted reward plus any forfeited claim bonds
        uint64 deadline;
        uint64 claimExpiry;
        Status status;
        address requester;
        address claimant;
        address worker;
        address consumer;
        bool optimistic; // modelId is then a pipeline id
    }

    /// The terms an optimistic task is posted with.
    struct OptimisticTerms {
        uint32 window; // seconds a result can be challenged (paused while a challenge is open)
        uint32 responseTime; // seconds the worker has to answer a challenge with a stage proof
        uint128 workerBond; // locked by submitResult; split by challenger and requester if a challenge is not answered
        uint128 challengerBond; // locked by challenge; the worker's if the challenge is answered
    }

    /// The state of an optimistic task's current result (reset when a result is discarded).
    struct OptimisticState {
        OptimisticTerms terms;
        address submitter;
        uint64 windowEnd;
        address challenger; // zero while no challenge is open
        uint64 challengedAt;
        uint64 responseDeadline;
        uint32 challengedStage;
        uint64 answered; // bit i: stage i was proved for this result, it cannot be challenged again
    }

    uint256 public immutable claimTtl;
    /// What a claim costs up front; returned with the reward on a valid submit, forfeited on expiry.
    uint256 public immutable claimBond;
    uint256 public constant CALLBACK_GAS = 500_000;
    /// Gas kept back for the work after the callback (the payout and bookkeeping).
    uint256 private constant AFTER_CALLBACK_GAS = 40_000;

    Model[] private models;
    Task[] private tasks;
    mapping(uint256 => uint256[]) private taskOutputs;
    mapping(uint256 => uint256[]) private taskInputs;
    /// Verified tasks per worker: a reputation that only valid proofs can raise.
    mapping(address => uint256) public verifiedTasks;
    /// keccak256 of the first commitment of every proof the market has paid for: a proof pays once.
    mapping(bytes32 => bool) public paidProofs;
    /// Addresses whose claim on a task lapsed: they may not claim that task again.
    mapping(uint256 => mapping(address => bool)) public lapsedClaimant;
    uint256 private locked = 1;

    /// A pipeline: the stage models of one computation, in order (stage i's output is stage i+1's
    /// input, bound by one public Poseidon hash at each inner boundary).
    uint256[][] private pipelines;
    mapping(uint256 => OptimisticState) private optimisticTasks;
    mapping(uint256 => uint256[]) private taskBoundaries;
    /// Payments a recipient refused (a contract that reverts or burns gas): withdraw() pays them.
    mapping(address => uint256) public credits;

    uint256 public constant MAX_STAGES = 64;
    uint32 public constant MIN_WINDOW = 60;
    uint32 public constant MAX_WINDOW = 30 days;
    uint32 public constant MIN_RESPONSE_TIME = 60;
    uint32 public constant MAX_RESPONSE_TIME = 7 days;
    /// Gas forwarded with an optimistic payment; a recipient that needs more is credited instead.
    uint256 private constant PAY_GAS = 10_000;

    event ModelRegistered(uint256 indexed modelId, address indexed owner, address verifier, address vka, bytes32 vkHash, uint32 numInputs, uint32 numOutputs, string metadataURI);
    event TaskPosted(uint256 indexed taskId, uint256 indexed modelId, address indexed requester, uint256 reward, uint64 deadline, bytes32 inputHash, uint256[] inputs, address consumer);
    event TaskClaimed(uint256 indexed taskId, address indexed claimant, uint64 claimExpiry);
    event ClaimLapsed(uint256 indexed taskId, address indexed claimant, uint256 bondForfeited);
    event TaskCompleted(uint256 indexed taskId, address indexed worker, uint256 reward, uint256[] outputs);
    event TaskRefunded(uint256 indexed taskId, address indexed requester, uint256 amount);
    event CallbackFailed(uint256 indexed taskId, address indexed consumer);
    event PipelineRegistered(uint256 indexed pipelineId, address indexed owner, uint256[] stageModels, uint32 numInputs, uint32 numOutputs);
    event OptimisticTaskPosted(uint256 indexed taskId, uint256 indexed pipelineId, address indexed requester, uint256 reward, uint64 deadline, bytes32 inputHash, uint256[] inputs, address consumer, OptimisticTerms terms);
    event ResultSubmitted(uint256 indexed taskId, address indexed worker, uint256[] outputs, uint256[] boundaries, uint64 windowEnd);
    event Challenged(uint256 indexed taskId, address indexed challenger, uint32 stage, uint64 responseDeadline);
    event ChallengeAnswered(uint256 indexed taskId, uint32 stage, address indexed challenger, address indexed worker, uint64 windowEnd);
    event ChallengeUpheld(uint256 indexed taskId, uint32 stage, address indexed challenger, address indexed worker, uint256 paid);
    event PaymentCredited(address indexed to, uint256 amount);

    error UnknownModel();
    error UnknownTask();
    error TaskNotOpen();
    error DeadlinePassed();
    error DeadlineNotPassed();
    error AlreadyClaimed(address claimant, uint64 claimExpiry);
    error ClaimLapsedBefore();
    error WrongBond(uint256 expected, uint256 got);
    error NotClaimant();
    error WrongInstanceCount(uint256 expected, uint256 got);
    error InputMismatch();
    error InvalidProof();
    error ProofAlreadyPaid();
    error VerifierChanged();
    error NoReward();
    error NotRequester();
    error TransferFailed();
    error Reentrancy();
    error BadModel();
    error ConsumerHasNoCode();
    error NotEnoughGasForCallback();
    error UnknownPipeline();
    error BadPipeline(uint256 stage);
    error BadTerms();
    error WrongMode();
    error WindowClosed();
    error WindowOpen(uint64 windowEnd);
    error ChallengeOpen(uint32 stage, uint64 responseDeadline);
    error NoOpenChallenge();
    error BadStage();
    error StageAlreadyAnswered();
    error ResponseTimeOver();
    error ResponseTimeNotOver(uint64 responseDeadline);
    error BoundaryMismatch();
    error OutputMismatch();
    error NothingToWithdraw();

    modifier nonReentrant() {
        if (locked != 1) revert Reentrancy();
        locked = 2;
        _;
        locked = 1;
    }

    constructor(uint256 claimTtl_, uint256 claimBond_) {
        claimTtl = claimTtl_;
        claimBond = claimBond_;
    }

    // ---------------------------------------------------------------- models

    /// Registers a model. The code hashes of the verifier and VKA are recorded now: a verifier
    /// whose code is replaced later (a metamorphic contract) can never pay a task.
    function registerModel(address verifier, address vka, bytes32 vkHash, uint32 numInputs, uint32 numOutputs, string calldata metadataURI) external returns (uint256 modelId) {
        if (verifier.code.length == 0 || (vka != address(0) && vka.code.length == 0) || numInputs == 0 || numOutputs == 0) revert BadModel();
        modelId = models.length;
        models.push(Model(verifier, vka, vkHash, numInputs, numOutputs, msg.sender, verifier.codehash, vka == address(0) ? bytes32(0) : vka.codehash, metadataURI));
        emit ModelRegistered(modelId, msg.sender, verifier, vka, vkHash, numInputs, numOutputs, metadataURI);
    }

    function getModel(uint256 modelId) external view returns (Model memory) {
        if (modelId >= models.length) revert UnknownModel();
        return models[modelId];
    }

    function modelCount() external view returns (uint256) {
        return models.length;
    }

    // ---------------------------------------------------------------- tasks

    /// Posts a task: the reward is the ETH sent, held until a valid proof or the deadline.
    function postTask(uint256 modelId, uint256[] calldata inputs, uint64 deadline, address consumer) external payable returns (uint256 taskId) {
        if (modelId >= models.length) revert UnknownModel();
        if (inputs.length != models[modelId].numInputs) revert WrongInstanceCount(models[modelId].numInputs, inputs.length);
        taskId = _pushTask(modelId, inputs, deadline, consumer, false);
        emit TaskPosted(taskId, modelId, msg.sender, msg.value, deadline, tasks[taskId].inputHash, inputs, consumer);
    }

    /// Reserves an open task for the caller for `claimTtl` seconds (or until the deadline), against
    /// a bond of exactly `claimBond`. A lapsed claim is settled first: its bond joins the escrow.
    /// The bond is the same for every claim, so a task holds one iff it has a claimant.
    function claim(uint256 taskId) external payable nonReentrant {
        Task storage task = _task(taskId);
        if (task.status != Status.Open) revert TaskNotOpen();
        if (block.timestamp >= task.deadline) revert DeadlinePassed();
        if (task.claimant != address(0) && block.timestamp < task.claimExpiry) revert AlreadyClaimed(task.claimant, task.claimExpiry);
        _settleLapsedClaim(taskId, task);
        if (lapsedClaimant[taskId][msg.sender]) revert ClaimLapsedBefore();
        if (msg.value != claimBond) revert WrongBond(claimBond, msg.value);
        uint64 expiry = uint64(block.timestamp + claimTtl);
        if (expiry > task.deadline) expiry = task.deadline;
        task.claimant = msg.sender;
        task.claimExpiry = expiry;
        emit TaskClaimed(taskId, msg.sender, expiry);
    }

    /// Verifies the proof for the task's model and input; pays the claimant (reward and bond back),
    /// records the outputs, then tells the consumer.
    function submit(uint256 taskId, bytes calldata proof, uint256[] calldata instances) external nonReentrant {
        Task storage task = _task(taskId);
        if (task.status != Status.Open) revert TaskNotOpen();
        if (task.optimistic) revert WrongMode();
        if (block.timestamp >= task.deadline) revert DeadlinePassed();
        if (task.claimant != msg.sender || block.timestamp >= task.claimExpiry) revert NotClaimant();
        Model storage model = models[task.modelId];
        uint256 expected = uint256(model.numInputs) + model.numOutputs;
        if (instances.length != expected) revert WrongInstanceCount(expected, instances.length);
        if (keccak256(abi.encode(instances[:model.numInputs])) != task.inputHash) revert InputMismatch();
        // A proof is known by its first commitment (the first 64 bytes, a curve point blinded anew
        // in every honest proof): bytes appended to a paid proof cannot make it a new one.
        if (proof.length < 64) revert InvalidProof();
        bytes32 proofHash = keccak256(proof[:64]);
        if (paidProofs[proofHash]) revert ProofAlreadyPaid();
        if (!_verifyPinned(model, proof, instances)) revert InvalidProof();

        // Effects before interactions: the task is done and paid once, whatever the callee does.
        uint256 payout = task.reward + claimBond;
        task.status = Status.Done;
        task.worker = msg.sender;
        paidProofs[proofHash] = true;
        uint256[] memory outputs = instances[model.numInputs:];
        taskOutputs[taskId] = outputs;
        verifiedTasks[msg.sender] += 1;
        emit TaskCompleted(taskId, msg.sender, task.reward, outputs);

        address consumer = task.consumer;
        if (consumer != address(0) && !_callConsumer(consumer, taskId, task.modelId, outputs)) {
            emit CallbackFailed(taskId, consumer);
        }
        (bool ok, ) = payable(msg.sender).call{value: payout}("");
        if (!ok) revert TransferFailed();
    }

    /// Returns the escrow to the requester once the deadline has passed without a valid proof.
    function refund(uint256 taskId) external nonReentrant {
        Task storage task = _task(taskId);
        if (task.status != Status.Open) revert TaskNotOpen();
        if (block.timestamp < task.deadline) revert DeadlineNotPassed();
        _settleLapsedClaim(taskId, task);
        _refund(taskId, task);
    }

    /// The requester may withdraw a task whenever nobody holds a live claim on it.
    function cancel(uint256 taskId) external nonReentrant {
        Task storage task = _task(taskId);
        if (task.status != Status.Open) revert TaskNotOpen();
        if (msg.sender != task.requester) revert NotRequester();
        if (task.claimant != address(0) && block.timestamp < task.claimExpiry) revert AlreadyClaimed(task.claimant, task.claimExpiry);
        _settleLapsedClaim(taskId, task);
        _refund(taskId, task);
    }

    // ---------------------------------------------------------------- optimistic tasks
    //
    // A pipeline's stages are ordinary registered models (their verifiers pinned by code hash and
    // attested off-chain like any model's). An optimistic result is the task's outputs plus the
    // N-1 inner boundary hashes (Poseidon of stage i's output = of stage i+1's input, as the stage
    // circuits expose them). The ends need no hash: stage 0's inputs and the last stage's outputs
    // are public instances, checked directly against the task's inputs and the stated outputs.
    // A challenge names one stage; the answer is that stage's proof, whose public values must be
    // exactly the committed ones, verified by that stage's pinned verifier.

    /// Registers a pipeline of registered stage models. The instance layouts must chain: every
    /// inner boundary is one felt (stage i's only output, stage i+1's only input).
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

    function getPipeline(uint256 pipelineId) external view returns (uint256[] memory) {
        if (pipelineId >= pipelines.length) revert UnknownPipeline();
        return pipelines[pipelineId];
    }

    function pipelineCount() external view returns (uint256) {
        return pipelines.length;
    }

    /// Posts an optimistic task on a pipeline: claimed as any task, answered with a result and a
    /// bond instead of a proof. Both bonds must be positive (a free challenge is a free delay, a
    /// free result a free lie), and the windows long enough to act in.
    function postOptimisticTask(uint256 pipelineId, uint256[] calldata inputs, uint64 deadline, address consumer, OptimisticTerms calldata terms) external payable returns (uint256 taskId) {
        if (pipelineId >= pipelines.length) revert UnknownPipeline();
        uint32 numInputs = models[pipelines[pipelineId][0]].numInputs;
        if (inputs.length != numInputs) revert WrongInstanceCount(numInputs, inputs.length);
        if (terms.window < MIN_WINDOW || terms.window > MAX_WINDOW || terms.responseTime < MIN_RESPONSE_TIME || terms.responseTime > MAX_RESPONSE_TIME || terms.workerBond == 0 || terms.challengerBond == 0) revert BadTerms();
        taskId = _pushTask(pipelineId, inputs, deadline, consumer, true);
        optimisticTasks[taskId].terms = terms;
        emit OptimisticTaskPosted(taskId, pipelineId, msg.sender, msg.value, deadline, tasks[taskId].inputHash, inputs, consumer, terms);
    }

    /// The live claimant states the outputs and the inner boundaries, locking the worker bond; the
    /// challenge window starts. The claim bond stays locked with it until the result is settled.
    function submitResult(uint256 taskId, uint256[] calldata outputs, uint256[] calldata boundaries) external payable nonReentrant {
        Task storage task = _task(taskId);
        if (task.status != Status.Open) revert TaskNotOpen();
        if (!task.optimistic) revert WrongMode();
        if (block.timestamp >= task.deadline) revert DeadlinePassed();
        if (task.claimant != msg.sender || block.timestamp >= task.claimExpiry) revert NotClaimant();
        OptimisticState storage o = optimisticTasks[taskId];
        if (msg.value != o.terms.workerBond) revert WrongBond(o.terms.workerBond, msg.value);
        uint256[] storage stages = pipelines[task.modelId];
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

    /// Challenges one stage of a standing result, locking the challenger bond. One challenge is
    /// open at a time; a stage already proved for this result cannot be challenged again.
    function challenge(uint256 taskId, uint32 stage) external payable nonReentrant {
        Task storage task = _task(taskId);
        if (task.status != Status.Submitted) revert TaskNotOpen();
        OptimisticState storage o = optimisticTasks[taskId];
        if (block.timestamp >= o.windowEnd) revert WindowClosed();
        if (o.challenger != address(0)) revert ChallengeOpen(o.challengedStage, o.responseDeadline);
        if (stage >= pipelines[task.modelId].length) revert BadStage();
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

    /// Answers the open challenge with the challenged stage's proof. Anyone may send it (the worker
    /// or a service acting for it); the challenger's bond goes to the worker either way. The window
    /// is paused while a challenge is open, so a string of challenges (from an accomplice of a
    /// cheating worker, say) cannot run out the time of an honest challenger.
    function respond(uint256 taskId, bytes calldata proof, uint256[] calldata instances) external nonReentrant {
        Task storage task = _task(taskId);
        if (task.status != Status.Submitted) revert TaskNotOpen();
        OptimisticState storage o = optimisticTasks[taskId];
        address challenger = o.challenger;
        if (challenger == address(0)) revert NoOpenChallenge();
        if (block.timestamp >= o.responseDeadline) revert ResponseTimeOver();
        uint32 stage = o.challengedStage;
        uint256[] storage stages = pipelines[task.modelId];
        Model storage model = models[stages[stage]];
        _checkStageInstances(taskId, task, model, stage, stages.length, instances);
        // A proof pays once, in either mode: known by its first commitment as in submit, so a
        // proof paid by a zk task cannot answer, and an answer cannot then be paid by a zk task.
        if (proof.length < 64) revert InvalidProof();
        bytes32 proofHash = keccak256(proof[:64]);
        if (paidProofs[proofHash]) revert ProofAlreadyPaid();
        if (!_verifyPinned(model, proof, instances)) revert InvalidProof();

        paidProofs[proofHash] = true;
        o.answered |= uint64(1) << stage;
        o.challenger = address(0);
        o.windowEnd += uint64(block.timestamp) - o.challengedAt;
        emit ChallengeAnswered(taskId, stage, challenger, o.submitter, o.windowEnd);
        _pay(o.submitter, o.terms.challengerBond);
    }

    /// Settles a challenge the worker did not answer in time: the challenger gets its bond back and
    /// half the worker bond, the requester (who was wronged) the other half, the claim bond goes to
    /// the escrow, the result is discarded and the worker barred from the task. The task reopens
    /// for other workers, or is refunded if its deadline has passed. Half, not all: a cheater whose
    /// accomplice challenges first (front-running the honest watcher) loses half its worker bond.
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
        _settleLapsedClaim(taskId, task); // the worker's claim bond joins the escrow; barred
        emit ChallengeUpheld(taskId, o.challengedStage, challenger, worker, paid);
        if (block.timestamp >= task.deadline) {
            // Too late for another worker: the escrow goes back (credited if the requester
            // refuses it, so the challenger's payout never waits on the requester).
            uint256 amount = task.reward;
            task.status = Status.Refunded;
            emit TaskRefunded(taskId, task.requester, amount);
            _pay(task.requester, amount);
        }
        _pay(task.requester, toRequester);
        _pay(challenger, paid);
    }

    /// Pays an unchallenged result after its window: the reward, the claim bond and the worker
    /// bond to the worker; the outputs are recorded and the consumer called as for a zk task.
    function finalize(uint256 taskId) external nonReentrant {
        Task storage task = _task(taskId);
        if (task.status != Status.Submitted) revert TaskNotOpen();
        OptimisticState storage o = optimisticTasks[taskId];
        if (o.challenger != address(0)) revert ChallengeOpen(o.challengedStage, o.responseDeadline);
        if (block.timestamp < o.windowEnd) revert WindowOpen(o.windowEnd);
        address worker = o.submitter;
        uint256 payout = task.reward + claimBond + o.terms.workerBond;
        task.status = Status.Done;
        task.worker = worker;
        task.claimant = address(0);
        uint256[] memory outputs = taskOutputs[taskId];
        emit TaskCompleted(taskId, worker, task.reward, outputs);
        address consumer = task.consumer;
        if (consumer != address(0) && !_callConsumer(consumer, taskId, task.modelId, outputs)) {
            emit CallbackFailed(taskId, consumer);
        }
        _pay(worker, payout);
    }

    /// Pays out what a recipient refused when it was sent (see _pay).
    function withdraw() external nonReentrant {
        uint256 amount = credits[msg.sender];
        if (amount == 0) revert NothingToWithdraw();
        credits[msg.sender] = 0;
        (bool ok, ) = payable(msg.sender).call{value: amount}("");
        if (!ok) revert TransferFailed();
    }

    /// The standing result of an optimistic task (outputs, boundaries) and its challenge state.
    function getResult(uint256 taskId) external view returns (OptimisticState memory state, uint256[] memory outputs, uint256[] memory boundaries) {
        Task memory task = _taskView(taskId);
        if (!task.optimistic) revert WrongMode();
        return (optimisticTasks[taskId], taskOutputs[taskId], taskBoundaries[taskId]);
    }

    // ---------------------------------------------------------------- views

    function getTask(uint256 taskId) external view returns (Task memory) {
        return _taskView(taskId);
    }

    function getTaskInputs(uint256 taskId) external view returns (uint256[] memory) {
        _taskView(taskId);
        return taskInputs[taskId];
    }

    /// The verified (zk) or finalized (optimistic) outputs; empty before (getResult shows a
    /// standing optimistic result).
    function getTaskOutputs(uint256 taskId) external view returns (uint256[] memory) {
        if (_taskView(taskId).status != Status.Done) return new uint256[](0);
        return taskOutputs[taskId];
    }

    function taskCount() external view returns (uint256) {
        return tasks.length;
    }

    // ---------------------------------------------------------------- internals

    function _pushTask(uint256 modelId, uint256[] calldata inputs, uint64 deadline, address consumer, bool optimistic) private returns (uint256 taskId) {
        if (msg.value == 0) revert NoReward();
        if (deadline <= block.timestamp) revert DeadlinePassed();
        if (consumer != address(0) && consumer.code.length == 0) revert ConsumerHasNoCode();
        taskId = tasks.length;
        tasks.push(Task(modelId, keccak256(abi.encode(inputs)), msg.value, deadline, 0, Status.Open, msg.sender, address(0), address(0), consumer, optimistic));
        taskInputs[taskId] = inputs;
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
            if (keccak256(abi.encode(instances[:numIn])) != task.inputHash) revert InputMismatch();
        } else if (instances[0] != boundaries[stage - 1]) {
            revert BoundaryMismatch();
        }
        if (stage + 1 == n) {
            uint256[] storage outputs = taskOutputs[taskId];
            for (uint256 i = 0; i < outputs.length; i++) {
                if (instances[numIn + i] != outputs[i]) revert OutputMismatch();
            }
        } else if (instances[numIn] != boundaries[stage]) {
            revert BoundaryMismatch();
        }
    }

    /// Verifies with the model's verifier, refusing if its (or its VKA's) code changed since
    /// registration: a metamorphic verifier can never pay.
    function _verifyPinned(Model storage model, bytes calldata proof, uint256[] calldata instances) private returns (bool) {
        if (model.verifier.codehash != model.verifierCodeHash || (model.vka != address(0) && model.vka.codehash != model.vkaCodeHash)) revert VerifierChanged();
        return _verify(model, proof, instances);
    }

    /// Pays with a gas cap and no return data copied; a recipient that refuses (reverts, burns gas,
    /// needs more) is credited instead, so no payout can block a settlement.
    function _pay(address to, uint256 amount) private {
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

    function _verify(Model storage model, bytes calldata proof, uint256[] calldata instances) private returns (bool) {
        if (model.vka == address(0)) {
            try IHalo2Verifier(model.verifier).verifyProof(proof, instances) returns (bool ok) {
                return ok;
            } catch {
                return false;
            }
        }
        try IHalo2VerifierReusable(model.verifier).verifyProof(model.vka, proof, instances) returns (bool ok) {
            return ok;
        } catch {
            return false;
        }
    }

    /// Calls the consumer with a gas cap, copying no return data: a consumer that reverts, burns
    /// its gas, returns a huge blob or has lost its code cannot make submit fail. The caller must
    /// leave enough gas for the full cap, so a worker cannot starve the callback on purpose.
    function _callConsumer(address consumer, uint256 taskId, uint256 modelId, uint256[] memory outputs) private returns (bool ok) {
        if (gasleft() < (CALLBACK_GAS * 64) / 63 + AFTER_CALLBACK_GAS) revert NotEnoughGasForCallback();
        bytes memory data = abi.encodeCall(IInferenceConsumer.onInference, (taskId, modelId, outputs));
        uint256 gasCap = CALLBACK_GAS;
        assembly {
            ok := call(gasCap, consumer, 0, add(data, 0x20), mload(data), 0, 0)
        }
    }

    /// An expired claim forfeits its bond to the task's escrow and bars that address from the task.
    function _settleLapsedClaim(uint256 taskId, Task storage task) private {
        address lapsed = task.claimant;
        if (lapsed == address(0)) return;
        task.reward += claimBond;
        task.claimant = address(0);
        lapsedClaimant[taskId][lapsed] = true;
        emit ClaimLapsed(taskId, lapsed, claimBond);
    }

    function _refund(uint256 taskId, Task storage task) private {
        uint256 amount = task.reward;
        task.status = Status.Refunded;
        emit TaskRefunded(taskId, task.requester, amount);
        (bool ok, ) = payable(task.requester).call{value: amount}("");
        if (!ok) revert TransferFailed();
    }

    function _task(uint256 taskId) private view returns (Task storage) {
        if (taskId >= tasks.length) revert UnknownTask();
        return tasks[taskId];
    }

    function _taskView(uint256 taskId) private view returns (Task memory) {
        if (taskId >= tasks.length) revert UnknownTask();
        return tasks[taskId];
    }
}
