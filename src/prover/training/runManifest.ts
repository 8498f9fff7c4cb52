import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { PocomputeError } from '../../core/errors.js';
import { requireFile } from '../../core/files.js';

const stepSchema = z.object({
  index: z.number(),
  proof: z.string(),
  batch: z.string(),
  weightsOut: z.string(),
  inputWeightsHash: z.array(z.string()),
  batchHash: z.array(z.string()),
  outputWeightsHash: z.array(z.string()),
  lossHash: z.string(),
  loss: z.number(),
  floatLoss: z.number(),
  drift: z.object({ maxAbsWeight: z.number(), loss: z.number() }),
  proveMs: z.number(),
});
export type RunStep = z.infer<typeof stepSchema>;

/** A fine-tuning run: every step's proof and hashes, from the base model to the final weights. */
export const runManifestSchema = z.object({
  format: z.literal('pocompute-training-run@1'),
  createdAt: z.string(),
  base: z.object({ model: z.string(), sha256: z.string(), weightsHash: z.array(z.string()) }),
  options: z.object({
    trainable: z.array(z.number()),
    loss: z.enum(['mse', 'cross-entropy']),
    lr: z.number(),
    batch: z.number(),
    steps: z.number(),
  }),
  /** Trainable tensors in circuit order, with the scale their hashes are taken at. */
  tensors: z.array(z.object({ name: z.string(), dims: z.array(z.number()), scale: z.number() })),
  batchScales: z.array(z.number()),
  lossScale: z.number(),
  stepModel: z.object({
    path: z.string(),
    sha256: z.string(),
    artifactsKey: z.string(),
    vkSha256: z.string(),
  }),
  steps: z.array(stepSchema),
  final: z.object({ weights: z.string(), weightsHash: z.array(z.string()) }),
  srsOrigin: z.string(),
});
export type RunManifest = z.infer<typeof runManifestSchema>;

export const RUN_MANIFEST = 'run.json';

export async function readRunManifest(dir: string): Promise<RunManifest> {
  const text = await readFile(
    requireFile(join(dir, RUN_MANIFEST), 'training run manifest'),
    'utf8',
  );
  const parsed = runManifestSchema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new PocomputeError(
      'BUNDLE_INVALID',
      `${dir}/${RUN_MANIFEST} is not a training run: ${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message}`,
    );
  return parsed.data;
}
