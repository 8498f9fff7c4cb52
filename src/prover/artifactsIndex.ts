import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { resolveConfig } from '../core/config.js';
import { readJsonFile } from '../core/files.js';
import { homePaths } from '../core/paths.js';
import { openArtifacts, type Artifacts } from './artifacts.js';
import { readFile } from 'node:fs/promises';

/** Finds locally compiled artifacts whose verifying key has this sha256 (how a worker knows a model). */
export async function findArtifactsByVk(
  vkSha256: string,
  extraRoots: string[] = [],
): Promise<Artifacts | undefined> {
  const config = await resolveConfig();
  const roots = [...extraRoots, config.artifactsDir, homePaths.artifacts()]
    .filter((r): r is string => Boolean(r))
    .map((r) => resolve(r));
  for (const root of roots) {
    if (!existsSync(root)) continue;
    for (const name of await readdir(root)) {
      const manifestPath = join(root, name, 'manifest.json');
      if (/\.(tmp|stale)-/.test(name) || !existsSync(manifestPath)) continue;
      // Any directory may sit under a root: one whose manifest cannot be read is not a match.
      const manifest = (await readJsonFile(manifestPath, 'artifacts manifest').catch(
        () => undefined,
      )) as { files?: Record<string, string> } | undefined;
      if (manifest?.files?.['vk.key'] === vkSha256) return openArtifacts(join(root, name));
    }
  }
  return undefined;
}
