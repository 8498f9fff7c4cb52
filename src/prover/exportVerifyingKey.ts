import { existsSync } from 'node:fs';
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { PocomputeError } from '../core/errors.js';
import { tmpSuffix } from '../core/tempDirs.js';
import {
  type Artifacts,
  isArtifactsDir,
  openArtifacts,
  VERIFYING_FILES,
} from '../proof/artifacts.js';
import { findArtifactsByVk, findCompilationsOfModel } from '../proof/artifactsIndex.js';
import { readBundle } from '../proof/bundle.js';

export interface ExportVerifyingKeyParams {
  /** A proof bundle (its key is looked up among the artifacts compiled here) or an artifacts directory. */
  source: string;
  /** The directory to write; it must not exist yet (nothing is overwritten). */
  out: string;
}

export interface ExportVerifyingKeyResult {
  out: string;
  /** The artifacts directory the files came from. */
  from: string;
  /** Each file written, with its sha256 (as the manifest records it). */
  files: Record<string, string>;
  vkSha256: string;
  logrows: number;
  /** The SRS the key was set up with: a verifier trusting this key trusts that SRS's maker. */
  srs: { origin: string; sha256: string };
}

/** The manifest and the files `verify --artifacts` reads: no proving key, circuit or SRS. */
export const EXPORTED_FILES = ['manifest.json', ...VERIFYING_FILES] as const;

/**
 * Writes what a machine that only verifies needs for a model — its manifest, settings, verifying
 * key and compiled Solidity verifier (a few hundred KiB; no proving key, circuit or SRS) — into a
 * new directory that `pocompute verify <bundle> --artifacts <dir>` takes. From a bundle, the
 * artifacts are found by the bundle's vk hash among those compiled on this machine; the files are
 * checked against their manifest first, and the directory appears whole or not at all.
 */
export async function exportVerifyingKey(
  params: ExportVerifyingKeyParams,
): Promise<ExportVerifyingKeyResult> {
  const artifacts = await artifactsOf(params.source);
  const out = resolve(params.out);
  if (existsSync(out))
    throw new PocomputeError('USAGE', `${params.out} already exists`, {
      hint: 'Give --out a new directory: an exported key is written whole, never over other files.',
    });
  await mkdir(dirname(out), { recursive: true });
  const tmp = `${out}${tmpSuffix()}`;
  try {
    await mkdir(tmp);
    for (const file of EXPORTED_FILES) await copyFile(join(artifacts.dir, file), join(tmp, file));
    await rename(tmp, out);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
  // The copy is checked as `verify --artifacts` will check it (a source changed while copying).
  const exported = await openArtifacts(out, { check: VERIFYING_FILES }).catch(async (error) => {
    await rm(out, { recursive: true, force: true });
    throw error;
  });
  const m = exported.manifest;
  return {
    out,
    from: artifacts.dir,
    files: Object.fromEntries(
      EXPORTED_FILES.filter((f) => f !== 'manifest.json').map((f) => [f, m.files[f]]),
    ),
    vkSha256: m.files['vk.key'],
    logrows: m.circuit.logrows,
    srs: { origin: m.srs.origin, sha256: m.srs.sha256 },
  };
}

async function artifactsOf(source: string): Promise<Artifacts> {
  if (isArtifactsDir(source)) return openArtifacts(source, { check: VERIFYING_FILES });
  const bundle = await readBundle(source);
  // The bundle's own model's compilation first: two models (say, one with other metadata) can share
  // a circuit and so a key, and the other's artifacts would name another model file.
  const found =
    (await findCompilationsOfModel(bundle.model.sha256)).find(
      (a) => a.manifest.files['vk.key'] === bundle.artifacts.vkSha256,
    ) ?? (await findArtifactsByVk(bundle.artifacts.vkSha256));
  if (!found)
    throw new PocomputeError(
      'FILE_NOT_FOUND',
      `no artifacts compiled here have the verifying key of ${source} (vk sha256 ${bundle.artifacts.vkSha256.slice(0, 16)}…)`,
      {
        hint: 'Export on the machine that proved it, or pass its artifacts directory (prove prints it).',
      },
    );
  return found;
}
