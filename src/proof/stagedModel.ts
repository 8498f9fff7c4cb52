import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { PocomputeError } from '../core/errors.js';
import { readJsonFile, sha256File } from '../core/files.js';

export const STAGED_MODEL_FORMAT = 'pocompute-staged-model@1';
export const STAGES_FILE = 'stages.json';
/** The model that was split, kept beside its stages (sha256 in stages.json). */
export const SOURCE_FILE = 'source.onnx';

const tensorSchema = z.object({
  name: z.string().min(1),
  dims: z.array(z.number().int().nonnegative()),
  dtype: z.string(),
});

const stageSchema = z.object({
  index: z.number().int().nonnegative(),
  /** The stage model's file name inside the split directory (stage-<i>.onnx). */
  file: z.string().regex(/^stage-\d+\.onnx$/),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  inputs: z.array(tensorSchema),
  outputs: z.array(tensorSchema),
  /** Nodes of the source graph in this stage (Constant copies not counted). */
  nodes: z.number().int().nonnegative(),
  /** The split's cost proxy for this stage (see `costProxy`). */
  estimatedCost: z.number().nonnegative(),
});

/** `stages.json`: how a model was cut into stage models (what `split` writes and everything reads). */
export const stagedModelSchema = z
  .object({
    format: z.literal(STAGED_MODEL_FORMAT),
    source: z.object({ name: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
    /** What the stages were balanced on. */
    costProxy: z.string(),
    requested: z.union([z.number().int().positive(), z.literal('auto')]),
    stages: z.array(stageSchema).min(1),
  })
  .superRefine((value, ctx) => {
    value.stages.forEach((stage, i) => {
      if (stage.index !== i || stage.file !== `stage-${i}.onnx`)
        ctx.addIssue({
          code: 'custom',
          message: `stage ${i} is out of order`,
          path: ['stages', i],
        });
      const next = value.stages[i + 1];
      if (next) {
        const out = stage.outputs.map((t) => `${t.name}:${t.dims.join('x')}`).join(',');
        const into = next.inputs.map((t) => `${t.name}:${t.dims.join('x')}`).join(',');
        if (stage.outputs.length !== 1 || out !== into)
          ctx.addIssue({
            code: 'custom',
            message: `stage ${i}'s output is not stage ${i + 1}'s input`,
            path: ['stages', i, 'outputs'],
          });
      }
    });
  });
export type StagedModelManifest = z.infer<typeof stagedModelSchema>;
export type StageEntry = StagedModelManifest['stages'][number];

/** A split model: its directory, its manifest, and each stage model's path. */
export interface StagedModel {
  dir: string;
  manifest: StagedModelManifest;
  stagePath: (index: number) => string;
  sourcePath: string;
}

export const isStagedModelDir = (dir: string) => existsSync(join(dir, STAGES_FILE));

/**
 * Reads a split directory: `stages.json` is validated with zod and every stage model is hashed
 * against it, so that a replaced stage file is refused before anything is compiled or trusted.
 */
export async function readStagedModel(dir: string): Promise<StagedModel> {
  const root = resolve(dir);
  const path = join(root, STAGES_FILE);
  if (!existsSync(path))
    throw new PocomputeError('STAGES_INVALID', `${dir} is not a split model (no ${STAGES_FILE})`);
  const raw = await readJsonFile(path, 'stages file', 'STAGES_INVALID');
  const parsed = stagedModelSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PocomputeError(
      'STAGES_INVALID',
      `${path} is not a pocompute split (${STAGED_MODEL_FORMAT}): ` +
        `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
  }
  const manifest = parsed.data;
  const sourcePath = join(root, SOURCE_FILE);
  const sourceSha = existsSync(sourcePath) ? await sha256File(sourcePath) : 'missing';
  if (sourceSha !== manifest.source.sha256)
    throw new PocomputeError(
      'STAGES_INVALID',
      `${sourcePath} is not the model ${STAGES_FILE} was split from (${sourceSha.slice(0, 12)}…)`,
    );
  for (const stage of manifest.stages) {
    const file = join(root, stage.file);
    if (!existsSync(file))
      throw new PocomputeError('STAGES_INVALID', `${dir} is incomplete: ${stage.file} is missing`);
    const actual = await sha256File(file);
    if (actual !== stage.sha256)
      throw new PocomputeError(
        'STAGES_INVALID',
        `${file} is not the stage ${STAGES_FILE} names (sha256 ${actual.slice(0, 12)}…, ` +
          `expected ${stage.sha256.slice(0, 12)}…)`,
      );
  }
  return {
    dir: root,
    manifest,
    stagePath: (i) => join(root, manifest.stages[i].file),
    sourcePath,
  };
}
