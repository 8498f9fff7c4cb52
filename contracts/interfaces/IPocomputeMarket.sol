// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

import {TaskKind} from "./IInferenceConsumer.sol";

/// @title IPocomputeMarket
/// @notice Compute tasks with escrowed ETH rewards. A `Proved` task pays the claimant for a valid
/// EZKL proof of the model on the task's input; an `Optimistic` task pays a stated result after a
/// challenge window in which anyone may demand the zk proof of one stage of it.
/// @dev Every payment goes through one policy: pushed with a gas cap, credited (see `withdraw`)
/// if the recipient refuses it.
interface IPocomputeMarket {
    /// @notice Where a task stands. `Submitted`: an optimistic result in its challenge window.
    enum Status {
        None,
        Open,
        Done,
        Refunded,
        Submitted
    }

    struct Model {
        address verifier;
        address vka; // zero for the single-contract layout; else the VKA store (VkaStore) of a reusable verifier
        bytes32 vkHash;
        uint32 numInputs; // public instances that are the model's inputs (or their hashes) ...
        uint32 numOutputs; // ... followed by the outputs
        address owner;
        bytes32 verifierCodeHash; // extcodehash at registration: a changed verifier never pays
        bytes32 vkaCodeHash;
        string metadataURI;
    }

    struct Task {
        TaskKind kind;
        Status status;
        uint64 deadline;
        uint64 claimExpiry;
        address requester;
        /// A model id (`Proved`) or a pipeline id (`Optimistic`), as `kind` says.
        uint256 targetId;
        bytes32 inputHash; // keccak256(abi.encode(input instances))
        uint256 reward; // escrow: the posted reward plus any forfeited claim bonds
        uint256 claimBond; // what a claim on this task locks, fixed when it is posted
        address claimant;
        uint64 commitBlock; // the block of the claimant's proof commitment (Proved tasks)
        address worker;
        address consumer;
        bytes32 commitment; // keccak256(abi.encode(taskId, claimant, keccak256(proof)))
    }

    /// @notice The terms an optimistic task is posted with.
    struct OptimisticTerms {
        uint32 window; // seconds a result can be challenged (paused while a challenge is open)
        uint32 responseTime; // seconds the worker has to answer a challenge with a stage proof
        uint128 workerBond; // locked by submitResult; split by challenger and requester if a challenge is upheld
        uint128 challengerBond; // locked by challenge; the worker's if the challenge is answered
    }

    /// @notice The state of an optimistic task's current result (reset when a result is discarded).
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

    event ModelRegistered(uint256 indexed modelId, address indexed owner, address verifier, address vka, bytes32 vkHash, uint32 numInputs, uint32 numOutputs, string metadataURI);
    event TaskPosted(uint256 indexed taskId, uint256 indexed modelId, address indexed requester, uint256 reward, uint64 deadline, bytes32 inputHash, uint256[] inputs, address consumer);
    event TaskClaimed(uint256 indexed taskId, address indexed claimant, uint64 claimExpiry, uint256 bond);
    event ProofCommitted(uint256 indexed taskId, address indexed claimant, bytes32 commitment);
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
    /// A Proved task's proof must be committed by the claimant in an earlier block than its reveal.
    error NotCommitted();
    error CommitmentMismatch();
    error WrongInstanceCount(uint256 expected, uint256 got);
    error InputMismatch();
    /// An input instance is not a BN254 scalar-field element: no proof could ever carry it.
    error InputNotInField(uint256 index);
    error InvalidProof();
    /// The proof was revealed on this market before the claimant committed to it: a copy.
    error ProofAlreadyPaid();
    error VerifierChanged();
    error NoReward();
    error NotRequester();
    error TransferFailed();
    error BadModel();
    error ConsumerHasNoCode();
    error NotEnoughGasForCallback();
    error UnknownPipeline();
    error BadPipeline(uint256 stage);
    error BadTerms();
    /// The challenger bond is below the market's minimum (it must pay for the worker's answer).
    error ChallengerBondTooLow(uint256 minimum, uint256 got);
    error WrongKind();
    error WindowClosed();
    error WindowOpen(uint64 windowEnd);
    error ChallengeOpen(uint32 stage, uint64 responseDeadline);
    error NoOpenChallenge();
    error NotSubmitter();
    error BadStage();
    error StageAlreadyAnswered();
    error ResponseTimeOver();
    error ResponseTimeNotOver(uint64 responseDeadline);
    error BoundaryMismatch();
    error OutputMismatch();
    error NothingToWithdraw();
    /// Only the market's batch contract (PocomputeBatches) may ask it to verify a batch's stage proof.
    error NotBatches();

