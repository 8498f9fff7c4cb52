import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, basename, resolve } from 'node:path';
import { PocomputeError } from './errors.js';
import type { ErrorCode } from './errorCodes.js';
import { SMALL_FILE_BYTES } from './fileHash.js';
import { JSON_LIMITS, parseJsonText } from './json.js';
import { withFileLock } from './lock.js';
import { createDirRemovedOnInterrupt, removeStaleTemps, tmpSuffix } from './tempDirs.js';

/**
 * Refuses a file target that cannot be written — a directory, or a path under a file — as a usage
 * error naming the path, so that a command can check its `--out` before any work (and a write never
 * fails as EISDIR/ENOTDIR).
 */
export async function requireWritableFilePath(path: string, what = 'output file'): Promise<void> {
  const target = resolve(path);
  const info = await stat(target).catch(() => undefined);
  if (info?.isDirectory())
    throw new PocomputeError('OPTION_INVALID', `${what} is a directory, not a file: ${path}`, {
      hint: 'Pass a file path (e.g. <dir>/proof.json).',
    });
  if (info) return;
  // The nearest existing ancestor must be a directory, or the parents cannot be created.
  for (let dir = dirname(target); ; dir = dirname(dir)) {
    const parent = await stat(dir).catch(() => undefined);
    if (parent && !parent.isDirectory())
      throw new PocomputeError(
        'OPTION_INVALID',
        `${what} cannot be written: ${dir} is a file, not a directory (${path})`,
      );
    if (parent || dirname(dir) === dir) return;
  }
}

/** Writes a file so that readers see either the old content or the whole new one, never a part. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await requireWritableFilePath(path);
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}${tmpSuffix()}`);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

export interface BuildDirOptions<T> {
  /**
   * Under the lock, a complete and valid directory already at `finalDir` to use instead of building
   * (undefined: none). Without it, an existing directory is replaced by the new build.
   */
  reuse?: (finalDir: string) => Promise<T | undefined>;
  /** Under the lock, when `reuse` finds nothing: another directory to use instead of building. */
  alternative?: () => Promise<T | undefined>;
  /** Build even when `reuse` finds a directory, and put the build in its place (see below). */
  force?: boolean;
  /**
   * With `force`, when the directory being replaced is valid (`reuse` accepts it): a path to move
   * it to instead of removing it (undefined: it is removed).
   */
  keepReplaced?: (existing: T, built: T) => string | undefined;
  /** The lock to hold (default `<finalDir>.lock`): one lock can cover several directories. */
  lockPath?: string;
  /** Called when another process holds the lock and this one starts waiting for it. */
  onWait?: () => void;
}

/**
 * Builds a directory under a temporary name and renames it into place when `build` succeeds,
 * so that a crash or kill mid-build never leaves a directory a later run would trust.
 *
 * Concurrent builders take turns on a file lock; after taking it, a builder first looks for a
 * directory another one completed (`reuse`) and uses it. Only a forced build replaces a valid
 * directory: the new one is renamed into its place (a process that has the old files open keeps
 * reading them), and the old one is removed or, where `keepReplaced` says, kept under another
 * name. An invalid one is always moved aside and removed. Temporaries of dead builders
 * (`.tmp-<pid>-…`) are removed here too.
 */
