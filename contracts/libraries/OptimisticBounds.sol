// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

/// @notice The bounds on an optimistic task's terms, for single tasks (PocomputeMarket) and
/// batches (PocomputeBatches) alike.
library OptimisticBounds {
    uint32 internal constant MIN_WINDOW = 60;
    uint32 internal constant MAX_WINDOW = 30 days;
    uint32 internal constant MIN_RESPONSE_TIME = 60;
    uint32 internal constant MAX_RESPONSE_TIME = 7 days;
}
