import { rmSync } from 'node:fs';
import { readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PocomputeError } from './errors.js';
import { isPidAlive, onInterrupt } from './tempDirs.js';

/**
 * How long a lock may go without its owner touching it before another process takes it over: the
 * owner refreshes it every few seconds, so only a dead (or frozen) owner loses it.
 */
const STALE_MS = 30_000;
/** Builds on a loaded machine take minutes: wait up to about half an hour for a lock. */
const WAIT_MS = 30 * 60_000;

/**
 * Runs `work` while holding an exclusive lock shared by every pocompute process on this machine.
 * The lock is proper-lockfile's directory at `lockPath` (mkdir is atomic, also on NFS); its mtime is
 * refreshed while held, so a lock whose owner was killed goes stale and is taken over. The owner's
 * pid is kept beside it (`<lockPath>.pid`): a waiter that sees the owner is dead marks the lock stale
 * at once, so the run after a `kill -9` does not wait for the mtime to age.
 */
export async function withFileLock<T>(
  lockPath: string,
  work: () => Promise<T>,
  onWait?: () => void,
): Promise<T> {
  // Loaded here: proper-lockfile brings graceful-fs, which patches fs at load; most commands
  // (verify) never take a lock.
  const { default: lockfile } = await import('proper-lockfile');
  await mkdir(dirname(lockPath), { recursive: true });
  const options = {
    realpath: false,
    lockfilePath: lockPath,
    stale: STALE_MS,
    // The default throws from a timer and kills the process. A lost lock costs at most a
    // duplicate build: every caller installs its result only where nothing valid exists yet.
    onCompromised: () => undefined,
  };
  const ownerPath = `${lockPath}.pid`;
  const started = Date.now();
  let release: (() => Promise<void>) | undefined;
  for (let attempt = 0; !release; attempt++) {
    release = await lockfile.lock(lockPath, options).catch(async (error) => {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED' || Date.now() - started > WAIT_MS)
        throw new PocomputeError(
          'INTERNAL',
          `cannot take the lock ${lockPath}: ${(error as Error).message}`,
          { cause: error },
        );
      if (attempt === 0) onWait?.();
      await expireIfOwnerDead(lockPath, ownerPath);
      await sleep(Math.min(1_000, 100 * 1.3 ** attempt));
      return undefined;
    });
  }
  await writeFile(ownerPath, String(process.pid));
  // proper-lockfile removes its lock on a signal; the owner record goes with it.
  const dispose = onInterrupt(() => rmSync(ownerPath, { force: true }));
  try {
    return await work();
  } finally {
    dispose();
    await rm(ownerPath, { force: true });
    await release().catch(() => undefined); // a compromised lock is already gone
  }
}

/** A lock whose recorded owner no longer exists is made stale, for proper-lockfile to take over. */
async function expireIfOwnerDead(lockPath: string, ownerPath: string): Promise<void> {
  const owner = Number(await readFile(ownerPath, 'utf8').catch(() => ''));
  if (!Number.isSafeInteger(owner) || owner <= 0 || isPidAlive(owner)) return;
  const longAgo = new Date(Date.now() - 10 * STALE_MS);
  await utimes(lockPath, longAgo, longAgo).catch(() => undefined);
}
