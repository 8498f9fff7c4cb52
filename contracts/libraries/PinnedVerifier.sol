// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;

import {IHalo2Verifier, IHalo2VerifierReusable} from "../interfaces/IHalo2Verifier.sol";
import {IPocomputeMarket} from "../interfaces/IPocomputeMarket.sol";
import {VkaStore} from "./VkaStore.sol";

/// @notice Verifies a proof with a market model's verifier exactly as the market does
/// (PocomputeMarket's `_verifyPinned`), for contracts that read the market's models from outside.
/// @dev The market keeps its own copy of this code (its storage-pointer form is cheaper on its
/// measured single-task path); the two must say the same thing.
library PinnedVerifier {
    /// Whether the model's verifier accepts `proof` for `instances`. Reverts `VerifierChanged` if
    /// the verifier's (or its VKA store's) code changed since registration: a metamorphic verifier
    /// can never pay. A verifier that reverts is a refusal, never a failed settlement.
    function verify(IPocomputeMarket.Model memory model, bytes calldata proof, uint256[] calldata instances) internal returns (bool) {
        if (model.verifier.codehash != model.verifierCodeHash || (model.vka != address(0) && model.vka.codehash != model.vkaCodeHash)) revert IPocomputeMarket.VerifierChanged();
        if (model.vka == address(0)) {
            try IHalo2Verifier(model.verifier).verifyProof(proof, instances) returns (bool ok) {
                return ok;
            } catch {
                return false;
            }
        }
        // The reusable verifier's return data is not its declared tuple: read its first word only.
        (bool ok, bytes memory answer) = model.verifier.call(
            abi.encodeCall(IHalo2VerifierReusable.verifyProof, (proof, instances, VkaStore.read(model.vka)))
        );
        return ok && answer.length >= 32 && uint256(bytes32(answer)) == 1;
    }
}
