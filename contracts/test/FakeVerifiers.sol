// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

/// Test-only: a "verifier" that says yes to any proof.
contract AlwaysTrueVerifier {
    function verifyProof(bytes calldata, uint256[] calldata) external pure returns (bool) {
        return true;
    }
}

/// Test-only: a verifier that forwards to the real one until its owner switches it to always-true
/// (the upgradeable-proxy trick: its code never changes, only where it forwards).
contract SwitchableVerifier {
    address public target;
    address private immutable owner;
    bool public yesToAll;

    constructor(address target_) {
        target = target_;
        owner = msg.sender;
    }

    function switchToYes() external {
        require(msg.sender == owner, "owner only");
        yesToAll = true;
    }

    function verifyProof(bytes calldata proof, uint256[] calldata instances) external returns (bool) {
        if (yesToAll) return true;
        (bool ok, bytes memory result) = target.call(
            abi.encodeWithSignature("verifyProof(bytes,uint256[])", proof, instances)
        );
        return ok && abi.decode(result, (bool));
    }
}

/// Test-only: a consumer that burns all the gas it is given.
contract GasBurningConsumer {
    uint256 public sink;

    function onInference(uint256, uint8, uint256, uint256[] calldata) external {
        while (true) sink += 1;
    }
}

/// Test-only: a consumer that answers with a megabyte of return data (a return-data bomb).
contract ReturnBombConsumer {
    function onInference(uint256, uint8, uint256, uint256[] calldata) external pure {
        assembly {
            revert(0, 1000000)
        }
    }
}
