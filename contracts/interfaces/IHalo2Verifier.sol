// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

/// @notice EZKL's single-contract verifier (`Halo2Verifier`): the verifying key is in its code.
interface IHalo2Verifier {
    function verifyProof(bytes calldata proof, uint256[] calldata instances) external returns (bool);
}

/// @notice EZKL 23's reusable verifier (`Halo2VerifierReusable`): one contract for many keys, each
/// key's artifact (VKA) registered once and then passed as calldata words with every proof. It
/// reverts on a proof it refuses, and its return data is not a well-formed encoding of the declared
/// tuple (its third word is a length, not an offset): a typed call would fail to decode it. Callers
/// use a low-level call and read the first word, which is 1 whenever it did not revert.
interface IHalo2VerifierReusable {
    function registerVka(bytes32[] memory vka) external returns (bytes32 vkaDigest);

    function verifyProof(bytes calldata proof, uint256[] calldata instances, bytes32[] memory vka)
        external
        returns (bool success, bytes32 vkaDigest, int256[] memory rescaledInstances);
}
