import { z } from 'zod';
import { isPocomputeError, PocomputeError } from '../core/errors.js';
import {
  BUNDLE_FORMAT,
  type BundleVerifier,
  bundleVerifierCode,
  bundleVerifierSchema,
} from '../proof/bundleVerifier.js';
import {
  runVerifier,
  type VerifierCode,
  type VerifierIdentity,
  type VerifierLayout,
  verifierIdentity,
} from '../proof/evm.js';
import { proofBytesOf } from '../proof/validateProof.js';
import { feltFromHexLE } from '../proof/felts.js';

/**
 * The proof of a bundle checked by EZKL's Solidity verifier in the in-process EVM — the code path
 * of verifyBundle, with nothing that needs Node (no files, caches or node: modules), so that the
 * same verifier runs in a browser (src/browser.ts, `npm run build:browser`).
 *
 * It checks one thing: that the verifier accepts the proof for the bundle's public instances. What
 * the verifier is worth is the caller's to say: a verifier pinned by its code hash (and, for the
 * reusable layout, its VKA digest) — the hashes a chain reports for a deployed verifier — or a
 * verifier the caller holds. Without either, the bundle's own verifier runs, which only shows that
 * the bundle is consistent with itself: whoever made the bundle made its verifier. The bundle's
 * other claims (model, public values, settings) are not read; `verify` checks those in Node.
 */

/** The verifier the caller trusts: pinned by hash, or given as code (a bundle's `verifier` field). */
export type TrustedVerifier =
  | {
      /** keccak256 of the verifier's runtime code (0x hex), as EXTCODEHASH reports it. */
      codeHash: string;
      /** The reusable layout's VKA digest (0x hex), as its registerVka returns it. */
      vkaDigest?: string;
    }
  | { verifier: BundleVerifier };

export interface VerifyBundleProofParams {
  /** A parsed pocompute-proof@2 bundle (the JSON of a `.proof` file). */
  bundle: unknown;
  /** What the verdict is checked against; without it, the bundle's own verifier (self-consistency). */
  trusted?: TrustedVerifier;
}

/** What the proof was checked against. */
export type VerifierTrust = 'pinned-hash' | 'trusted-verifier' | 'bundle-only';

export interface BundleProofVerdict {
  ok: boolean;
  /** Why the proof was refused. */
  reason?: string;
  /**
   * `pinned-hash`: the bundle's verifier, after its hashes matched the pinned ones;
   * `trusted-verifier`: the caller's verifier; `bundle-only`: the bundle's own verifier, unchecked.
   */
  checkedAgainst: VerifierTrust;
  /** The verifier that was (or would have been) run, as the EVM hashed it. */
  verifier?: VerifierIdentity & { layout: VerifierLayout };
  /** Execution gas of the verifyProof call. */
  gasUsed?: bigint;
}

const HASH = /^0x[0-9a-fA-F]{64}$/;

/** Only the fields the proof check reads; the full bundle schema (src/proof/bundle.ts) is Node's. */
const bundleProofSchema = z.object({
  format: z.literal(BUNDLE_FORMAT),
  verifier: bundleVerifierSchema,
  proof: z
    .object({
      instances: z.array(
        z.array(z.string().regex(/^(0x)?[0-9a-fA-F]{64}$/, 'must be a 32-byte felt in hex')),
      ),
    })
    .passthrough(),
});

/**
 * Verifies a bundle's proof in the in-process EVM against the verifier `trusted` names. A refusal
 * is a verdict (`ok: false` with a reason), whether the bundle is malformed, its verifier is not the
 * trusted one, or the verifier says no; only a malformed `trusted` throws (OPTION_INVALID).
 */
