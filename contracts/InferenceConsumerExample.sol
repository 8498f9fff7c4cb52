// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

import {IInferenceConsumer, TaskKind} from "./interfaces/IInferenceConsumer.sol";

/// @notice An example of a contract that acts on trusted inference. It trusts exactly one source —
/// a task kind and an id of that kind — and refuses everything else: model 3 and pipeline 3 are
/// different things, and outputs of a pipeline it never vetted must not pass for model 3's.
/// Outputs are EZKL field elements: fixed-point integers (value * 2^scale, negatives as r - |x|)
/// for the model's output scale.
contract InferenceConsumerExample is IInferenceConsumer {
    address public immutable market;
    TaskKind public immutable trustedKind;
    uint256 public immutable trustedId;
    uint256 public lastTaskId;
    uint256[] private lastOutputs;
    uint256 public calls;

    event InferenceReceived(uint256 indexed taskId, TaskKind kind, uint256 indexed id, uint256[] outputs);

    error OnlyMarket();
    error UntrustedSource(TaskKind kind, uint256 id);

    constructor(address market_, TaskKind trustedKind_, uint256 trustedId_) {
        market = market_;
        trustedKind = trustedKind_;
        trustedId = trustedId_;
    }

    /// @inheritdoc IInferenceConsumer
    function onInference(uint256 taskId, TaskKind kind, uint256 id, uint256[] calldata values) external {
        if (msg.sender != market) revert OnlyMarket();
        if (kind != trustedKind || id != trustedId) revert UntrustedSource(kind, id);
        lastTaskId = taskId;
        lastOutputs = values;
        calls += 1;
        emit InferenceReceived(taskId, kind, id, values);
    }

    function outputs() external view returns (uint256[] memory) {
        return lastOutputs;
    }
}
