import { readFile } from 'node:fs/promises';
import { PocomputeError } from '../../core/errors.js';
import { writeFileAtomic } from '../../core/files.js';
import { withUpdatedWeights } from './applyWeights.js';
import { readRunJson, readRunManifest, runFile } from './runManifest.js';
import { verifyRun } from './verifyRun.js';

/** Writes the fine-tuned model (the base model with the run's final weights), after verifying the run. */
export async function exportRun(dir: string, out: string): Promise<{ out: string; steps: number }> {
  const check = await verifyRun(dir);
  if (!check.valid)
    throw new PocomputeError('CHAIN_INVALID', `not exporting an invalid run: ${check.failure}`);
  const run = await readRunManifest(dir);
  // verifyRun checked that these weights hash to the last step's output.
  const finalWeights = (await readRunJson(dir, run.final.weights, 'final weights')) as number[][];
  const updates = Object.fromEntries(run.tensors.map((t, i) => [t.name, finalWeights[i]]));
  const base = await readFile(await runFile(dir, run.base.model, 'base model'));
  await writeFileAtomic(out, withUpdatedWeights(new Uint8Array(base), updates));
  const exported = await verifyRun(dir, { exported: out });
  if (!exported.valid)
    throw new PocomputeError(
      'INTERNAL',
      `the exported model does not hash to the run's final weights: ${exported.failure}`,
    );
  return { out, steps: run.steps.length };
}
