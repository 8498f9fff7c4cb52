import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { PocomputeError } from '../core/errors.js';
import { readJsonFile } from '../core/files.js';
import { type CompileResult, openArtifacts } from './artifacts.js';
import { runArgsSchema } from './circuitChoice.js';

/** The compiled stages of a split model: one ordinary artifacts directory per stage. */
export interface StagedArtifacts {
  /** The record's directory (`<artifacts root>/<name>-staged-<key>`). */
  dir: string;
  source: { name: string; sha256: string };
  stages: CompileResult[];
  /** The whole model's circuit choice (absent when the stages were found by model hash). */
  runArgs?: z.infer<typeof runArgsSchema>;
}

export const STAGED_ARTIFACTS_FORMAT = 'pocompute-staged-artifacts@1';
export const STAGED_ARTIFACTS_FILE = 'staged-artifacts.json';

const stagedArtifactsRecordSchema = z.object({
  format: z.literal(STAGED_ARTIFACTS_FORMAT),
  source: z.object({ name: z.string(), sha256: z.string() }),
  /** The whole model's circuit choice every stage was compiled with. */
  runArgs: runArgsSchema,
  stages: z
    .array(
      z.object({
        index: z.number().int().nonnegative(),
        modelSha256: z.string(),
        /** The stage's artifacts directory, relative to this record's directory. */
        artifacts: z.string(),
      }),
    )
    .min(1),
});
export type StagedArtifactsRecord = z.infer<typeof stagedArtifactsRecordSchema>;

export const isStagedArtifactsDir = (dir: string) => existsSync(join(dir, STAGED_ARTIFACTS_FILE));

/** Opens compiled stages from their record, each stage's files checked against its manifest. */
export async function openStagedArtifacts(
  dir: string,
  check?: Parameters<typeof openArtifacts>[1],
): Promise<StagedArtifacts> {
  const path = join(dir, STAGED_ARTIFACTS_FILE);
  const raw = await readJsonFile(path, 'staged artifacts record', 'ARTIFACTS_INVALID');
  const parsed = stagedArtifactsRecordSchema.safeParse(raw);
  if (!parsed.success)
    throw new PocomputeError(
      'ARTIFACTS_INVALID',
      `${path} is not a ${STAGED_ARTIFACTS_FORMAT} record: ${parsed.error.issues[0].message}`,
    );
  const record = parsed.data;
  const stages: CompileResult[] = [];
  for (const stage of record.stages) {
    const artifacts = await openArtifacts(resolve(dir, stage.artifacts), check);
    if (artifacts.manifest.model.sha256 !== stage.modelSha256)
      throw new PocomputeError(
        'ARTIFACTS_INVALID',
        `${artifacts.dir} is not a compilation of stage ${stage.index} (model sha256 differs)`,
      );
    stages.push({ ...artifacts, cached: true });
  }
  return { dir: resolve(dir), source: record.source, stages, runArgs: record.runArgs };
}
