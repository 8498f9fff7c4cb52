import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Contract } from 'ethers';
import {
  runWorker,
  type WorkerEvent,
  type WorkerParams,
  type WorkerState,
} from '../../src/market/worker.js';
import { tempDir } from './pocompute.js';

/** A fresh worker state file that starts reading tasks at `fromBlock` (and what else is given). */
export async function workerStateFile(
  fromBlock: number,
  state: Partial<WorkerState> = {},
  stateFile = join(tempDir(), 'worker.json'),
): Promise<string> {
  const fresh: WorkerState = {
    version: 2,
    nextBlock: fromBlock,
    pending: [],
    handled: {},
    proveMs: {},
    optimistic: {},
  };
  await writeFile(stateFile, JSON.stringify({ ...fresh, ...state }));
  return stateFile;
}

/**
 * Runs the worker until `stop` says so, reacting to its events as they come (`onEvent`, run one
 * at a time, in order). A failed reaction or a `failed` event stops the worker at once (else it
 * would wait out a window) and the reaction's error is thrown.
 */
export async function workUntil(params: {
  market: Contract;
  worker: string;
  networkKey: string;
  /** A state file to resume from (workerStateFile), else a fresh one from `fromBlock`. */
  stateFile?: string;
  fromBlock?: number;
  stop: (e: WorkerEvent, events: WorkerEvent[]) => boolean;
  onEvent?: (e: WorkerEvent) => Promise<void>;
  /** More worker parameters (safetySeconds, minChallengerBondWei, once, …). */
  options?: Partial<WorkerParams>;
}) {
  const events: WorkerEvent[] = [];
  const controller = new AbortController();
  const stateFile = params.stateFile ?? (await workerStateFile(params.fromBlock ?? 0));
  let chainWork = Promise.resolve();
  let failure: unknown;
  const totals = await runWorker({
    market: params.market,
    worker: params.worker,
    networkKey: params.networkKey,
    signal: controller.signal,
    pollMs: 200,
    stateFile,
    ...params.options,
    log: (e) => {
      events.push(e);
      if (process.env.DEBUG_OPT) console.log(JSON.stringify(e));
      chainWork = chainWork
        .then(() => (failure ? undefined : params.onEvent?.(e)))
        .catch((error) => {
          failure ??= error;
          controller.abort();
        });
      if (params.stop(e, events) || e.event === 'failed') controller.abort();
    },
  });
  await chainWork;
  if (failure) throw failure;
  return { events, totals, stateFile };
}
