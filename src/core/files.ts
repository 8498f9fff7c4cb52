import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, basename, resolve } from 'node:path';
import { PocomputeError } from './errors.js';
import { withFileLock } from './lock.js';
import { removeStaleTemps, tmpSuffix } from './tempDirs.js';

/** Writes a file so that readers see either the old content or the whole new one, never a part. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
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
  /** Build even when `reuse` finds a directory (which is then kept all the same: see below). */
  force?: boolean;
  /** What to return when a build is discarded for a valid existing directory (default: it). */
  kept?: (existing: T, built: T) => T;
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
 * directory another one completed (`reuse`). A directory that `reuse` accepts is never replaced,
 * not even by a forced build: other processes may be reading it by path. Only an invalid one is
 * moved aside and removed. Temporaries of dead builders (`.tmp-<pid>-…`) are removed here too.
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
      const tmpDir = `${finalDir}${tmpSuffix()}`;
      await mkdir(tmpDir, { recursive: true });
      try {
        const result = await build(tmpDir);
        if (existsSync(finalDir)) {
          const existing = reuse ? await reuse(finalDir) : undefined;
          if (existing !== undefined) {
            await rm(tmpDir, { recursive: true, force: true });
            return options.kept ? options.kept(existing, result) : existing;
          }
          const aside = `${finalDir}${tmpSuffix().replace('.tmp-', '.stale-')}`;
          await rename(finalDir, aside);
          await rm(aside, { recursive: true, force: true });
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
      }
    },
    options.onWait,
  );
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function requireFile(path: string, what: string): string {
  const absolute = resolve(path);
  if (!existsSync(absolute))
    throw new PocomputeError('FILE_NOT_FOUND', `${what} not found: ${path}`);
  return absolute;
}

export async function readJsonFile(
  path: string,
  what: string,
  code:
    | 'INPUT_INVALID'
    | 'BUNDLE_INVALID'
    | 'ARTIFACTS_INVALID'
    | 'CONFIG_INVALID' = 'INPUT_INVALID',
): Promise<unknown> {
  const text = await readFile(requireFile(path, what), 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new PocomputeError(
      code,
      `${what} is not valid JSON (${(error as Error).message}): ${path}`,
      { cause: error },
    );
  }
}

/** Key-sorted JSON, so that hashes of options do not depend on property order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}
