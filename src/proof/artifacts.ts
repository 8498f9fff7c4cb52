import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PocomputeError } from '../core/errors.js';
import { EZKL_VERSION } from './engineVersion.js';
import type { ModelInfo } from './inspectModel.js';
import { readFileSha256, readJsonFile, requireRegularFile, sha256File } from '../core/files.js';
import {
  ARTIFACT_FILES,
  artifactsManifestSchema,
  type ArtifactsManifest,
} from './artifactsManifest.js';

export interface Artifacts {
  dir: string;
  manifest: ArtifactsManifest;
  path: (file: (typeof ARTIFACT_FILES)[number]) => string;
  /**
   * The check of the files opened with `defer`, still running: it rejects as openArtifacts would
   * have. Whoever asked for it awaits it before trusting anything made with those files.
   */
  deferredCheck?: Promise<void>;
}

export const isArtifactsDir = (dir: string) => existsSync(join(dir, 'manifest.json'));

/** The files verifying reads: opening for `verify` hashes these, not the 100+ MB proving key. */
export const VERIFYING_FILES = ['settings.json', 'vk.key', 'verifier.json'] as const;

export interface OpenArtifactsOptions {
  /** The files to check against the manifest (default: all of them). */
  check?: readonly (typeof ARTIFACT_FILES)[number][];
  /**
   * Of those, the ones checked in the background (`deferredCheck`): prove hashes the 100+ MB
   * proving key while EZKL proves with it, and refuses the proof if the key was not the manifest's.
   */
  defer?: readonly (typeof ARTIFACT_FILES)[number][];
}

/**
 * Opens an artifacts directory and checks its files against the manifest's sha256, so that a
 * swapped settings file or key is caught before it is used.
 */
export async function openArtifacts(
  dir: string,
  options: OpenArtifactsOptions = {},
): Promise<Artifacts> {
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath))
    throw new PocomputeError(
      'ARTIFACTS_INVALID',
      `${dir} is not a pocompute artifacts directory (no manifest.json)`,
    );
  // The capped reader: a directory, a huge or deep file, or non-JSON is a one-line error that
  // gives a byte position, never the file's content.
  const raw = await readJsonFile(manifestPath, 'artifacts manifest', 'ARTIFACTS_INVALID');
  requireCurrentEngine(raw, dir);
  const parsed = artifactsManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PocomputeError(
      'ARTIFACTS_INVALID',
      `${manifestPath} is not a pocompute artifacts manifest: ` +
        `${issue.path.join('.') || '(root)'}: ${issue.code === 'custom' ? issue.message : issue.code}`,
    );
  }
  const manifest: ArtifactsManifest = parsed.data;
  const files = options.check ?? ARTIFACT_FILES;
  const deferred = files.filter((file) => options.defer?.includes(file));
  for (const file of files) {
    if (!existsSync(join(dir, file)))
      throw new PocomputeError('ARTIFACTS_INVALID', `${dir} is incomplete: ${file} is missing`);
    // A directory, device or pipe in its place would fail as a crash, or be read forever.
    await requireRegularFile(join(dir, file), `artifacts file ${file}`, 'ARTIFACTS_INVALID');
    if (!deferred.includes(file)) await checkArtifactFile(dir, manifest, file);
  }
  const opened: Artifacts = { dir, manifest, path: (file) => join(dir, file) };
  if (deferred.length === 0) return opened;
  const deferredCheck = (async () => {
    // Deferred for a prove, which proves with them meanwhile: its own check, kept (sha256File).
    for (const file of deferred) await checkArtifactFile(dir, manifest, file, { keep: true });
  })();
  deferredCheck.catch(() => undefined); // reported to whoever awaits it, never as unhandled
  return { ...opened, deferredCheck };
}