export async function buildDirAtomic<T>(
  finalDir: string,
  build: (tmpDir: string) => Promise<T>,
  options: BuildDirOptions<T> = {},
): Promise<T> {
  const { reuse } = options;
  await mkdir(dirname(finalDir), { recursive: true });
  return withFileLock(
    options.lockPath ?? `${finalDir}.lock`,
    async () => {
      await removeStaleTemps(dirname(finalDir));
      if (!options.force) {
        const existing = (await reuse?.(finalDir)) ?? (await options.alternative?.());
        if (existing !== undefined) return existing;
      }
      // Ctrl-C or SIGTERM mid-build leaves nothing behind (the next build would sweep it, later).
      const { path: tmpDir, dispose } = createDirRemovedOnInterrupt(
        () => `${finalDir}${tmpSuffix()}`,
      );
      try {
        const result = await build(tmpDir);
        if (existsSync(finalDir)) {
          const existing = reuse ? await reuse(finalDir) : undefined;
          if (existing !== undefined && !options.force) {
            // Another builder completed it while this one built (a lost lock): use theirs.
            await rm(tmpDir, { recursive: true, force: true });
            return existing;
          }
          const keepAt =
            existing !== undefined ? options.keepReplaced?.(existing, result) : undefined;
          if (keepAt && !existsSync(keepAt)) await rename(finalDir, keepAt);
          else {
            const aside = `${finalDir}${tmpSuffix().replace('.tmp-', '.stale-')}`;
            await rename(finalDir, aside);
            await rm(aside, { recursive: true, force: true });
          }
        }
        const lost = await rename(tmpDir, finalDir).then(
          () => undefined,
          async (error: NodeJS.ErrnoException) => {
            // Only if the lock was lost (a frozen owner): another builder got there first.
            const existing = ['ENOTEMPTY', 'EEXIST'].includes(error.code ?? '')
              ? await reuse?.(finalDir)
              : undefined;
            if (existing === undefined) throw error;
            return existing;
          },
        );
        if (lost !== undefined) {
          await rm(tmpDir, { recursive: true, force: true });
          return lost;
        }
        return result;
      } catch (error) {
        await rm(tmpDir, { recursive: true, force: true });
        throw error;
      } finally {
        dispose();
      }
    },
    options.onWait,
  );
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Remembered per file while it is unchanged: see fileHash.ts. */
export { readFileSha256, SMALL_FILE_BYTES, sha256File } from './fileHash.js';

export function requireFile(path: string, what: string): string {
  const absolute = resolve(path);
  if (!existsSync(absolute))
    throw new PocomputeError('FILE_NOT_FOUND', `${what} not found: ${path}`);
  return absolute;
}

export interface ReadJsonOptions {
  /** Size cap in bytes (default: JSON_LIMITS.maxBytes(), 64 MiB unless POCOMPUTE_MAX_JSON_MIB). */
  maxBytes?: number;
  maxDepth?: number;
}

/**
 * Reads a JSON file a user passed: stat first (a directory or a file over the size cap is refused
 * before anything is read), then the nesting depth is checked before parsing. Every failure is a
 * one-line error under `code` (exit 2), never an exception from the runtime.
 */
export async function readJsonFile(
  path: string,
  what: string,
  code: ErrorCode = 'INPUT_INVALID',
  options: ReadJsonOptions = {},
): Promise<unknown> {
  const text = await readTextFileCapped(path, what, code, options.maxBytes);
  return parseJsonText(text, { what, code, maxDepth: options.maxDepth }, path);
}

/** Reads a text file after checking it is a regular file under the size cap. */
export async function readTextFileCapped(
  path: string,
  what: string,
  code: ErrorCode,
  maxBytes = JSON_LIMITS.maxBytes(),
): Promise<string> {
  return (await readFileCapped(path, what, code, maxBytes)).toString('utf8');
}

/** Reads a file a user passed (a key, a JSON file): a regular file under the size cap. */
export async function readFileCapped(
  path: string,
  what: string,
  code: ErrorCode,
  maxBytes = JSON_LIMITS.maxBytes(),
): Promise<Buffer> {
  const absolute = await requireRegularFile(path, what, code);
  const { size } = statSync(absolute);
  if (size > maxBytes) {
    throw new PocomputeError(
      code,
      `${what} is ${mib(size)}, over the ${mib(maxBytes)} cap for files read whole: ${path}`,
      { hint: 'Check the file; POCOMPUTE_MAX_JSON_MIB raises the cap if it really is that large.' },
    );
  }
  // A small file in one synchronous read: each asynchronous step is a thread-pool round trip.
  return size <= SMALL_FILE_BYTES ? readFileSync(absolute) : readFile(absolute);
}

/** Like requireFile, and refuses directories and devices: reading them would fail as a crash. */
export async function requireRegularFile(
  path: string,
  what: string,
  code: ErrorCode,
): Promise<string> {
  const absolute = requireFile(path, what);
  const info = statSync(absolute);
  if (info.isDirectory())
    throw new PocomputeError(code, `${what} is a directory, not a file: ${path}`);
  if (!info.isFile()) throw new PocomputeError(code, `${what} is not a regular file: ${path}`);
  return absolute;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

export { canonicalJson } from './json.js';
