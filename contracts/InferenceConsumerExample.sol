// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

/// @notice An example of a contract that acts on trusted inference: PocomputeMarket calls it with the
/// verified outputs of a task it was named consumer of. Outputs are EZKL field elements: fixed-point
/// integers (value * 2^scale, negative ones as r - |x|) for the model's output scale.
contract InferenceConsumerExample {
    address public immutable market;
    uint256 public lastTaskId;
    uint256 public lastModelId;
    uint256[] private lastOutputs;
    uint256 public calls;

    event InferenceReceived(uint256 indexed taskId, uint256 indexed modelId, uint256[] outputs);

    constructor(address market_) {
        market = market_;
    }

    function onInference(uint256 taskId, uint256 modelId, uint256[] calldata outputs) external {
        require(msg.sender == market, "only the market");
        lastTaskId = taskId;
        lastModelId = modelId;
        lastOutputs = outputs;
        calls += 1;
        emit InferenceReceived(taskId, modelId, outputs);
    }

    function outputs() external view returns (uint256[] memory) {
        return lastOutputs;
    }
}
