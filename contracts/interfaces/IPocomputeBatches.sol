// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

import {IPocomputeMarket} from "./IPocomputeMarket.sol";

/// @title IPocomputeBatches
/// @notice Batched optimistic tasks: a requester posts N tasks of one pipeline in one transaction,
/// their inputs committed by a Merkle root computed from the calldata; one worker claims the batch,
/// states the N results in one transaction (their root computed from the calldata, so no result
/// can be withheld), with one bond of N worker bonds. Each task is addressable as (batchId, index),
/// cancellable and refundable on its own. Disputes stay per task and stage: anyone may challenge
/// one leaf's stage; the worker answers with that stage's zk proof and the leaf's inclusion proofs.
/// An unanswered challenge closes that task alone (its reward back to the requester, its worker
/// bond split between challenger and requester); after the window, one `finalize` pays the worker
/// for every other task. Results reach consumers one by one (`deliver`, with the inclusion proof).
/// @dev Deployed by the market (`PocomputeMarket`), whose models, pipelines and pinned verifiers
/// it uses: a stage proof is verified by the market (`verifyForBatches`), which records it as
/// public exactly as a single task's `respond` does.
interface IPocomputeBatches {
    struct Batch {
        address requester;
        uint64 deadline;
        IPocomputeMarket.Status status; // Open, Submitted, Done, or Refunded (every task closed)
        uint8 numStages;
        address consumer;
        uint32 n; // tasks in the batch
        uint32 numInputs; // input felts per task
        uint32 numOutputs; // output felts per task
        uint64 pipelineId;
        uint128 rewardPerTask;
        uint64 claimExpiry;
        IPocomputeMarket.OptimisticTerms terms; // workerBond is per task
        bytes32 inputsRoot;
        address claimant;
        uint32 closed; // tasks cancelled, refunded or lost: never paid to the worker
        uint32 lost; // tasks whose challenge went unanswered: their worker bond is forfeited
        uint32 openChallenges;
        uint128 claimBond;
        uint64 windowEnd;
        uint64 postedBlock; // the block of BatchPosted (the inputs): read it without a range scan
        address submitter;
        uint64 resultsBlock; // the block of BatchResultSubmitted (the results)
        bytes32 resultsRoot;
        uint64 lastResponseDeadline; // the latest challenge's deadline: the next one falls due ≥ responseTime / 2 later
    }

    /// @notice One open or answered challenge of one stage of one task of a batch.
    struct LeafChallenge {
        address challenger; // zero once settled or answered
        uint64 responseDeadline;
        bool answered;
    }

    /// @notice What a worker shows to answer a challenge: the task's stated result, its inclusion
    /// in the results root and, for stage 0, the task's inputs' inclusion in the inputs root.
    struct LeafProof {
        uint256[] outputs;
        uint256[] boundaries;
        bytes32[] resultPath;
        bytes32[] inputPath;
    }

    /// @notice The inputs, task after task, as the root commits them (deadline, consumer and terms:
    /// `getBatch`).
    event BatchPosted(uint256 indexed batchId, uint256 indexed pipelineId, address indexed requester, uint256 n, uint256 rewardPerTask, bytes32 inputsRoot, uint256[] inputs);
    event BatchClaimed(uint256 indexed batchId, address indexed claimant, uint64 claimExpiry, uint256 bond);
    event BatchClaimLapsed(uint256 indexed batchId, address indexed claimant, uint256 bondToRequester);
    event BatchResultSubmitted(uint256 indexed batchId, address indexed worker, bytes32 resultsRoot, uint256[] outputs, uint256[] boundaries, uint64 windowEnd);
    event LeafChallenged(uint256 indexed batchId, uint256 indexed index, uint32 stage, address indexed challenger, uint64 responseDeadline);
    event LeafChallengeAnswered(uint256 indexed batchId, uint256 indexed index, uint32 stage, address indexed challenger);
    event LeafChallengeUpheld(uint256 indexed batchId, uint256 indexed index, uint32 stage, address indexed challenger, uint256 paid);
    /// @notice A task was closed without paying the worker: `reason` 0 cancelled, 1 refunded, 2 lost.
    event BatchTaskClosed(uint256 indexed batchId, uint256 indexed index, uint8 reason, uint256 amount);
    event BatchFinalized(uint256 indexed batchId, address indexed worker, uint256 tasksPaid, uint256 payout);
    event BatchResultDelivered(uint256 indexed batchId, uint256 indexed index, address indexed consumer, bool ok);
    event PaymentCredited(address indexed to, uint256 amount);

