import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PocomputeError } from '../core/errors.js';
import { sha256File } from '../core/files.js';
import {
  ARTIFACT_FILES,
  artifactsManifestSchema,
  type ArtifactsManifest,
} from './artifactsManifest.js';

export interface Artifacts {
  dir: string;
  manifest: ArtifactsManifest;
  path: (file: (typeof ARTIFACT_FILES)[number]) => string;
}

export const isArtifactsDir = (dir: string) => existsSync(join(dir, 'manifest.json'));

/**
 * Opens an artifacts directory and checks every file against the manifest's sha256, so that a
 * swapped settings file or key is caught before it is used.
 */
export async function openArtifacts(dir: string): Promise<Artifacts> {
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath))
    throw new PocomputeError(
      'ARTIFACTS_INVALID',
      `${dir} is not a pocompute artifacts directory (no manifest.json)`,
    );
  let manifest: ArtifactsManifest;
  try {
    manifest = artifactsManifestSchema.parse(JSON.parse(await readFile(manifestPath, 'utf8')));
  } catch (error) {
    throw new PocomputeError(
      'ARTIFACTS_INVALID',
      `${manifestPath} is unreadable: ${(error as Error).message.split('\n')[0]}`,
      { cause: error },
    );
  }
  for (const file of ARTIFACT_FILES) {
    const path = join(dir, file);
    if (!existsSync(path))
      throw new PocomputeError('ARTIFACTS_INVALID', `${dir} is incomplete: ${file} is missing`);
    const actual = await sha256File(path);
    if (actual !== manifest.files[file]) {
      const code =
        file === 'settings.json' || file === 'vk.key' ? 'SETTINGS_MISMATCH' : 'ARTIFACTS_INVALID';
      throw new PocomputeError(
        code,
        `${join(dir, file)} does not match its manifest (sha256 ${actual.slice(0, 12)}…, expected ${manifest.files[file].slice(0, 12)}…)`,
      );
    }
  }
  return { dir, manifest, path: (file) => join(dir, file) };
}
