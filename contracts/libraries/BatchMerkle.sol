// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

/// @notice The Merkle trees a batch is committed by: one leaf per task, in task order, padded with
/// zero leaves to a power of two; a node is keccak256(left ‖ right). A leaf is the keccak256 of an
/// ABI encoding longer than 64 bytes that starts with the batch id and the task's index, so it can
/// never be an inner node, a leaf of another batch, or a leaf of another index of this one.
library BatchMerkle {
    /// The number of levels above the leaves: ⌈log2 n⌉ (0 for one leaf).
    function depth(uint256 n) internal pure returns (uint256 d) {
        while ((uint256(1) << d) < n) d++;
    }

    /// The root of `leaves`, whose length must be a power of two (the tasks' leaves, then zeros);
    /// the array is overwritten (the levels are folded in place).
    function root(bytes32[] memory leaves) internal pure returns (bytes32) {
        for (uint256 width = leaves.length; width > 1; width /= 2) {
            for (uint256 i = 0; i < width / 2; i++) leaves[i] = _node(leaves[2 * i], leaves[2 * i + 1]);
        }
        return leaves[0];
    }

    /// Whether `leaf` is the `index`-th of the `n` leaves under `rootHash`: the path must have
    /// exactly ⌈log2 n⌉ siblings, and the index's bits (not the caller) choose each side.
    function includes(bytes32 rootHash, uint256 n, uint256 index, bytes32 leaf, bytes32[] calldata path) internal pure returns (bool) {
        if (index >= n || path.length != depth(n)) return false;
        bytes32 h = leaf;
        for (uint256 i = 0; i < path.length; i++) {
            h = (index >> i) & 1 == 0 ? _node(h, path[i]) : _node(path[i], h);
        }
        return h == rootHash;
    }

    function _node(bytes32 left, bytes32 right) private pure returns (bytes32 h) {
        assembly {
            mstore(0x00, left)
            mstore(0x20, right)
            h := keccak256(0x00, 0x40)
        }
    }
}
