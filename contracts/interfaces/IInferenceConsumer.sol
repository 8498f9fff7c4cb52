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
