// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

import {IBatchInferenceConsumer} from "../interfaces/IInferenceConsumer.sol";
import {IPocomputeBatches} from "../interfaces/IPocomputeBatches.sol";

/// A batch consumer for the end-to-end tests: accepts results from the market's batch contract
/// only, checks each one's inclusion proof itself, and records what it was told. The callback
/// does not carry the requester, and anyone may post a batch naming this consumer: a consumer
/// that acts on a result must read the batch's requester (recorded here) and refuse strangers'.
contract RecordingBatchConsumer is IBatchInferenceConsumer {
    IPocomputeBatches public immutable batches;
    uint256 public calls;
    uint256 public lastIndex;
    uint256[] public lastOutputs;
    bytes32 public lastRoot;
    bool public lastIncluded;
    address public lastRequester;

    constructor(IPocomputeBatches batches_) {
        batches = batches_;
    }

    function onBatchInference(uint256 batchId, uint256 index, uint256, uint256[] calldata outputs, uint256[] calldata boundaries, bytes32 resultsRoot, bytes32[] calldata path) external {
        require(msg.sender == address(batches), "not the batch contract");
        calls += 1;
        lastIndex = index;
        lastOutputs = outputs;
        lastRoot = resultsRoot;
        lastIncluded = batches.isFinalResult(batchId, index, outputs, boundaries, path);
        lastRequester = batches.getBatch(batchId).requester;
    }

    function outputsLength() external view returns (uint256) {
        return lastOutputs.length;
    }
}
