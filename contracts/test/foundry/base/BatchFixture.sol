// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

import {PocomputeBatches} from "../../../PocomputeBatches.sol";
import {IPocomputeBatches} from "../../../interfaces/IPocomputeBatches.sol";
import {MarketFixture, Toy} from "./MarketFixture.sol";

/// The toy market's batch contract, and the trees a batch is committed by, built as a worker
/// builds them (all in memory, so a test can forge any path it likes).
abstract contract BatchFixture is MarketFixture {
    PocomputeBatches internal batches;

    function deployBatches() internal {
        deployMarket();
        // The market's first CREATE (contracts start at nonce 1).
        batches = PocomputeBatches(address(uint160(uint256(keccak256(abi.encodePacked(bytes1(0xd6), bytes1(0x94), address(market), bytes1(0x01)))))));
    }

    /// `n` tasks on pipeline 0 (2 stages): inputs Toy.inputs(first + i).
    function batchInputs(uint256 first, uint256 n) internal pure returns (uint256[] memory flat) {
        flat = new uint256[](2 * n);
        for (uint256 i = 0; i < n; i++) {
            uint256[] memory ins = Toy.inputs(first + i);
            flat[2 * i] = ins[0];
            flat[2 * i + 1] = ins[1];
        }
    }

    /// The correct outputs and boundaries of these inputs, task after task; `wrong` bit i makes
    /// task i's output wrong (its boundary stays right: stage 1 is the lie).
    function batchResults(uint256[] memory flat, uint256 wrong) internal pure returns (uint256[] memory outputs, uint256[] memory boundaries) {
        uint256 n = flat.length / 2;
        outputs = new uint256[](n);
        boundaries = new uint256[](n);
        for (uint256 i = 0; i < n; i++) {
            uint256 boundary = Toy.stage0(flat[2 * i], flat[2 * i + 1]);
            boundaries[i] = boundary;
            outputs[i] = (wrong >> i) & 1 == 1 ? boundary ^ 1 : Toy.stage1(boundary);
        }
    }

    function inputLeaves(uint256 batchId, uint256[] memory flat) internal pure returns (bytes32[] memory leaves) {
        uint256 n = flat.length / 2;
        leaves = new bytes32[](n);
        for (uint256 i = 0; i < n; i++) {
            uint256[] memory ins = new uint256[](2);
            ins[0] = flat[2 * i];
            ins[1] = flat[2 * i + 1];
            leaves[i] = keccak256(abi.encode("pocompute.batch.input", batchId, i, keccak256(abi.encode(ins))));
        }
    }

    function resultLeaves(uint256 batchId, uint256[] memory outputs, uint256[] memory boundaries) internal pure returns (bytes32[] memory leaves) {
        leaves = new bytes32[](outputs.length);
        for (uint256 i = 0; i < outputs.length; i++) leaves[i] = resultLeaf(batchId, i, outputs[i], boundaries[i]);
    }

    function resultLeaf(uint256 batchId, uint256 index, uint256 output, uint256 boundary) internal pure returns (bytes32) {
        return keccak256(abi.encode("pocompute.batch.result", batchId, index, Toy.one(output), Toy.one(boundary)));
    }

    /// The siblings of leaf `index` in the tree of `leaves` padded with zeros to a power of two.
    function pathOf(bytes32[] memory leaves, uint256 index) internal pure returns (bytes32[] memory path) {
        uint256 width = 1;
        uint256 d = 0;
        while (width < leaves.length) {
            width *= 2;
            d++;
        }
        bytes32[] memory level = new bytes32[](width);
        for (uint256 i = 0; i < leaves.length; i++) level[i] = leaves[i];
        path = new bytes32[](d);
        for (uint256 k = 0; k < d; k++) {
            path[k] = level[index ^ 1];
            for (uint256 i = 0; i < width / 2; i++) level[i] = keccak256(abi.encodePacked(level[2 * i], level[2 * i + 1]));
            width /= 2;
            index /= 2;
        }
    }

    function rootOf(bytes32[] memory leaves) internal pure returns (bytes32) {
        uint256 width = 1;
        while (width < leaves.length) width *= 2;
        bytes32[] memory level = new bytes32[](width);
        for (uint256 i = 0; i < leaves.length; i++) level[i] = leaves[i];
        for (; width > 1; width /= 2) {
            for (uint256 i = 0; i < width / 2; i++) level[i] = keccak256(abi.encodePacked(level[2 * i], level[2 * i + 1]));
        }
        return level[0];
    }

    /// What the worker shows for task `index` of a batch (its real leaf and paths).
    function leafProof(uint256 batchId, uint256[] memory flat, uint256[] memory outputs, uint256[] memory boundaries, uint256 index) internal pure returns (IPocomputeBatches.LeafProof memory leaf) {
        leaf.outputs = Toy.one(outputs[index]);
        leaf.boundaries = Toy.one(boundaries[index]);
        leaf.resultPath = pathOf(resultLeaves(batchId, outputs, boundaries), index);
        leaf.inputPath = pathOf(inputLeaves(batchId, flat), index);
    }
}
