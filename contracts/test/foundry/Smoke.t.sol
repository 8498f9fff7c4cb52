// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

import {InvariantTargets, TestBase} from "./base/MarketTest.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {InferenceConsumerExample} from "../../InferenceConsumerExample.sol";
import {TaskKind} from "../../interfaces/IInferenceConsumer.sol";

/// Test-only: proves an OpenZeppelin import compiles here — a guarded call that calls back its
/// caller, who tries to come in again.
contract GuardedCaller is ReentrancyGuard {
    uint256 public entered;

    function enter() external nonReentrant {
        entered += 1;
        ReentryProbe(msg.sender).onEnter();
    }
}

interface ReentryProbe {
    function onEnter() external;
}

/// The setup's smoke test: our test base, the OpenZeppelin remapping and the contracts under contracts/
/// compile with the npm solc, and a fuzzed test runs.
contract SmokeTest is TestBase, ReentryProbe {
    uint256 internal constant MODEL_ID = 3;
    InferenceConsumerExample internal consumer;
    GuardedCaller internal guarded;
    bool internal reenter;

    /// InferenceConsumerExample's event (solc 0.8.20 cannot emit `Contract.Event` from outside it).
    event InferenceReceived(uint256 indexed taskId, TaskKind kind, uint256 indexed id, uint256[] outputs);

    function setUp() public {
        consumer = new InferenceConsumerExample(address(this), TaskKind.Proved, MODEL_ID);
        guarded = new GuardedCaller();
    }

    function test_consumerKeepsTheTrustedOutputs() public {
        uint256[] memory outputs = new uint256[](2);
        outputs[0] = 1;
        outputs[1] = 2;
        vm.expectEmit(address(consumer));
        emit InferenceReceived(7, TaskKind.Proved, MODEL_ID, outputs);
        consumer.onInference(7, TaskKind.Proved, MODEL_ID, outputs);
        assertEq(consumer.lastTaskId(), 7);
        assertEq(consumer.calls(), 1);
        assertEq(consumer.outputs(), outputs);
        assertEq(consumer.market(), address(this));
    }

    function test_consumerRefusesAnyoneButTheMarket() public {
        vm.prank(address(0xBEEF));
        vm.expectRevert(InferenceConsumerExample.OnlyMarket.selector);
        consumer.onInference(1, TaskKind.Proved, MODEL_ID, new uint256[](0));
    }

    function testFuzz_consumerRefusesOtherSources(uint256 id, bool optimistic) public {
        TaskKind kind = optimistic ? TaskKind.Optimistic : TaskKind.Proved;
        vm.assume(kind != TaskKind.Proved || id != MODEL_ID);
        vm.expectRevert(abi.encodeWithSelector(InferenceConsumerExample.UntrustedSource.selector, kind, id));
        consumer.onInference(1, kind, id, new uint256[](0));
    }

    function test_reentrancyGuardRefusesReentry() public {
        guarded.enter();
        assertEq(guarded.entered(), 1);
        reenter = true;
        vm.expectRevert(ReentrancyGuard.ReentrancyGuardReentrantCall.selector);
        guarded.enter();
    }

    function onEnter() external {
        if (reenter) guarded.enter();
    }
}

/// Calls the consumer as its market, with trusted and untrusted sources, counting what it accepted.
contract ConsumerHandler is TestBase {
    InferenceConsumerExample public immutable consumer;
    uint256 public accepted;

    constructor() {
        consumer = new InferenceConsumerExample(address(this), TaskKind.Proved, 3);
    }

    function deliver(uint256 taskId, uint256 id, bool optimistic) external {
        TaskKind kind = optimistic ? TaskKind.Optimistic : TaskKind.Proved;
        id = bound(id, 2, 4);
        uint256[] memory outputs = new uint256[](1);
        outputs[0] = taskId;
        try consumer.onInference(taskId, kind, id, outputs) {
            accepted += 1;
        } catch {}
    }
}

/// The invariant settings' smoke test: the consumer counts exactly the deliveries it accepted.
contract SmokeInvariantTest is TestBase, InvariantTargets {
    ConsumerHandler internal handler;

    function setUp() public {
        handler = new ConsumerHandler();
        targetContract(address(handler));
    }

    function invariant_consumerCountsOnlyAcceptedDeliveries() public view {
        assertEq(handler.consumer().calls(), handler.accepted());
    }
}
