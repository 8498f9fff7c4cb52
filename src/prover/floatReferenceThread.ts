import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * The float reference's thread (floatReferenceWorker), started: this module imports nothing else,
 * so that the CLI can start it first thing (see prestartFloatReferenceThread). Undefined when no
 * thread can run: from the TypeScript sources (tests) there is no compiled worker module.
 */
export function floatReferenceThread(): Worker | undefined {
  const thread = prestarted ?? startThread();
  prestarted = undefined;
  return thread;
}

let prestarted: Worker | undefined;

/**
 * Starts the thread floatReferenceThread will hand out, now: `prove` then loads its modules on the
 * main thread alone for a while, and onnxruntime starts meanwhile. Not for help, nor for a staged
 * proof (a split directory, --stages, --jobs), which runs no float reference thread. One never
 * used ends with the process.
 */
export function prestartFloatReferenceThread(args: string[]): void {
  const staged = (a: string) => !a.startsWith('-') && existsSync(join(a, 'stages.json'));
  if (args.some((a) => ['-h', '--help', '--stages', '--jobs'].includes(a) || staged(a))) return;
  prestarted ??= startThread();
}

function startThread(): Worker | undefined {
  if (!import.meta.url.endsWith('.js')) return undefined;
  try {
    const thread = new Worker(new URL('./floatReferenceWorker.js', import.meta.url));
    thread.unref(); // holds the process only while its reference is awaited
    thread.on('error', () => undefined); // its user sees it end, and computes the reference itself
    return thread;
  } catch {
    return undefined;
  }
}
