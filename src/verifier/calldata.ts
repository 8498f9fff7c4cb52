import { getAddress, getBytes, hexlify, Interface } from 'ethers';
import { PocomputeError } from '../core/errors.js';
import type { ProofBundle } from '../prover/bundle.js';
import { clamped, wasmEngine } from '../prover/engine/wasmEngine.js';
import { assertFelts } from '../prover/circuitLayout.js';
import { feltToUint256 } from '../prover/felts.js';

/** The verifier ABIs EZKL 21 emits: single contract, and reusable with a separate VKA address. */
export const HALO2_VERIFIER_ABI = new Interface([
  'function verifyProof(bytes proof, uint256[] instances) returns (bool)',
]);
export const HALO2_REUSABLE_ABI = new Interface([
  'function verifyProof(address vk, bytes proof, uint256[] instances) returns (bool)',
]);

/**
 * Calldata for verifyProof, from EZKL's own encoder (the bytes Python's encode_evm_calldata writes);
 * with `vka` it targets the reusable verifier.
 */
export function encodeCalldata(bundle: Pick<ProofBundle, 'proof'>, vka?: string): string {
  assertFelts(bundle.proof.instances.flat());
  const proof = clamped(new TextEncoder().encode(JSON.stringify(bundle.proof)));
  // EZKL's WASM binding reads the VKA address as JSON: an array of its 20 bytes.
  const vkAddress = vka
    ? new TextEncoder().encode(JSON.stringify(Array.from(getBytes(getAddress(vka)))))
    : undefined;
  let calldata: Uint8Array;
  try {
    calldata = wasmEngine().encodeVerifierCalldata(proof, vkAddress);
  } catch (error) {
    // EZKL could not read the proof (e.g. `proof.proof` is not its byte list): a bad bundle.
    const words = String((error as Error)?.message ?? error)
      .split('\n')[0]
      .slice(0, 160);
    throw new PocomputeError('BUNDLE_INVALID', `EZKL cannot encode this proof: ${words}`, {
      cause: error,
    });
  }
  return hexlify(calldata);
}

/** The proof's public instances as uint256, in the order the verifier expects them. */
export function instancesAsUint256(bundle: Pick<ProofBundle, 'proof'>): bigint[] {
  return (bundle.proof.instances[0] ?? []).map(feltToUint256);
}

/** The proof bytes the verifier takes (the `proof` argument of verifyProof). */
export function proofBytes(calldata: string, vka?: string): string {
  const decoded = (vka ? HALO2_REUSABLE_ABI : HALO2_VERIFIER_ABI).decodeFunctionData(
    'verifyProof',
    calldata,
  );
  return vka ? decoded[1] : decoded[0];
}
