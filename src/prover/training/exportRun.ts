import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PocomputeError } from '../../core/errors.js';
import { writeFileAtomic } from '../../core/files.js';
import { withUpdatedWeights } from './applyWeights.js';
import { readRunManifest } from './runManifest.js';
import { verifyRun } from './verifyRun.js';

/** Writes the fine-tuned model (the base model with the run's final weights), after verifying the run. */
export async function exportRun(dir: string, out: string): Promise<{ out: string; steps: number }> {
  const check = await verifyRun(dir);
  if (!check.valid)
    throw new PocomputeError('CHAIN_INVALID', `not exporting an invalid run: ${check.failure}`);
  const run = await readRunManifest(dir);
  const finalWeights = JSON.parse(
    await readFile(join(dir, run.final.weights), 'utf8'),
  ) as number[][];
  const updates = Object.fromEntries(run.tensors.map((t, i) => [t.name, finalWeights[i]]));
  await writeFileAtomic(
    out,
    withUpdatedWeights(new Uint8Array(await readFile(join(dir, run.base.model))), updates),
  );
  const exported = await verifyRun(dir, { exported: out });
  if (!exported.valid)
    throw new PocomputeError(
      'INTERNAL',
      `the exported model does not hash to the run's final weights: ${exported.failure}`,
    );
  return { out, steps: run.steps.length };
}
