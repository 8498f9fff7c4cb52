// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

interface IMarket {
    function submit(uint256 taskId, bytes calldata proof, uint256[] calldata instances) external;
    function refund(uint256 taskId) external;
    function cancel(uint256 taskId) external;
}

/// Test-only: a consumer whose callback tries to re-enter the market (and records whether it could).
contract ReentrantConsumer {
    IMarket public immutable market;
    bool public reentered;
    uint256 public attempts;

    constructor(address market_) {
        market = IMarket(market_);
    }

    function onInference(uint256 taskId, uint8, uint256, uint256[] calldata) external {
        attempts += 1;
        try market.cancel(taskId) {
            reentered = true;
        } catch {}
        try market.refund(taskId) {
            reentered = true;
        } catch {}
    }
}