    // ------------------------------------------------------------ models and pipelines

    /// @notice Registers a model; the code hashes of its verifier (and VKA store) are pinned now. A
    /// reusable verifier (`vka` nonzero: a VkaStore) gets the VKA registered with it here.
    function registerModel(address verifier, address vka, bytes32 vkHash, uint32 numInputs, uint32 numOutputs, string calldata metadataURI) external returns (uint256 modelId);

    /// @notice Registers a pipeline of registered stage models; inner boundaries are one felt each.
    function registerPipeline(uint256[] calldata stageModels) external returns (uint256 pipelineId);

    // ------------------------------------------------------------ Proved tasks

    /// @notice Posts a Proved task: the reward is the ETH sent, held until a valid proof or the deadline.
    function postTask(uint256 modelId, uint256[] calldata inputs, uint64 deadline, address consumer) external payable returns (uint256 taskId);

    /// @notice Reserves an open task for `claimTtl` seconds against the task's `claimBond`.
    /// @param commitment Zero, or (Proved tasks) the proof commitment, as in `commitProof`.
    function claim(uint256 taskId, bytes32 commitment) external payable;

    /// @notice The live claimant commits to the proof it will reveal:
    /// `keccak256(abi.encode(taskId, claimant, keccak256(proof)))`. The reveal (`submit`) must
    /// come in a later block; a proof revealed on this market before the commitment is refused.
    function commitProof(uint256 taskId, bytes32 commitment) external;

    /// @notice Reveals the committed proof; pays the claimant the reward and its bond.
    function submit(uint256 taskId, bytes calldata proof, uint256[] calldata instances) external;

    /// @notice Returns the escrow to the requester after the deadline, if no proof was paid.
    function refund(uint256 taskId) external;

    /// @notice The requester withdraws an open task on which nobody holds a live claim.
    function cancel(uint256 taskId) external;

    // ------------------------------------------------------------ Optimistic tasks

    /// @notice Posts an Optimistic task on a pipeline; bonds and windows within the market's bounds.
    function postOptimisticTask(uint256 pipelineId, uint256[] calldata inputs, uint64 deadline, address consumer, OptimisticTerms calldata terms) external payable returns (uint256 taskId);

    /// @notice The live claimant states the outputs and inner boundaries with the worker bond.
    function submitResult(uint256 taskId, uint256[] calldata outputs, uint256[] calldata boundaries) external payable;

    /// @notice Challenges one stage of a standing result, locking the challenger bond.
    function challenge(uint256 taskId, uint32 stage) external payable;

    /// @notice The submitter answers the open challenge with the challenged stage's proof.
    function respond(uint256 taskId, bytes calldata proof, uint256[] calldata instances) external;

    /// @notice Settles a challenge not answered in time: the result is discarded.
    function settleChallenge(uint256 taskId) external;

    /// @notice Pays an unchallenged result after its window.
    function finalize(uint256 taskId) external;

    /// @notice For the market's batch contract only: verifies a stage proof with the model's
    /// pinned verifier and records the proof as public (as `respond` does).
    function checkBatchProof(uint256 modelId, bytes calldata proof, uint256[] calldata instances) external returns (bool);

    // ------------------------------------------------------------ payments and views

    /// @notice Pays out what a recipient refused when it was sent.
    function withdraw() external;

    function getModel(uint256 modelId) external view returns (Model memory);
    function modelCount() external view returns (uint256);
    function getPipeline(uint256 pipelineId) external view returns (uint256[] memory);
    function pipelineCount() external view returns (uint256);
    function getTask(uint256 taskId) external view returns (Task memory);
    function getTaskInputs(uint256 taskId) external view returns (uint256[] memory);
    function getTaskOutputs(uint256 taskId) external view returns (uint256[] memory);
    function getResult(uint256 taskId) external view returns (OptimisticState memory state, uint256[] memory outputs, uint256[] memory boundaries);
    function taskCount() external view returns (uint256);
    /// @notice The claim bond a task of this reward will carry.
    function claimBondFor(uint256 reward) external view returns (uint256);
}
