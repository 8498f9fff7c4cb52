// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

/// Test-only: a consumer that always reverts; the worker must still be paid.
contract RevertingConsumer {
    function onInference(uint256, uint8, uint256, uint256[] calldata) external pure {
        revert("consumer says no");
    }
}
