import { mkdirSync, rmSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Temporary files and directories carry their owner's pid in their name (`<name>.tmp-<pid>-<rand>`,
 * `pocompute-prove-<pid>-<rand>`), so that a later run can tell a dead process's leftovers from a
 * live process's work in progress and remove only the former.
 */
export const tmpSuffix = () => `.tmp-${process.pid}-${Math.random().toString(16).slice(2, 10)}`;

/** False only when no process has this pid (EPERM means it exists but is someone else's). */
export function isPidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Matches a temporary name of ours and captures its owner's pid. */
const STALE_NAME = /\.(?:tmp|stale)-(\d+)(?:-|$)|^pocompute-(?:prove|ezkl|witness|circuit)-(\d+)-/;

/** Removes the entries of `dir` that are temporaries of a process that no longer exists. */
export async function removeStaleTemps(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const match = STALE_NAME.exec(name);
    if (!match) continue;
    const pid = Number(match[1] ?? match[2]);
    if (pid === process.pid || isPidAlive(pid)) continue;
    await rm(join(dir, name), { recursive: true, force: true }).catch(() => undefined);
    removed.push(name);
  }
  return removed;
}

const swept = new Set<string>();

/** Removes dead processes' temporaries from each directory, once per process (a readdir each). */
export async function sweepStaleTemps(dirs: string[]): Promise<void> {
  for (const dir of dirs) {
    if (swept.has(dir)) continue;
    swept.add(dir);
    await removeStaleTemps(dir);
  }
}

/**
 * A pid-tagged working directory in the OS temp dir that is removed on every exit path: by
 * `remove()` (call it in a `finally`), and on SIGINT/SIGTERM before the process exits.
 */
export async function makeWorkDir(
  prefix: 'pocompute-prove' | 'pocompute-ezkl' | 'pocompute-witness' | 'pocompute-circuit',
): Promise<{ path: string; remove: () => Promise<void> }> {
  await sweepStaleTemps([tmpdir()]);
  // The cleanup is registered before the directory exists, and the directory is made synchronously:
  // a signal handled between an asynchronous mkdtemp and the registration left it behind.
  const { path, dispose } = createDirRemovedOnInterrupt(() =>
    join(tmpdir(), `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`),
  );
  return {
    path,
    remove: async () => {
      dispose();
      await rm(path, { recursive: true, force: true });
    },
  };
}

const EXIT_ON = { SIGINT: 130, SIGTERM: 143 } as const;
type Signal = keyof typeof EXIT_ON;
const cleanups: (() => void)[] = [];
let graceful = false;

/**
 * For a command that stops by itself on SIGINT/SIGTERM (the worker finishes its task first): the
 * signal then does not end the process, and the `finally` blocks remove the temporaries as usual.
 */
export function stopsGracefullyOnSignals(): void {
  graceful = true;
}

function onSignal(signal: Signal): void {
  if (graceful) return;
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      cleanup();
    } catch {
      // best effort: the next run removes what is left (its owner pid is dead)
    }
  }
  process.exit(EXIT_ON[signal]);
}

/**
 * Registers a synchronous cleanup to run if SIGINT or SIGTERM ends the process; returns the function
 * that unregisters it. Cleanups run newest first (kill a child process, then remove its directory).
 */
export function onInterrupt(cleanup: () => void): () => void {
  if (cleanups.length === 0) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  cleanups.push(cleanup);
  return () => {
    const index = cleanups.indexOf(cleanup);
    if (index >= 0) cleanups.splice(index, 1);
    if (cleanups.length === 0) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  };
}

/**
 * Makes a new directory at a path `name()` gives (another name if it exists) and registers its
 * removal on SIGINT/SIGTERM first: no signal can come between the two (mkdir is synchronous), so
 * an interrupted process never leaves it behind. `dispose` unregisters the removal.
 */
export function createDirRemovedOnInterrupt(name: () => string): {
  path: string;
  dispose: () => void;
} {
  for (;;) {
    const path = name();
    // Retried: a child killed just before (SIGKILL lands a moment later) may still add a file.
    const dispose = onInterrupt(() =>
      rmSync(path, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 }),
    );
    try {
      mkdirSync(path, { recursive: false, mode: 0o700 });
      return { path, dispose };
    } catch (error) {
      dispose();
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
