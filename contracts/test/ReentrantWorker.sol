// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

interface IWorkerMarket {
    function claim(uint256 taskId, bytes32 commitment) external payable;
    function submit(uint256 taskId, bytes calldata proof, uint256[] calldata instances) external;
}

/// Test-only: a worker contract that, when paid, tries to submit the same proof again to be paid twice.
contract ReentrantWorker {
    IWorkerMarket public immutable market;
    uint256 private taskId;
    bytes private proof;
    uint256[] private instances;
    bool public reentered;
    uint256 public payments;

    constructor(address market_) {
        market = IWorkerMarket(market_);
    }

    function claim(uint256 taskId_, bytes32 commitment) external payable {
        market.claim{value: msg.value}(taskId_, commitment);
    }

    function work(uint256 taskId_, bytes calldata proof_, uint256[] calldata instances_) external {
        taskId = taskId_;
        proof = proof_;
        instances = instances_;
        market.submit(taskId_, proof_, instances_);
    }

    receive() external payable {
        payments += 1;
        try market.submit(taskId, proof, instances) {
            reentered = true;
        } catch {}
    }
}
