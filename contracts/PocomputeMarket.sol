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
/// @notice Compute tasks with escrowed ETH rewards, paid only for a valid EZKL proof.
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

    enum Status { None, Open, Done, Refunded }

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

    event ModelRegistered(uint256 indexed modelId, address indexed owner, address verifier, address vka, bytes32 vkHash, uint32 numInputs, uint32 numOutputs, string metadataURI);
    event TaskPosted(uint256 indexed taskId, uint256 indexed modelId, address indexed requester, uint256 reward, uint64 deadline, bytes32 inputHash, uint256[] inputs, address consumer);
    event TaskClaimed(uint256 indexed taskId, address indexed claimant, uint64 claimExpiry);
    event ClaimLapsed(uint256 indexed taskId, address indexed claimant, uint256 bondForfeited);
    event TaskCompleted(uint256 indexed taskId, address indexed worker, uint256 reward, uint256[] outputs);
    event TaskRefunded(uint256 indexed taskId, address indexed requester, uint256 amount);
    event CallbackFailed(uint256 indexed taskId, address indexed consumer);

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
        if (msg.value == 0) revert NoReward();
        if (deadline <= block.timestamp) revert DeadlinePassed();
        if (inputs.length != models[modelId].numInputs) revert WrongInstanceCount(models[modelId].numInputs, inputs.length);
        if (consumer != address(0) && consumer.code.length == 0) revert ConsumerHasNoCode();
        taskId = tasks.length;
        bytes32 inputHash = keccak256(abi.encode(inputs));
        tasks.push(Task(modelId, inputHash, msg.value, deadline, 0, Status.Open, msg.sender, address(0), address(0), consumer));
        taskInputs[taskId] = inputs;
        emit TaskPosted(taskId, modelId, msg.sender, msg.value, deadline, inputHash, inputs, consumer);
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
        if (model.verifier.codehash != model.verifierCodeHash || (model.vka != address(0) && model.vka.codehash != model.vkaCodeHash)) revert VerifierChanged();
        if (!_verify(model, proof, instances)) revert InvalidProof();

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

    function getTask(uint256 taskId) external view returns (Task memory) {
        return _taskView(taskId);
    }

    function getTaskInputs(uint256 taskId) external view returns (uint256[] memory) {
        _taskView(taskId);
        return taskInputs[taskId];
    }

    function getTaskOutputs(uint256 taskId) external view returns (uint256[] memory) {
        _taskView(taskId);
        return taskOutputs[taskId];
    }

    function taskCount() external view returns (uint256) {
        return tasks.length;
    }

    // ---------------------------------------------------------------- internals

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