async function checkArtifactFile(
  dir: string,
  manifest: ArtifactsManifest,
  file: (typeof ARTIFACT_FILES)[number],
  hashing: { keep?: boolean } = {},
): Promise<void> {
  const actual = await sha256File(join(dir, file), hashing);
  if (actual !== manifest.files[file]) {
    const code =
      file === 'settings.json' || file === 'vk.key' ? 'SETTINGS_MISMATCH' : 'ARTIFACTS_INVALID';
    throw new PocomputeError(
      code,
      `${join(dir, file)} does not match its manifest (sha256 ${actual.slice(0, 12)}…, expected ${manifest.files[file].slice(0, 12)}…)`,
    );
  }
}

/**
 * Artifacts another EZKL release made: their keys, circuit and verifier are that release's, and
 * this one neither proves with them nor verifies against them. Refused by name, never misread.
 */
function requireCurrentEngine(raw: unknown, dir: string): void {
  const made = (raw as { ezklVersion?: unknown } | null)?.ezklVersion;
  if (typeof made === 'string' && made !== EZKL_VERSION)
    throw new PocomputeError(
      'ARTIFACTS_OUTDATED',
      `${dir} was compiled by EZKL ${made}; this pocompute proves and verifies with EZKL ${EZKL_VERSION}`,
      {
        hint: 'Compile the model again (`pocompute compile <model.onnx> --input <sample>`): it makes a new directory and keys, and proofs made with the old ones must be made again.',
      },
    );
}

/**
 * Reads an artifacts file once and checks those very bytes against the manifest: what is hashed is
 * what is used, so a file swapped after `openArtifacts` is caught (no time-of-check/time-of-use gap).
 */
export async function readArtifactFile(
  artifacts: Artifacts,
  file: (typeof ARTIFACT_FILES)[number],
): Promise<Buffer> {
  const { bytes, sha256: actual } = await readFileSha256(artifacts.path(file));
  const expected = artifacts.manifest.files[file];
  if (actual !== expected)
    throw new PocomputeError(
      'ARTIFACTS_INVALID',
      `${artifacts.path(file)} changed after it was checked (sha256 ${actual.slice(0, 12)}…, manifest ${expected.slice(0, 12)}…)`,
    );
  return bytes;
}

/** The SRS the keys were set up with, read once and checked against the manifest's sha256. */
export async function readArtifactSrs(artifacts: Artifacts): Promise<Buffer> {
  const { bytes, sha256 } = await readFileSha256(artifacts.manifest.srs.path);
  checkSrsHash(artifacts, sha256);
  return bytes;
}

/**
 * For engines that read the SRS by path (native EZKL): the file is hashed just before use. SRS
 * files in pocompute's cache are never replaced once made, so the check holds while EZKL reads it.
 */
export async function checkArtifactSrs(artifacts: Artifacts): Promise<void> {
  // A prover's own check (prove, a stage's proof): kept across processes (sha256File).
  checkSrsHash(artifacts, await sha256File(artifacts.manifest.srs.path, { keep: true }));
}

function checkSrsHash(artifacts: Artifacts, actual: string): void {
  const { path, sha256 } = artifacts.manifest.srs;
  if (actual !== sha256)
    throw new PocomputeError(
      'SRS_INVALID',
      `${path} is not the SRS these keys were set up with (sha256 ${actual.slice(0, 12)}…, manifest ${sha256.slice(0, 12)}…)`,
      { hint: `Recompile ${artifacts.dir}'s model, or restore its SRS.` },
    );
}

/** Artifacts as compile returns them: built now, or found in the cache. */
export interface CompileResult extends Artifacts {
  cached: boolean;
  /**
   * The model as compile read it (its sha256 is the manifest's): whoever proves next uses it
   * rather than reading and parsing the artifacts' copy again. Absent when the artifacts were
   * opened from a directory.
   */
  model?: ModelInfo;
  /**
   * A forced rebuild that made another verifying key: where the replaced compilation was kept
   * (still found by its vk hash, so proofs made with it still verify).
   */
  replacedKeptAt?: string;
}
