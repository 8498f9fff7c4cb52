import type { ChainContext } from '../chain/chainContext.js';
import { describeChainError, requireCode } from '../chain/provider.js';
import { PocomputeError } from '../core/errors.js';
import type { ProofBundle } from '../proof/bundle.js';
import { encodeCalldata, HALO2_REUSABLE_ABI, HALO2_VERIFIER_ABI, vkaDigest } from './calldata.js';
import { openArtifacts } from '../proof/artifacts.js';
import { findVerifierRecord } from './deployVerifier.js';
import { emitEvmVerifier } from '../engine/emitEvmVerifier.js';
import type { VerifierLayout } from '../proof/verifierRecord.js';
import type { KeySource, VerifyBundleResult, VerifyCheck } from '../proof/checkBundle.js';
import { type VerifyBundleParams, verifyBundle } from './verifyBundle.js';

export interface OnchainVerifyParams {
  bundle: ProofBundle;
  chain: ChainContext;
  verifier: string;
  /** Send a transaction instead of only calling. */
  send?: boolean;
  /** The key material the local checks trust (as for `verify`); default: the bundle's own. */
  trust?: Omit<VerifyBundleParams, 'bundle'>;
}

export interface OnchainVerifyResult {
  valid: boolean;
  verifier: string;
  /** The VKA digest the reusable verifier checked (reusable layout only). */
  vkaDigest?: string;
  chainId: string;
  /** Gas an eth_call estimates (or the transaction used, with --send). */
  gas?: string;
  txHash?: string;
  reason?: string;
  /** The checks `verify` runs locally (key, proof, stated values, bundle fields), run first. */
  checks: VerifyCheck[];
  /** Whose key material the local checks trusted ('bundled': the bundle's own, forgeable). */
  keySource: KeySource;
  srsOrigin: VerifyBundleResult['srsOrigin'];
  srsSource: VerifyBundleResult['srsSource'];
  /** The local check's warnings (the bundle's own key or SRS, an insecure SRS…). */
  warnings: string[];
  /** What the proof binds, read with the trusted settings' layout. */
  public: VerifyBundleResult['public'];
}

/** Calls verifyProof on a deployed EZKL verifier by eth_call (or a transaction with `send`). */
export async function verifyOnchain(params: OnchainVerifyParams): Promise<OnchainVerifyResult> {
  const { chain, bundle } = params;
  // The same checks as a local verify: a bundle whose stated values are not its instances, or
  // whose instances are not field elements, is refused whatever the contract would say.
  const local = await verifyBundle({ ...params.trust, bundle });
  // What the local check trusted goes with the verdict: with the bundle's own settings the values
  // reported are the bundle's claims checked only against themselves, and the result says so.
  const localPart = {
    checks: local.checks,
    keySource: local.keySource,
    srsOrigin: local.srsOrigin,
    srsSource: local.srsSource,
    warnings: local.warnings,
    public: local.public,
  };
  if (!local.valid) {
    const failed = local.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    return {
      verifier: params.verifier,
      chainId: chain.chainId.toString(),
      ...localPart,
      valid: false,
      reason: `local checks failed, the chain was not asked (${failed.join('; ')})`,
    };
  }
  await requireCode(chain.provider, params.verifier, 'verifier');
  const record = await findVerifierRecord(chain, params.verifier);
  if (record && record.vkSha256 !== bundle.artifacts.vkSha256) {
    throw new PocomputeError(
      'VERIFIER_MISMATCH',
      `verifier ${params.verifier} was deployed for vk ${record.vkSha256.slice(0, 16)}…, this proof is for vk ${bundle.artifacts.vkSha256.slice(0, 16)}…`,
    );
  }
  // The local checks passed: with trusted key material the bundle's verifier (and its VKA) is the
  // trusted one, so its VKA is what the reusable verifier is called with. A reusable verifier
  // deployed for a key whose bundle carries the single one (deploy-verifier --layout reusable) is
  // called with the VKA made from the trusted artifacts.
  const reusableOfTrusted = trustedReusableVerifier(params);
  const sent = await withDeployedLayout(
    bundle,
    record?.layout ?? (await layoutFromCode(chain, bundle, params, reusableOfTrusted)),
    params,
    reusableOfTrusted,
  );
  const reusable = sent.verifier.layout === 'reusable';
  const abi = reusable ? HALO2_REUSABLE_ABI : HALO2_VERIFIER_ABI;
  const base = {
    verifier: params.verifier,
    ...(reusable ? { vkaDigest: vkaDigest(sent.verifier.vka ?? []) } : {}),
    chainId: chain.chainId.toString(),
    ...localPart,
  };

  const tx = { to: params.verifier, data: encodeCalldata(sent) };
  let valid: boolean;
  try {
    // Only the first word: EZKL's reusable verifier returns a malformed tuple whose first word is
    // 1 (it reverts on a proof it refuses); the single one returns the bool.
    const answer = await chain.provider.call(tx);
    valid = answer.length >= 66 && BigInt(answer.slice(0, 66)) === 1n;
  } catch (error) {
    const reason = describeChainError(error, abi);
    if (reason.code === 'RPC_UNREACHABLE') throw reason;
    return { ...base, valid: false, reason: reason.message };
  }
  if (!valid) return { ...base, valid: false, reason: 'verifyProof returned false' };
  if (!params.send)
    return { ...base, valid: true, gas: (await chain.provider.estimateGas(tx)).toString() };
  const { signer } = await chain.signer();
  try {
    const receipt = await (await signer.sendTransaction(tx)).wait();
    return {
      ...base,
      valid: receipt?.status === 1,
      gas: receipt?.gasUsed.toString(),
      txHash: receipt?.hash,
    };
  } catch (error) {
    throw describeChainError(error, abi);
  }
}