    error UnknownBatch();
    error BatchTooLarge(uint256 max, uint256 got);
    /// @notice n × (outputs + stages − 1) result words would not fit one `submitResults`.
    error ResultsTooLarge(uint256 max, uint256 got);
    /// @notice The batch's deadline falls before a claim made now would end (now + claimTtl).
    error DeadlineInsideClaim(uint64 deadline, uint256 claimEnd);
    error UnevenReward();
    error LeafOutOfRange(uint256 index, uint256 n);
    error TaskClosed(uint256 index);
    error LeafNotInRoot();
    error AlreadyDelivered();

    /// @notice Posts `inputs.length / numInputs` tasks on `pipelineId`, `msg.value / n` each.
    /// @param inputs Every task's input felts, task after task.
    function postBatch(uint256 pipelineId, uint256[] calldata inputs, uint64 deadline, address consumer, IPocomputeMarket.OptimisticTerms calldata terms) external payable returns (uint256 batchId);

    /// @notice Reserves the whole batch for the market's `claimTtl` against the claim bond of its
    /// open tasks' rewards (`market.claimBondFor`); a lapsed claim's bond goes to the requester.
    /// Refused (`DeadlineInsideClaim`) unless the whole claim ends by the batch's deadline.
    function claim(uint256 batchId) external payable;

    /// @notice The live claimant states every task's outputs and inner boundaries (task after
    /// task) with `n` worker bonds; the results root is computed here.
    function submitResults(uint256 batchId, uint256[] calldata outputs, uint256[] calldata boundaries) external payable;

    /// @notice Challenges one stage of one task's result, inside the window.
    function challenge(uint256 batchId, uint256 index, uint32 stage) external payable;

    /// @notice The submitter answers a challenge with the stage's proof and the leaf's inclusion.
    function respond(uint256 batchId, uint256 index, uint32 stage, LeafProof calldata leaf, bytes calldata proof, uint256[] calldata instances) external;

    /// @notice After an unanswered challenge's deadline: the task is closed and refunded.
    function settleChallenge(uint256 batchId, uint256 index, uint32 stage) external;

    /// @notice After the window, no challenge open: pays the worker for every task not closed.
    function finalize(uint256 batchId) external;

    /// @notice Calls the batch's consumer with one task's finalized result and its inclusion proof.
    function deliver(uint256 batchId, uint256 index, uint256[] calldata outputs, uint256[] calldata boundaries, bytes32[] calldata path) external;

    /// @notice The requester closes open tasks of a batch nobody holds a live claim on.
    function cancel(uint256 batchId, uint256[] calldata indices) external;

    /// @notice After the deadline, returns open (never submitted) tasks' rewards to the requester.
    function refund(uint256 batchId, uint256[] calldata indices) external;

    function withdraw() external;

    function getBatch(uint256 batchId) external view returns (Batch memory);
    function batchCount() external view returns (uint256);
    function isClosed(uint256 batchId, uint256 index) external view returns (bool);
    function isDelivered(uint256 batchId, uint256 index) external view returns (bool);
    function getChallenge(uint256 batchId, uint256 index, uint32 stage) external view returns (LeafChallenge memory);
    /// @notice Whether (outputs, boundaries) is task `index`'s finalized result in the batch.
    function isFinalResult(uint256 batchId, uint256 index, uint256[] calldata outputs, uint256[] calldata boundaries, bytes32[] calldata path) external view returns (bool);
    function inputLeaf(uint256 batchId, uint256 index, bytes32 inputHash) external pure returns (bytes32);
    function resultLeaf(uint256 batchId, uint256 index, uint256[] calldata outputs, uint256[] calldata boundaries) external pure returns (bytes32);
}
