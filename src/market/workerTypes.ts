import type { Contract } from 'ethers';
import type { TaskView } from './market.js';

// The worker's vocabulary — its events, parameters, memory and the outcome of one round of a task —
// shared by the zk-task loop (worker.ts) and the optimistic one (optimisticWorker.ts).

export type WorkerEvent =
  | {
      event: 'paid';
      /** Set for an optimistic task: paid at finalize (submitGas is then the finalize's gas). */
      mode?: 'optimistic';
      taskId: string;
      rewardEth: string;
      proveMs: number;
      submitGas: string;
      outputs: string[];
      txHashes: string[];
    }
  | { event: 'claimed'; taskId: string; claimExpiry: number; txHash: string; resumed: boolean }
  | { event: 'skipped'; taskId: string; reason: string }
  | { event: 'waiting'; taskId: string; reason: string; untilSeconds: number }
  | { event: 'retry'; taskId: string; attempt: number; code: string; reason: string }
  | { event: 'failed'; taskId: string; code: string; reason: string }
  | { event: 'rpc-retry'; attempt: number; reason: string }
  | {
      event: 'submitted';
      taskId: string;
      outputs: string[];
      boundaries: string[];
      windowEnd: number;
      submitGas: string;
      txHashes: string[];
    }
  | {
      event: 'challenged';
      taskId: string;
      stage: number;
      challenger: string;
      responseDeadline: number;
    }
  | {
      event: 'answered';
      taskId: string;
      stage: number;
      proveMs: number;
      respondGas: string;
      txHash: string;
    }
  | { event: 'lost'; taskId: string; reason: string };

export interface WorkerParams {
  market: Contract;
  worker: string;
  networkKey: string;
  /** Stop when this fires (SIGINT/SIGTERM in the CLI). */
  signal: AbortSignal;
  log: (event: WorkerEvent) => void;
  pollMs?: number;
  /** Where the worker remembers its next block, its open tasks and the tasks it finished. */
  stateFile?: string;
  /** Extra directories of compiled artifacts to find models in. */
  artifactsRoots?: string[];
  /** Tasks paying less than this (wei) are skipped. */
  minRewardWei?: bigint;
  /** The widest block range asked for in one event query (hosted RPCs refuse wide ones). */
  maxBlockRange?: number;
  /** Seconds kept in hand after the expected prove time before a claim expires. */
  safetySeconds?: number;
  /**
   * Optimistic tasks whose challenger bond is below this (wei) are skipped: a false challenge
   * must at least pay for the answer (default: the market's own minimum).
   */
  minChallengerBondWei?: bigint;
  /** At most this many standing optimistic results at once (on top of the time rule). */
  maxOpenResults?: number;
  /** Stop after one pass over the tasks found so far (tests, cron-style runs). */
  once?: boolean;
}

/**
 * The worker's memory, on disk after every change. A task moves found → pending → handled; it
 * is handled only on a final outcome (paid, skipped for a reason that will not change, or a
 * final failure), so a crash or an RPC outage never loses it. `proveMs` is the last measured prove
 * time per compiled model, used to skip claims it could not finish in time.
 */
export interface WorkerState {
  version: 2;
  nextBlock: number;
  pending: string[];
  handled: Record<string, string>;
  proveMs: Record<string, number>;
  /** Optimistic tasks this worker stated a result for (task id → submit tx). */
  optimistic: Record<string, string>;
  /**
   * What each standing optimistic result of mine could demand at once: its response time and its
   * slowest stage's prove time (s). A new result is taken only while all of them, challenged
   * together, could be answered in time (see answerTime.ts).
   */
  optimisticLoad?: Record<
    string,
    { responseSeconds: number; proveSeconds: number; answers?: number; spacingSeconds?: number }
  >;
}

/** Another worker's live claim: not final, that claim may lapse and the task open again. */
export function claimedByOther(
  taskId: string,
  task: { claimant: string; claimExpiry: number },
  now: number,
): Outcome {
  return {
    final: false,
    retryAt: Date.now() + (task.claimExpiry - now + 1) * 1000,
    event: {
      event: 'waiting',
      taskId,
      reason: `claimed by ${task.claimant}`,
      untilSeconds: task.claimExpiry,
    },
  };
}

/** A task this worker will not do (final): the reason is its log line. */
export function skipped(taskId: string, reason: string): Outcome {
  return { final: true, event: { event: 'skipped', taskId, reason } };
}

export type Outcome =
  | {
      final: true;
      event: Extract<WorkerEvent, { event: 'paid' | 'skipped' | 'failed' | 'lost' }>;
    }
  | {
      final: false;
      /** Not before this time (ms); 0: as soon as the round comes. */
      retryAt: number;
      event?: WorkerEvent;
      /** The longest backoff a retry may wait (a challenge answer: less than its time left). */
      maxBackoffMs?: number;
    };

/** The worker's `paid` event for a done task; an optimistic one says so (proveMs 0: no proof). */
export function paidEvent(
  task: Pick<TaskView, 'taskId' | 'rewardEth' | 'outputs'>,
  proveMs: number,
  submitGas: string,
  txHashes: string[],
  mode?: 'optimistic',
) {
  return {
    event: 'paid' as const,
    ...(mode ? { mode } : {}),
    taskId: task.taskId,
    rewardEth: task.rewardEth,
    proveMs,
    submitGas,
    outputs: task.outputs,
    txHashes: txHashes.filter(Boolean),
  };
}
