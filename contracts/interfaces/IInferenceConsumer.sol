// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

/// @notice What kind of task produced a result, and so what its id names.
/// @dev `Proved`: paid for a zk proof of the whole model; the id is a **model** id
/// (`getModel`). `Optimistic`: paid after a challenge window in which any stage could be
/// disproved; the id is a **pipeline** id (`getPipeline`). Model 3 and pipeline 3 are unrelated.
enum TaskKind {
    Proved,
    Optimistic
}

/// @notice A contract that acts on trusted inference: the market calls it with a task's outputs.
interface IInferenceConsumer {
    /// @notice Called once, when a task is paid (a proof verified, or an optimistic window closed
    /// unchallenged), with at most `CALLBACK_GAS`; a revert here never blocks the payment.
    /// @param taskId The market's task id.
    /// @param kind How the outputs were established: check it before trusting `id`.
    /// @param id A model id if `kind` is `Proved`, a pipeline id if `Optimistic`.
    /// @param outputs The outputs as EZKL field elements (fixed point, value * 2^scale,
    /// negatives as r - |x|).
    function onInference(uint256 taskId, TaskKind kind, uint256 id, uint256[] calldata outputs) external;
}

/// @notice A contract that acts on the results of batched tasks (`IPocomputeBatches`). A batch's
/// results are committed by one Merkle root; each is delivered on its own, with its inclusion proof.
interface IBatchInferenceConsumer {
    /// @notice Called once per task of a finalized batch, by whoever delivers it
    /// (`IPocomputeBatches.deliver`), with at most `CALLBACK_GAS`; a revert here blocks nothing.
    /// @param batchId The batch's id on the batch settlement contract (`msg.sender`).
    /// @param index The task's position in the batch.
    /// @param pipelineId The pipeline the batch ran on (a pipeline id, never a model id).
    /// @param outputs The task's outputs as EZKL field elements.
    /// @param boundaries The task's inner stage boundaries (the rest of its leaf).
    /// @param resultsRoot The batch's results root, as `getBatch(batchId).resultsRoot` holds it.
    /// @param path The leaf's inclusion proof: a consumer may check it itself
    /// (`IPocomputeBatches.isFinalResult(batchId, index, outputs, boundaries, path)`).
    function onBatchInference(uint256 batchId, uint256 index, uint256 pipelineId, uint256[] calldata outputs, uint256[] calldata boundaries, bytes32 resultsRoot, bytes32[] calldata path) external;
}
