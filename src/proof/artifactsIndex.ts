import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { resolveConfig } from '../core/config.js';
import { readJsonFile } from '../core/files.js';
import { homePaths } from '../core/paths.js';
import { type Artifacts, type OpenArtifactsOptions, openArtifacts } from './artifacts.js';

export interface FindArtifactsOptions {
  /**
   * For trust decisions: search only the pocompute home (POCOMPUTE_HOME) and `extraRoots`, never
   * the config file's artifactsDir — a pocompute.config.json in the working directory (a cloned
   * repository in CI) must not be able to plant a key that counts as "compiled here".
   */
  trustedOnly?: boolean;
}

interface ManifestHead {
  files?: Record<string, string>;
  model?: { sha256?: string };
}

/** The directories artifacts are looked up in, in order (see FindArtifactsOptions). */
export async function artifactRoots(
  extraRoots: string[] = [],
  options: FindArtifactsOptions = {},
): Promise<string[]> {
  const configured = options.trustedOnly ? undefined : (await resolveConfig()).artifactsDir;
  const roots = [...extraRoots, configured, homePaths.artifacts()]
    .filter((r): r is string => Boolean(r))
    .map((r) => resolve(r));
  return [...new Set(roots)];
}

async function* artifactDirs(
  extraRoots: string[],
  options: FindArtifactsOptions,
): AsyncGenerator<{ dir: string; head: ManifestHead }> {
  for (const root of await artifactRoots(extraRoots, options)) {
    if (!existsSync(root)) continue;
    for (const name of await readdir(root)) {
      const manifestPath = join(root, name, 'manifest.json');
      if (/\.(tmp|stale)-/.test(name) || !existsSync(manifestPath)) continue;
      // Any directory may sit under a root: one whose manifest cannot be read names no key.
      const head = (await readJsonFile(manifestPath, 'artifacts manifest').catch(
        () => undefined,
      )) as ManifestHead | undefined;
      if (head) yield { dir: join(root, name), head };
    }
  }
}

/** Finds locally compiled artifacts whose verifying key has this sha256 (how a worker knows a model). */
export async function findArtifactsByVk(
  vkSha256: string,
  extraRoots: string[] = [],
  options: FindArtifactsOptions = {},
): Promise<Artifacts | undefined> {
  for await (const { dir, head } of artifactDirs(extraRoots, options))
    if (head.files?.['vk.key'] === vkSha256) return openArtifacts(dir);
  return undefined;
}

/**
 * Every compilation of the model with this sha256 in the pocompute home (and `extraRoots`), each
 * opened by openArtifacts, which checks its files hash to its manifest. Never the config file's
 * artifactsDir: the result is key material a verdict trusts.
 */
export async function findCompilationsOfModel(
  modelSha256: string,
  extraRoots: string[] = [],
  open: OpenArtifactsOptions = {},
): Promise<Artifacts[]> {
  const found: Artifacts[] = [];
  for await (const { dir, head } of artifactDirs(extraRoots, { trustedOnly: true }))
    if (head.model?.sha256 === modelSha256) {
      const artifacts = await openArtifacts(dir, open);
      if (artifacts.manifest.model.sha256 === modelSha256) found.push(artifacts);
    }
  return found;
}
