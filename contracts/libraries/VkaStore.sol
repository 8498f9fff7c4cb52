// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

/// @notice Where the market keeps a reusable verifier's verifying-key artifact (VKA): EZKL 23's
/// reusable verifier takes it as calldata words on every call, so it is stored once as the runtime
/// code of a data contract — one 0x00 byte (so the code can never run) then the words — and pinned
/// by that contract's code hash at registration.
library VkaStore {
    /// Whether `store`'s code has the layout: a zero byte, then at least one whole 32-byte word.
    function isStore(address store) internal view returns (bool) {
        uint256 size = store.code.length;
        if (size < 33 || (size - 1) % 32 != 0) return false;
        bytes1 first;
        assembly {
            extcodecopy(store, 0, 0, 1)
            first := mload(0)
        }
        return first == 0x00;
    }

    /// The VKA's words, read from the store's code.
    function read(address store) internal view returns (bytes32[] memory words) {
        uint256 n = (store.code.length - 1) / 32;
        words = new bytes32[](n);
        assembly {
            extcodecopy(store, add(words, 0x20), 1, mul(n, 0x20))
        }
    }
}