type ReusableOfTrusted = () => Promise<Awaited<ReturnType<typeof emitEvmVerifier>>>;

/**
 * EZKL's reusable verifier (and VKA) for the trusted artifacts' key, made at most once per call and
 * only if needed: both the layout check and the call may want it.
 */
function trustedReusableVerifier(params: OnchainVerifyParams): ReusableOfTrusted {
  let made: ReturnType<ReusableOfTrusted> | undefined;
  return () => {
    const trusted = params.trust?.artifacts;
    if (!trusted)
      throw new PocomputeError('INTERNAL', 'no trusted artifacts to make a verifier of');
    made ??= (async () =>
      emitEvmVerifier(typeof trusted === 'string' ? await openArtifacts(trusted) : trusted, {
        layout: 'reusable',
      }))();
    return made;
  };
}

async function withDeployedLayout(
  bundle: ProofBundle,
  deployed: VerifierLayout | undefined,
  params: OnchainVerifyParams,
  reusableOfTrusted: ReusableOfTrusted,
): Promise<ProofBundle> {
  if (deployed !== 'reusable' || bundle.verifier.layout === 'reusable') return bundle;
  if (!params.trust?.artifacts)
    throw new PocomputeError(
      'VERIFIER_MISMATCH',
      `verifier ${params.verifier} is EZKL's reusable verifier, and this bundle carries no VKA (its verifier is the single contract)`,
      {
        hint: "Pass --artifacts <dir> of the model: the reusable verifier's VKA is made from them.",
      },
    );
  const evm = await reusableOfTrusted();
  return {
    ...bundle,
    verifier: { layout: 'reusable', runtime: bundle.verifier.runtime, vka: evm.vka },
  };
}

/**
 * Which layout the code at the verifier address is, without a local deployment record: the
 * bundle's own single verifier (compiled deterministically, so byte for byte), or EZKL's reusable
 * one for the trusted artifacts' key.
 */
async function layoutFromCode(
  chain: ChainContext,
  bundle: ProofBundle,
  params: OnchainVerifyParams,
  reusableOfTrusted: ReusableOfTrusted,
): Promise<VerifierLayout | undefined> {
  const code = (await chain.provider.getCode(params.verifier)).toLowerCase();
  if (code === bundle.verifier.runtime.toLowerCase()) return bundle.verifier.layout;
  if (!params.trust?.artifacts || bundle.verifier.layout === 'reusable') return undefined;
  const reusable = await reusableOfTrusted();
  return code === reusable.verifier.deployedBytecode.toLowerCase() ? 'reusable' : undefined;
}
