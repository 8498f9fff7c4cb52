// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

import {IPocomputeMarket} from "./interfaces/IPocomputeMarket.sol";
import {TaskKind} from "./interfaces/IInferenceConsumer.sol";

/// @notice An example of a contract that takes a model's answer from a pocompute receipt, and only
/// when the market paid for exactly that proof. A receipt names its task and its proof's hash
/// (`settlement.taskId`, `proof.hash` = keccak256 of the proof bytes); the market keeps, for a
/// paid task, the worker's commitment keccak256(abi.encode(taskId, worker, keccak256(proof)))
/// (ProofCommitment.commitment). So the hash alone — no proof, no verifier call — shows that the
/// answer was proved and paid on this chain. The answer it accepts is the outputs the market
/// recorded for the task (EZKL field elements), never values a caller passes in.
contract ReceiptConsumerExample {
    IPocomputeMarket public immutable market;
    /// The one model this contract takes answers from (a receipt of another model is refused).
    uint256 public immutable trustedModelId;
    /// The proof hash of the answer accepted for a task (zero: none yet).
    mapping(uint256 => bytes32) public acceptedProof;

    event AnswerAccepted(uint256 indexed taskId, bytes32 proofHash, uint256[] outputs);

    error NotPaidFor(uint256 taskId, bytes32 proofHash);
    error UntrustedModel(uint256 modelId);

    constructor(IPocomputeMarket market_, uint256 trustedModelId_) {
        market = market_;
        trustedModelId = trustedModelId_;
    }

    /// True if the market paid task `taskId` for the proof whose keccak256 is `proofHash`.
    function paidFor(uint256 taskId, bytes32 proofHash) public view returns (bool) {
        IPocomputeMarket.Task memory task = market.getTask(taskId);
        return task.kind == TaskKind.Proved && task.status == IPocomputeMarket.Status.Done
            && task.commitment == keccak256(abi.encode(taskId, task.worker, proofHash));
    }

    /// Accepts the answer a receipt names: the task's recorded outputs, if it was paid for that proof.
    function acceptReceipt(uint256 taskId, bytes32 proofHash) external returns (uint256[] memory outputs) {
        IPocomputeMarket.Task memory task = market.getTask(taskId);
        if (task.kind != TaskKind.Proved || task.targetId != trustedModelId) revert UntrustedModel(task.targetId);
        if (!paidFor(taskId, proofHash)) revert NotPaidFor(taskId, proofHash);
        outputs = market.getTaskOutputs(taskId);
        acceptedProof[taskId] = proofHash;
        emit AnswerAccepted(taskId, proofHash, outputs);
    }
}
