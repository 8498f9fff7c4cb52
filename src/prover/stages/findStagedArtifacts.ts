import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { readJsonFile } from '../../core/files.js';
import { artifactRoots } from '../../proof/artifactsIndex.js';
import {
  openStagedArtifacts,
  STAGED_ARTIFACTS_FILE,
  type StagedArtifacts,
} from '../../proof/stagedArtifacts.js';

/**
 * The local compiled split (a `compileStages` record under an artifacts root) whose stages, in
 * order and all of them, have exactly these verifying-key sha256s; undefined if none. What
 * proves that N registered stages are stages 0..N−1 of one split of one source model: the local
 * record, never what a registration says about itself.
 */
export async function findStagedArtifactsByVks(
  vkSha256s: string[],
  extraRoots: string[] = [],
): Promise<StagedArtifacts | undefined> {
  for (const root of await artifactRoots(extraRoots)) {
    if (!existsSync(root)) continue;
    for (const name of await readdir(root)) {
      const dir = join(root, name);
      const recordPath = join(dir, STAGED_ARTIFACTS_FILE);
      if (/\.(tmp|stale)-/.test(name) || !existsSync(recordPath)) continue;
      if (!(await stagesHaveVks(dir, recordPath, vkSha256s))) continue;
      // The cheap look matched: open it for real (schema, every stage's model hash).
      // Each stage's own files were checked when attestModel opened it (found by its vk).
      const staged = await openStagedArtifacts(dir, { check: ['vk.key'] }).catch(() => undefined);
      if (
        staged &&
        staged.stages.length === vkSha256s.length &&
        staged.stages.every((s, i) => s.manifest.files['vk.key'] === vkSha256s[i])
      )
        return staged;
    }
  }
  return undefined;
}

async function stagesHaveVks(dir: string, recordPath: string, vks: string[]): Promise<boolean> {
  const record = (await readJsonFile(recordPath, 'staged artifacts record').catch(
    () => undefined,
  )) as { stages?: { index?: number; artifacts?: string }[] } | undefined;
  const stages = record?.stages;
  if (!Array.isArray(stages) || stages.length !== vks.length) return false;
  for (const [i, stage] of stages.entries()) {
    if (stage.index !== i || typeof stage.artifacts !== 'string') return false;
    const manifest = (await readJsonFile(
      join(resolve(dir, stage.artifacts), 'manifest.json'),
      'artifacts manifest',
    ).catch(() => undefined)) as { files?: Record<string, string> } | undefined;
    if (manifest?.files?.['vk.key'] !== vks[i]) return false;
  }
  return true;
}
