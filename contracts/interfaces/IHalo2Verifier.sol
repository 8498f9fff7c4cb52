// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

/// @notice EZKL's single-contract verifier (`Halo2Verifier`): the verifying key is in its code.
interface IHalo2Verifier {
    function verifyProof(bytes calldata proof, uint256[] calldata instances) external returns (bool);
}

/// @notice EZKL's reusable verifier, which reads the verifying key from a separate artifact (VKA).
interface IHalo2VerifierReusable {
    function verifyProof(address vk, bytes calldata proof, uint256[] calldata instances) external returns (bool);
}
