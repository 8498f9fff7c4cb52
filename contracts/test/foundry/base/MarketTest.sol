// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

/// pocompute's own Foundry test base (no forge-std): the cheatcodes these tests use, assertion
/// helpers, and the functions forge reads to pick an invariant test's targets.

/// The cheatcodes forge serves at `VM_ADDRESS`; only the ones these tests call, with the
/// signatures of Foundry's cheatcode reference.
interface Vm {
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    function prank(address sender) external;
    function startPrank(address sender) external;
    function stopPrank() external;
    function deal(address who, uint256 newBalance) external;
    function etch(address target, bytes calldata newRuntimeBytecode) external;
    function warp(uint256 newTimestamp) external;
    function roll(uint256 newHeight) external;
    function expectRevert() external;
    function expectRevert(bytes4 revertData) external;
    function expectRevert(bytes calldata revertData) external;
    function expectEmit(address emitter) external;
    function assume(bool condition) external pure;
    function label(address account, string calldata newLabel) external;
    function recordLogs() external;
    function getRecordedLogs() external returns (Log[] memory logs);
}

/// Assertions that revert with a message naming both sides (forge fails a test that reverts), and
/// a `bound` for fuzzed arguments.
abstract contract TestBase {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    function fail(string memory message) internal pure {
        revert(message);
    }

    function assertTrue(bool condition, string memory message) internal pure {
        if (!condition) fail(message);
    }

    function assertTrue(bool condition) internal pure {
        assertTrue(condition, "assertTrue: false");
    }

    function assertFalse(bool condition, string memory message) internal pure {
        if (condition) fail(message);
    }

    function assertEq(uint256 got, uint256 want, string memory message) internal pure {
        if (got != want) fail(string.concat(message, ": got ", _dec(got), ", want ", _dec(want)));
    }

    function assertEq(uint256 got, uint256 want) internal pure {
        assertEq(got, want, "assertEq(uint256)");
    }

    function assertEq(address got, address want, string memory message) internal pure {
        if (got != want) fail(string.concat(message, ": got ", _hex(uint160(got), 20), ", want ", _hex(uint160(want), 20)));
    }

    function assertEq(address got, address want) internal pure {
        assertEq(got, want, "assertEq(address)");
    }

    function assertEq(bytes32 got, bytes32 want, string memory message) internal pure {
        if (got != want) fail(string.concat(message, ": got ", _hex(uint256(got), 32), ", want ", _hex(uint256(want), 32)));
    }

    function assertEq(bytes32 got, bytes32 want) internal pure {
        assertEq(got, want, "assertEq(bytes32)");
    }

    function assertEq(bool got, bool want, string memory message) internal pure {
        if (got != want) fail(string.concat(message, got ? ": got true" : ": got false"));
    }

    function assertEq(uint256[] memory got, uint256[] memory want, string memory message) internal pure {
        assertEq(got.length, want.length, string.concat(message, " (length)"));
        for (uint256 i = 0; i < got.length; i++) assertEq(got[i], want[i], string.concat(message, " [", _dec(i), "]"));
    }

    function assertEq(uint256[] memory got, uint256[] memory want) internal pure {
        assertEq(got, want, "assertEq(uint256[])");
    }

    function assertGe(uint256 a, uint256 b, string memory message) internal pure {
        if (a < b) fail(string.concat(message, ": ", _dec(a), " < ", _dec(b)));
    }

    function assertLe(uint256 a, uint256 b, string memory message) internal pure {
        if (a > b) fail(string.concat(message, ": ", _dec(a), " > ", _dec(b)));
    }

    /// `x` mapped into [lo, hi] (inclusive), keeping small values small where it can.
    function bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        require(lo <= hi, "bound: lo > hi");
        if (x >= lo && x <= hi) return x;
        uint256 span = hi - lo;
        if (span == type(uint256).max) return x;
        return lo + (x % (span + 1));
    }

    function _dec(uint256 value) internal pure returns (string memory) {
        if (value == 0) return "0";
        uint256 digits;
        for (uint256 v = value; v != 0; v /= 10) digits++;
        bytes memory out = new bytes(digits);
        for (; value != 0; value /= 10) out[--digits] = bytes1(uint8(48 + (value % 10)));
        return string(out);
    }

    function _hex(uint256 value, uint256 byteCount) internal pure returns (string memory) {
        bytes memory out = new bytes(2 + 2 * byteCount);
        out[0] = "0";
        out[1] = "x";
        for (uint256 i = 0; i < 2 * byteCount; i++) {
            uint256 nibble = (value >> (4 * (2 * byteCount - 1 - i))) & 0xf;
            out[2 + i] = bytes1(uint8(nibble < 10 ? 48 + nibble : 87 + nibble));
        }
        return string(out);
    }
}

/// What forge asks an invariant test for (the names and return types it looks up): the contracts
/// to call, which of their functions, and from which senders. Empty lists mean forge's defaults.
abstract contract InvariantTargets {
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    address[] private targetedContracts;
    FuzzSelector[] private targetedSelectors;
    address[] private targetedSenders;

    function targetContract(address target) internal {
        targetedContracts.push(target);
    }

    function targetSelector(address target, bytes4[] memory selectors) internal {
        targetedSelectors.push(FuzzSelector(target, selectors));
    }

    function targetSender(address sender) internal {
        targetedSenders.push(sender);
    }

    function targetContracts() public view returns (address[] memory) {
        return targetedContracts;
    }

    function targetSelectors() public view returns (FuzzSelector[] memory) {
        return targetedSelectors;
    }

    function targetSenders() public view returns (address[] memory) {
        return targetedSenders;
    }
}
