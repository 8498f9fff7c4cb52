import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import lockfile from 'proper-lockfile';
import { PocomputeError } from './errors.js';

/**
 * How long a lock may go without its owner touching it before another process takes it over: the
 * owner refreshes it every few seconds, so only a dead (or frozen) owner loses it.
 */
const STALE_MS = 30_000;
/** Builds on a loaded machine take minutes: wait up to about half an hour for a lock. */
const RETRIES = { retries: 2_000, factor: 1.2, minTimeout: 100, maxTimeout: 1_000 };

/**
 * Runs `work` while holding an exclusive lock shared by every pocompute process on this machine.
 * The lock is proper-lockfile's directory at `lockPath` (mkdir is atomic, also on NFS); its mtime is
 * refreshed while held, so a lock whose owner was killed goes stale and is taken over.
 */
export async function withFileLock<T>(
  lockPath: string,
  work: () => Promise<T>,
  onWait?: () => void,
): Promise<T> {
  await mkdir(dirname(lockPath), { recursive: true });
  const options = {
    realpath: false,
    lockfilePath: lockPath,
    stale: STALE_MS,
    // The default throws from a timer and kills the process. A lost lock costs at most a
    // duplicate build: every caller installs its result only where nothing valid exists yet.
    onCompromised: () => undefined,
  };
  const release = await lockfile
    .lock(lockPath, options)
    .catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ELOCKED') throw error;
      onWait?.();
      return lockfile.lock(lockPath, { ...options, retries: RETRIES });
    })
    .catch((error: Error) => {
      throw new PocomputeError('INTERNAL', `cannot take the lock ${lockPath}: ${error.message}`, {
        cause: error,
      });
    });
  try {
    return await work();
  } finally {
    await release().catch(() => undefined); // a compromised lock is already gone
  }
}
