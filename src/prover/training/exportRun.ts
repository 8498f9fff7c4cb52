import { readFile } from 'node:fs/promises';
import { isPocomputeError, PocomputeError } from '../../core/errors.js';
import { writeFileAtomic } from '../../core/files.js';
import { withUpdatedWeights } from './applyWeights.js';
import { readRunJson, readRunManifest, runFile } from './runManifest.js';
import { verifyRun } from './verifyRun.js';

export interface ExportRunParams {
  /** The run directory `pocompute train` wrote. */
  run: string;
  /** The ONNX file to write. */
  out: string;
  /**
   * Export a run whose proofs could only be checked against its own step key (no compilation of
   * its step circuit on this machine, no `artifacts`): refused otherwise (STEP_KEY_UNTRUSTED, as
   * `verify`), since such a run shows its proofs are consistent, not that they are of the SGD step
   * it claims.
   */
  allowUntrustedKey?: boolean;
  /** A compiled step circuit whose key the verifier trusts (as `verify <run> --artifacts`). */
  artifacts?: string;
}

/** Writes the fine-tuned model (the base model with the run's final weights), after verifying the run. */
export async function exportRun(
  params: ExportRunParams,
): Promise<{ out: string; steps: number; keySource: 'artifacts' | 'run' }> {
  const { run: dir, out, ...options } = params;
  // Without a trusted step key verifyRun refuses (STEP_KEY_UNTRUSTED) unless allowUntrustedKey.
  const trust = { artifacts: options.artifacts, allowUntrustedKey: options.allowUntrustedKey };
  const check = await verifyRun({ run: dir, ...trust }).catch((error: unknown) => {
    if (!isPocomputeError(error, 'STEP_KEY_UNTRUSTED')) throw error;
    throw new PocomputeError(error.code, `not exporting: ${error.message}`, {
      hint: `${error.hint} Or pass --allow-untrusted-key to export anyway (said so).`,
      cause: error,
    });
  });
  if (!check.valid)
    throw new PocomputeError('CHAIN_INVALID', `not exporting an invalid run: ${check.failure}`);
  const run = await readRunManifest(dir);
  // verifyRun checked that these weights hash to the last step's output.
  const finalWeights = (await readRunJson(dir, run.final.weights, 'final weights')) as number[][];
  const updates = Object.fromEntries(run.tensors.map((t, i) => [t.name, finalWeights[i]]));
  const base = await readFile(await runFile(dir, run.base.model, 'base model'));
  await writeFileAtomic(out, withUpdatedWeights(new Uint8Array(base), updates));
  const exported = await verifyRun({ run: dir, ...trust, exported: out });
  if (!exported.valid)
    throw new PocomputeError(
      'INTERNAL',
      `the exported model does not hash to the run's final weights: ${exported.failure}`,
    );
  return { out, steps: run.steps.length, keySource: check.keySource };
}