export async function verifyBundleProof(
  params: VerifyBundleProofParams,
): Promise<BundleProofVerdict> {
  const checkedAgainst = trustOf(params.trusted);
  try {
    const bundle = parseBundleProof(params.bundle);
    const code = bundleVerifierCode(chooseVerifier(bundle.verifier, params.trusted));
    const identity = await verifierIdentity(code);
    const verifier = { layout: code.layout, ...identity };
    const mismatch = pinMismatch(params.trusted, code, identity);
    if (mismatch) return { ok: false, reason: mismatch, checkedAgainst, verifier };
    const verdict = await runVerifier(
      code,
      proofBytesOf(bundle.proof),
      (bundle.proof.instances[0] ?? []).map(feltFromHexLE),
    );
    return verdict.ok
      ? { ok: true, checkedAgainst, verifier, gasUsed: verdict.gasUsed }
      : { ok: false, reason: verdict.reason, checkedAgainst, verifier };
  } catch (error) {
    // Malformed bundles, proofs and VKAs are refusals; anything else is a bug and is thrown.
    if (isPocomputeError(error) && error.code !== 'INTERNAL')
      return { ok: false, reason: error.message, checkedAgainst };
    throw error;
  }
}

function trustOf(trusted: TrustedVerifier | undefined): VerifierTrust {
  if (trusted === undefined) return 'bundle-only';
  if ('verifier' in trusted) {
    const parsed = bundleVerifierSchema.safeParse(trusted.verifier);
    if (!parsed.success) throw badTrust(`trusted.verifier: ${issueOf(parsed.error)}`);
    return 'trusted-verifier';
  }
  if (typeof trusted.codeHash !== 'string' || !HASH.test(trusted.codeHash))
    throw badTrust('trusted.codeHash must be a 0x-prefixed 32-byte hex hash');
  if (trusted.vkaDigest !== undefined && !HASH.test(trusted.vkaDigest))
    throw badTrust('trusted.vkaDigest must be a 0x-prefixed 32-byte hex hash');
  return 'pinned-hash';
}

const badTrust = (message: string) =>
  new PocomputeError('OPTION_INVALID', message, {
    hint: 'Pin the verifier by { codeHash, vkaDigest? } or pass it as { verifier: { layout, runtime, vka? } }.',
  });

const issueOf = (error: z.ZodError) => {
  const issue = error.issues[0];
  return `${issue.path.join('.') || '(root)'}: ${issue.message}`;
};

function parseBundleProof(raw: unknown) {
  const parsed = bundleProofSchema.safeParse(raw);
  if (!parsed.success)
    throw new PocomputeError(
      'BUNDLE_INVALID',
      `not a ${BUNDLE_FORMAT} proof bundle: ${issueOf(parsed.error)}`,
    );
  return parsed.data;
}

/** The caller's verifier when given (the bundle must carry the same one), else the bundle's. */
function chooseVerifier(carried: BundleVerifier, trusted?: TrustedVerifier): BundleVerifier {
  if (!trusted || !('verifier' in trusted)) return carried;
  const words = (v: BundleVerifier) => (v.vka ?? []).map((w) => w.toLowerCase()).join();
  const same =
    carried.layout === trusted.verifier.layout &&
    carried.runtime.toLowerCase() === trusted.verifier.runtime.toLowerCase() &&
    words(carried) === words(trusted.verifier);
  if (!same)
    throw new PocomputeError(
      'VERIFIER_MISMATCH',
      'the bundle carries another verifier than the trusted one: it was not made for this key',
    );
  return trusted.verifier;
}

/** Why the verifier that would run is not the pinned one, if it is not. */
function pinMismatch(
  trusted: TrustedVerifier | undefined,
  code: VerifierCode,
  identity: VerifierIdentity,
): string | undefined {
  if (!trusted || !('codeHash' in trusted)) return undefined;
  if (identity.codeHash !== trusted.codeHash.toLowerCase())
    return (
      `the bundle's verifier has code hash ${identity.codeHash}, ` +
      `not the pinned ${trusted.codeHash.toLowerCase()}`
    );
  if (code.layout === 'reusable') {
    // The reusable verifier's key is its VKA, not its code: a code hash alone pins no circuit.
    if (!trusted.vkaDigest)
      return 'the bundle has a reusable verifier, whose key is its VKA: pin its vkaDigest too';
    if (identity.vkaDigest !== trusted.vkaDigest.toLowerCase())
      return (
        `the bundle's VKA has digest ${identity.vkaDigest}, ` +
        `not the pinned ${trusted.vkaDigest.toLowerCase()}`
      );
  }
  return undefined;
}
