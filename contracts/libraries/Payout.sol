// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

/// @notice The market's one policy for sending value and calling a consumer: a capped call that
/// copies no return data, so a recipient that reverts, burns its gas, re-enters or answers with a
/// megabyte can never make a settlement fail. The caller credits a refused payment (pull) and
/// reports a failed callback.
library Payout {
    /// Gas forwarded with a payment; a recipient that needs more is credited instead.
    uint256 internal constant PAY_GAS = 10_000;
    uint256 internal constant CALLBACK_GAS = 500_000;
    /// Gas kept back for the work after the callback (the payout and bookkeeping).
    uint256 internal constant AFTER_CALLBACK_GAS = 40_000;

    /// Sends `amount` with `PAY_GAS`; false if the recipient refused it.
    function send(address to, uint256 amount) internal returns (bool ok) {
        uint256 gasCap = PAY_GAS;
        assembly {
            ok := call(gasCap, to, amount, 0, 0, 0, 0)
        }
    }

    /// Whether enough gas is left for the callback's full cap: the caller refuses to go on
    /// otherwise, so a sender cannot starve the callback on purpose.
    function gasForCallback() internal view returns (bool) {
        return gasleft() >= (CALLBACK_GAS * 64) / 63 + AFTER_CALLBACK_GAS;
    }

    /// Calls `consumer` with `data` and `CALLBACK_GAS`; false if it failed.
    function callConsumer(address consumer, bytes memory data) internal returns (bool ok) {
        uint256 gasCap = CALLBACK_GAS;
        assembly {
            ok := call(gasCap, consumer, 0, add(data, 0x20), mload(data), 0, 0)
        }
    }
}
