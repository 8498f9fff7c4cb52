import { keccak256, type Contract, type Provider } from 'ethers';
import { PocomputeError } from '../core/errors.js';
import { EZKL_VERSION } from '../proof/engineVersion.js';
import type { Reporter } from '../core/output.js';
import type { Artifacts } from '../proof/artifacts.js';
import { findArtifactsByVk } from '../proof/artifactsIndex.js';
import { emitEvmVerifier } from '../engine/emitEvmVerifier.js';
import { vkaStoreRuntime } from '../verifier/deployVerifier.js';
import type { VerifierLayout } from '../proof/verifierRecord.js';
import { instanceCounts } from './instanceLayout.js';

export const ZERO = '0x0000000000000000000000000000000000000000';

/** A model as the market contract records it. */
export interface MarketModel {
  modelId: string;
  verifier: string;
  vka: string;
  vkHash: string;
  numInputs: number;
  numOutputs: number;
  owner: string;
  verifierCodeHash: string;
  vkaCodeHash: string;
  metadataURI: string;
}

export async function readModel(market: Contract, modelId: bigint | number | string) {
  const m = await market.getModel(BigInt(modelId)).catch(() => {
    throw new PocomputeError(
      'OPTION_INVALID',
      `model ${modelId} is not registered on this market`,
      {
        hint: 'Register it with `pocompute model register <model.onnx>`.',
      },
    );
  });
  return {
    modelId: String(modelId),
    verifier: m.verifier,
    vka: m.vka,
    vkHash: m.vkHash,
    numInputs: Number(m.numInputs),
    numOutputs: Number(m.numOutputs),
    owner: m.owner,
    verifierCodeHash: m.verifierCodeHash,
    vkaCodeHash: m.vkaCodeHash,
    metadataURI: m.metadataURI,
  } satisfies MarketModel;
}

/**
 * solc appends a CBOR metadata blob (it holds the source's IPFS hash, so it changes with comments
 * and file names) and its length in the last two bytes. It is not executable: what runs is the rest.
 */
export function stripMetadata(code: string): string {
  const hex = code.startsWith('0x') ? code.slice(2) : code;
  if (hex.length < 4) return hex;
  const cborLength = Number.parseInt(hex.slice(-4), 16);
  const total = (cborLength + 2) * 2;
  // solc's CBOR map starts with a2 or a1/a3 (a map of 1-3 entries): only then is it metadata.
  if (total > hex.length || !/^a[1-3]$/.test(hex.slice(-total, -total + 2))) return hex;
  return hex.slice(0, -total);
}

/** Why deployed runtime code is not the expected code, or undefined when it is. */
export function codeDifference(
  deployed: string,
  expected: string,
  withoutMetadata = true,
): string | undefined {
  const bare = (code: string) => (code.startsWith('0x') ? code.slice(2) : code);
  const a = withoutMetadata ? stripMetadata(deployed) : bare(deployed);
  const b = withoutMetadata ? stripMetadata(expected) : bare(expected);
  if (a === b) return undefined;
  if (a.length === 0) return 'there is no code at that address';
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return (
    `its runtime code is ${a.length / 2} bytes where EZKL's is ${b.length / 2}, ` +
    `first different byte at offset ${Math.floor(i / 2)}`
  );
}

/**
 * The runtime code a creation bytecode leaves behind, by running its constructor in an eth_call
 * (nothing is deployed). EZKL's VKA writes the verifying key as its runtime code from its
 * constructor, so solc's "deployed bytecode" for it is not what is on chain; running the
 * constructor also covers any immutables or constructor-set values of the verifier.
 */
async function runtimeOf(provider: Provider, creationBytecode: string): Promise<string> {
  return provider.call({ data: creationBytecode });
}

/**
 * Checks that the code at `verifier` is exactly what EZKL 23.0.5 emits for these
 * artifacts' vk and settings, compiled with the pinned solc: the verifier's metadata trailer aside,
 * the VKA byte for byte. The expected code is built on this machine (create_evm_verifier /
 * create_evm_vka, cached in the artifacts) and its constructor run in an eth_call.
 */
