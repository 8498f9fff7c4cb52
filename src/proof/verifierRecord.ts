import type { InterfaceAbi } from 'ethers';
import { type Artifacts, readArtifactFile } from './artifacts.js';
import type { VerifierCode } from './evm.js';
import type { ProofShape } from './transcript.js';

/**
 * The verifier record that compile writes beside the keys, and the code it gives the in-process
 * EVM: all that verifying with artifacts needs, without the emitting side (EZKL, solc) that
 * emitEvmVerifier.ts loads.
 */

export type VerifierLayout = 'single' | 'reusable';

export interface CompiledContract {
  name: string;
  abi: InterfaceAbi;
  bytecode: string;
  deployedBytecode: string;
  runtimeSize: number;
}

/**
 * EZKL's Solidity verifier for one verifying key, compiled with the pinned npm solc: what is
 * deployed on chain and what `verify` executes in-process. The reusable layout reads the key from a
 * verifying-key artifact (VKA): calldata words, registered with the verifier once.
 */
export interface EvmVerifier {
  layout: VerifierLayout;
  /** Why this layout was chosen, in words a user can act on. */
  reason: string;
  verifier: CompiledContract;
  /** The VKA's bytes32 words (reusable layout only). */
  vka?: string[];
  /** What the verifier reads from a proof (lengths, points, scalars): checked before the EVM. */
  shape: ProofShape;
  compilerVersion: string;
}

/** The verifier record compile writes into every artifacts directory (`verifier.json`). */
export const VERIFIER_FILE = 'verifier.json';

/** What a key material file set is: EZKL's vk, settings and the SRS it was set up with. */
export interface KeyFiles {
  vk: string;
  settings: string;
  srs: string;
}

/** The code the in-process EVM runs for a verifier record. */
export function verifierCode(evm: EvmVerifier): VerifierCode {
  const runtime = hexBytes(evm.verifier.deployedBytecode);
  return evm.layout === 'single'
    ? { layout: 'single', runtime, shape: evm.shape }
    : { layout: 'reusable', runtime, vka: evm.vka ?? [], shape: evm.shape };
}

const hexBytes = (hex: string) => Uint8Array.from(Buffer.from(hex.replace(/^0x/, ''), 'hex'));

/** Reads the verifier record of compiled artifacts (checked against their manifest). */
export async function readArtifactsVerifier(artifacts: Artifacts): Promise<EvmVerifier> {
  return JSON.parse((await readArtifactFile(artifacts, VERIFIER_FILE)).toString('utf8'));
}
