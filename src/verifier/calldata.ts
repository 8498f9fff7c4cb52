import { concat, hexlify, Interface, keccak256 } from 'ethers';
import type { ProofBundle } from '../proof/bundle.js';
import { assertFelts } from '../proof/circuitLayout.js';
import { feltToUint256 } from '../proof/felts.js';
import { proofBytesOf } from '../proof/validateProof.js';

/** The verifier ABIs EZKL 23 emits: the single contract, and the reusable one that takes a VKA. */
export const HALO2_VERIFIER_ABI = new Interface([
  'function verifyProof(bytes proof, uint256[] instances) returns (bool)',
]);
export const HALO2_REUSABLE_ABI = new Interface([
  'function verifyProof(bytes proof, uint256[] instances, bytes32[] vka) returns (bool success, bytes32 vka_digest, int256[] rescaled_instances)',
  'function registerVka(bytes32[] vka) returns (bytes32 vka_digest)',
]);

type ProofPart = Pick<ProofBundle, 'proof'> & { verifier?: Pick<ProofBundle['verifier'], 'vka'> };

/**
 * Calldata for verifyProof (the bytes EZKL's encode_evm_calldata writes for the single verifier);
 * a bundle whose verifier is reusable carries its VKA, which the call passes along.
 */
export function encodeCalldata(bundle: ProofPart): string {
  const proof = proofBytes(bundle);
  const instances = instancesAsUint256(bundle);
  const vka = bundle.verifier?.vka;
  return vka
    ? HALO2_REUSABLE_ABI.encodeFunctionData('verifyProof', [proof, instances, vka])
    : HALO2_VERIFIER_ABI.encodeFunctionData('verifyProof', [proof, instances]);
}

/** The proof's public instances as uint256, in the order the verifier expects them. */
export function instancesAsUint256(bundle: Pick<ProofBundle, 'proof'>): bigint[] {
  assertFelts(bundle.proof.instances.flat());
  return (bundle.proof.instances[0] ?? []).map(feltToUint256);
}

/** The proof bytes the verifier takes (the `proof` argument of verifyProof), 0x hex. */
export function proofBytes(bundle: Pick<ProofBundle, 'proof'>): string {
  return hexlify(proofBytesOf(bundle.proof));
}

/** The digest the reusable verifier registers a VKA under: keccak256 of its words. */
export const vkaDigest = (vka: string[]): string => keccak256(concat(vka));
