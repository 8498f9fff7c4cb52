// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

/// @notice How the market names a proof and a worker's commitment to one.
library ProofCommitment {
    /// A proof is known by its first commitment (the first 64 bytes, a curve point blinded anew
    /// in every honest proof): bytes appended to a proof do not make it a new one. Zero for a
    /// proof too short to hold one.
    function key(bytes calldata proof) internal pure returns (bytes32) {
        if (proof.length < 64) return bytes32(0);
        return keccak256(proof[:64]);
    }

    /// What a claimant commits before revealing: the proof bound to the task and to itself, so a
    /// copy of the reveal matches no commitment but the claimant's own.
    function commitment(uint256 taskId, address claimant, bytes calldata proof) internal pure returns (bytes32) {
        return keccak256(abi.encode(taskId, claimant, keccak256(proof)));
    }
}
