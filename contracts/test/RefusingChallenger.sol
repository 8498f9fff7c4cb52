// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

interface IOptimisticMarket {
    function challenge(uint256 taskId, uint32 stage) external payable;
    function settleChallenge(uint256 taskId) external;
    function withdraw() external;
}

/// Test-only: a challenger contract that refuses to be paid — it tries to re-enter the market and
/// then burns all its gas — until it is told to accept, then withdraws its credit.
contract RefusingChallenger {
    IOptimisticMarket public immutable market;
    uint256 private taskId;
    bool public accepting;

    constructor(address market_) {
        market = IOptimisticMarket(market_);
    }

    function challenge(uint256 taskId_, uint32 stage) external payable {
        taskId = taskId_;
        market.challenge{value: msg.value}(taskId_, stage);
    }

    function acceptAndWithdraw() external {
        accepting = true;
        market.withdraw();
    }

    receive() external payable {
        if (accepting) return;
        try market.settleChallenge(taskId) {} catch {}
        while (true) {}
    }
}
