// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

/// @notice The layout of a proof's public instances: the model's inputs, then its outputs.
library InstanceLayout {
    /// BN254's scalar field: every public instance of an EZKL proof is below it.
    uint256 internal constant FIELD_MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// The index of the first value that is not a field element, or `values.length`.
    function firstNonFelt(uint256[] calldata values) internal pure returns (uint256) {
        for (uint256 i = 0; i < values.length; i++) {
            if (values[i] >= FIELD_MODULUS) return i;
        }
        return values.length;
    }

    function hashInputs(uint256[] calldata inputs) internal pure returns (bytes32) {
        return keccak256(abi.encode(inputs));
    }

    /// True if the first `numInputs` instances are exactly the committed inputs.
    function inputsMatch(uint256[] calldata instances, uint256 numInputs, bytes32 inputHash) internal pure returns (bool) {
        return keccak256(abi.encode(instances[:numInputs])) == inputHash;
    }

    /// True if the instances from `offset` on are exactly `expected`.
    function tailEquals(uint256[] calldata instances, uint256 offset, uint256[] storage expected) internal view returns (bool) {
        if (instances.length - offset != expected.length) return false;
        for (uint256 i = 0; i < expected.length; i++) {
            if (instances[offset + i] != expected[i]) return false;
        }
        return true;
    }
}
