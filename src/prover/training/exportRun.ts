import { readFile } from 'node:fs/promises';
import { PocomputeError } from '../../core/errors.js';
import { writeFileAtomic } from '../../core/files.js';
import { withUpdatedWeights } from './applyWeights.js';
import { readRunJson, readRunManifest, runFile } from './runManifest.js';
import { verifyRun } from './verifyRun.js';

export interface ExportRunOptions {
  /**
   * Export a run whose proofs could only be checked against its own step key (no compilation of
   * its step circuit on this machine, no `artifacts`): refused otherwise, since such a run shows
   * its proofs are consistent, not that they are of the SGD step it claims.
   */
  allowUntrustedKey?: boolean;
  /** A compiled step circuit whose key the verifier trusts (as `verify <run> --artifacts`). */
  artifacts?: string;
}

/** Writes the fine-tuned model (the base model with the run's final weights), after verifying the run. */
export async function exportRun(
  dir: string,
  out: string,
  options: ExportRunOptions = {},
): Promise<{ out: string; steps: number; keySource: 'artifacts' | 'run' }> {
  const check = await verifyRun(dir, { artifacts: options.artifacts });
  if (!check.valid)
    throw new PocomputeError('CHAIN_INVALID', `not exporting an invalid run: ${check.failure}`);
  if (check.keySource === 'run' && !options.allowUntrustedKey)
    throw new PocomputeError(
      'CHAIN_INVALID',
      'not exporting a run verified only against its own step key: no compilation of its step circuit is known here, so its proofs may be of another circuit',
      {
        hint: 'Pass --artifacts <dir> with the step circuit you compiled (see `pocompute verify <run>`), or --allow-untrusted-key to export anyway.',
      },
    );
  const run = await readRunManifest(dir);
  // verifyRun checked that these weights hash to the last step's output.
  const finalWeights = (await readRunJson(dir, run.final.weights, 'final weights')) as number[][];
  const updates = Object.fromEntries(run.tensors.map((t, i) => [t.name, finalWeights[i]]));
  const base = await readFile(await runFile(dir, run.base.model, 'base model'));
  await writeFileAtomic(out, withUpdatedWeights(new Uint8Array(base), updates));
  const exported = await verifyRun(dir, { exported: out, artifacts: options.artifacts });
  if (!exported.valid)
    throw new PocomputeError(
      'INTERNAL',
      `the exported model does not hash to the run's final weights: ${exported.failure}`,
    );
  return { out, steps: run.steps.length, keySource: check.keySource };
}
