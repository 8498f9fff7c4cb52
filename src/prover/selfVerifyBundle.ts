import { PocomputeError } from '../core/errors.js';
import type { Artifacts } from '../proof/artifacts.js';
import { parseBundle, type ProofBundle } from '../proof/bundle.js';
import { checkBundleAgainst } from '../proof/checkBundle.js';

/**
 * `prove` checks its own bundle before writing it, with every check `verify --artifacts` runs
 * (the proof through the artifacts' Solidity verifier in the in-process EVM, and the stated
 * values against the instances), so it never reports success for a bundle that does not verify.
 * Returns the time it took, in ms, for the bundle's timings.
 */
export async function selfVerifyBundle(bundle: ProofBundle, artifacts: Artifacts): Promise<number> {
  const started = performance.now();
  // Parsed as `verify` would read it: a bundle that does not parse is not written either.
  const result = await checkBundleAgainst(parseBundle(bundle, 'the proof just made'), artifacts);
  if (!result.valid) {
    const failed = result.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    throw new PocomputeError(
      'SELF_CHECK_FAILED',
      `the proof just made does not verify against its own artifacts (${failed.join('; ')}); ` +
        'no bundle was written',
    );
  }
  return Math.round(performance.now() - started);
}