export async function attestVerifierCode(params: {
  provider: Provider;
  artifacts: Artifacts;
  verifier: string;
  vka: string;
  what: string;
  reporter?: Reporter;
}): Promise<{ layout: VerifierLayout }> {
  const { provider, artifacts, what } = params;
  // A reusable verifier's key (VKA) is calldata words, which the market keeps in a VKA store.
  const layout: VerifierLayout = params.vka === ZERO ? 'single' : 'reusable';
  const evm = await emitEvmVerifier(artifacts, { layout, reporter: params.reporter });
  const checks: [string, string, string, boolean][] = [
    ['verifier', params.verifier, evm.verifier.bytecode, true],
  ];
  if (layout === 'reusable') {
    const stored = (await provider.getCode(params.vka)).toLowerCase();
    const expected = vkaStoreRuntime(evm.vka ?? []).toLowerCase();
    if (stored !== expected)
      throw new PocomputeError(
        'VERIFIER_UNTRUSTED',
        `${what}: the VKA store at ${params.vka} does not hold the verifying-key artifact EZKL ` +
          `${EZKL_VERSION} makes for vk ${artifacts.manifest.files['vk.key'].slice(0, 16)}…: ` +
          (codeDifference(stored, expected, false) ?? 'its code differs'),
      );
  }
  for (const [name, address, creation, strip] of checks) {
    const deployed = await provider.getCode(address);
    const expected = await runtimeOf(provider, creation);
    const difference = codeDifference(deployed, expected, strip);
    if (difference)
      throw new PocomputeError(
        'VERIFIER_UNTRUSTED',
        `${what}: the ${name} at ${address} is not EZKL ${EZKL_VERSION}'s ${layout} verifier for vk ` +
          `${artifacts.manifest.files['vk.key'].slice(0, 16)}…: ${difference}`,
      );
  }
  return { layout };
}

/**
 * Attests a registered model before anyone relies on it: its artifacts are compiled here (found by
 * the vk hash it claims), its verifier and VKA hold exactly EZKL's code for that vk, their code has
 * not changed since registration (else `submit` refuses anyway), and the instance layout matches.
 */
export async function attestModel(params: {
  market: Contract;
  modelId: bigint | number | string;
  artifactsRoots?: string[];
  /** A pipeline stage past the first (its input may be a hashed boundary). */
  stage?: boolean;
  reporter?: Reporter;
}): Promise<{ model: MarketModel; artifacts: Artifacts }> {
  const { market } = params;
  const provider = market.runner!.provider!;
  const model = await readModel(market, params.modelId);
  const what = `model ${model.modelId}`;
  const artifacts = await findArtifactsByVk(model.vkHash.slice(2), params.artifactsRoots);
  if (!artifacts)
    throw new PocomputeError(
      'ARTIFACTS_INVALID',
      `${what} (vk ${model.vkHash.slice(2, 18)}…) is not compiled on this machine, so its verifier cannot be checked`,
      {
        hint: 'Compile the same model locally (`pocompute compile <model.onnx> --input <sample>`): its verifier is rebuilt from it and compared.',
      },
    );
  await attestVerifierCode({
    provider,
    artifacts,
    verifier: model.verifier,
    vka: model.vka,
    what,
    reporter: params.reporter,
  });
  const recorded: [string, string, string][] = [
    ['verifier', model.verifier, model.verifierCodeHash],
  ];
  if (model.vka !== ZERO) recorded.push(['VKA', model.vka, model.vkaCodeHash]);
  for (const [name, address, hash] of recorded) {
    if (keccak256(await provider.getCode(address)) !== hash)
      throw new PocomputeError(
        'VERIFIER_UNTRUSTED',
        `${what}: the ${name} code at ${address} changed since registration; the market refuses its proofs`,
      );
  }
  const local = instanceCounts(artifacts.manifest, { stage: params.stage });
  if (local.numInputs !== model.numInputs || local.numOutputs !== model.numOutputs)
    throw new PocomputeError(
      'VERIFIER_UNTRUSTED',
      `${what}: registered with ${model.numInputs} inputs and ${model.numOutputs} outputs, ` +
        `but its circuit has ${local.numInputs} and ${local.numOutputs}`,
    );
  return { model, artifacts };
}
