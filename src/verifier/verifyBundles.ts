import { toPocomputeError, type PocomputeError } from '../core/errors.js';
import { openArtifacts, VERIFYING_FILES } from '../proof/artifacts.js';
import { readProofStdin } from '../proof/bundle.js';
import type { VerifyBundleResult } from '../proof/checkBundle.js';
import { verifyBundle, type VerifyBundleParams } from './verifyBundle.js';

export type BundleVerdict =
  | { source: string; result: VerifyBundleResult; error?: undefined }
  | { source: string; result?: undefined; error: PocomputeError };

/**
 * Verifies many bundles in one process (CI's case): the trusted key material is opened once and
 * the verifier code loaded once; `-` is a bundle read from standard input. A bundle that cannot be
 * read is reported and the others still verified.
 */
export async function* verifyBundles(
  sources: string[],
  trust: Omit<VerifyBundleParams, 'bundle'>,
): AsyncGenerator<BundleVerdict> {
  const artifacts =
    typeof trust.artifacts === 'string'
      ? await openArtifacts(trust.artifacts, { check: VERIFYING_FILES })
      : trust.artifacts;
  for (const source of sources) {
    try {
      const bundle = source === '-' ? await readProofStdin() : source;
      yield { source, result: await verifyBundle({ ...trust, artifacts, bundle }) };
    } catch (error) {
      const failure = toPocomputeError(error);
      // A usage error (wrong options) is the same for every bundle: stop at once.
      if (failure.code === 'USAGE') throw failure;
      yield { source, error: failure };
    }
  }
}

/** The exit code of a batch: 1 if any bundle is invalid, else 2 if any could not be read, else 0. */
export function batchExitCode(verdicts: BundleVerdict[]): number {
  if (verdicts.some((v) => v.result && !v.result.valid)) return 1;
  const error = verdicts.find((v) => v.error);
  return error?.error ? error.error.exitCode : 0;
}
