import { join } from 'node:path';
import type { Contract } from 'ethers';
import { describe, expect, it, vi } from 'vitest';
import { nextTry, type Outcome, runWorker, type WorkerEvent } from '../../src/market/worker.js';
import { tempDir } from '../helpers/pocompute.js';

/** These fake markets hold no batches: their batch contract finds no BatchPosted event. */
vi.mock('../../src/market/openBatches.js', () => ({
  openBatches: () => ({ filters: { BatchPosted: () => ({}) }, queryFilter: async () => [] }),
}));

type Retrying = Extract<Outcome, { final: false }>;

const NOW = 1_000_000;
const failure = (retryAt: number, maxBackoffMs?: number): Retrying => ({
  final: false,
  retryAt,
  maxBackoffMs,
  event: { event: 'retry', taskId: '7', attempt: 0, code: 'RPC_UNREACHABLE', reason: 'down' },
});
const waiting = (retryAt: number): Retrying => ({
  final: false,
  retryAt,
  event: { event: 'waiting', taskId: '7', reason: 'claimed by 0x…', untilSeconds: 0 },
});

/** Feeds outcomes to nextTry in turn, all at NOW, as one task's rounds would. */
function tries(outcomes: Retrying[]) {
  let previous: { attempt: number; at: number } | undefined;
  return outcomes.map((outcome) => {
    previous = nextTry(previous, outcome, NOW);
    return { ...previous, wait: previous.at - NOW };
  });
}

describe('when the worker tries a task again (nextTry)', () => {
  it('backs off exponentially over consecutive failures, up to 30 s, and numbers the attempts', () => {
    const outcomes = Array.from({ length: 7 }, () => failure(NOW));
    expect(tries(outcomes).map((t) => [t.attempt, t.wait])).toEqual([
      [1, 1_000],
      [2, 2_000],
      [3, 4_000],
      [4, 8_000],
      [5, 16_000],
      [6, 30_000],
      [7, 30_000],
    ]);
    expect(outcomes.map((o) => (o.event as { attempt: number }).attempt)).toEqual([
      1, 2, 3, 4, 5, 6, 7,
    ]);
  });

  it('counts consecutive failures only: a round that waits or makes progress resets the backoff', () => {
    const progress: Retrying = { final: false, retryAt: 0 };
    expect(
      tries([
        failure(NOW),
        failure(NOW),
        failure(NOW),
        waiting(NOW + 5_000),
        failure(NOW),
        progress,
        failure(NOW),
      ]).map((t) => [t.attempt, t.wait]),
    ).toEqual([
      [1, 1_000],
      [2, 2_000],
      [3, 4_000],
      [0, 5_000],
      [1, 1_000],
      [0, -NOW],
      [1, 1_000],
    ]);
  });

  it("honours a retryAt later than the backoff, and the outcome's cap on the backoff", () => {
    expect(tries([failure(NOW + 10_000)])[0]).toMatchObject({ attempt: 1, wait: 10_000 });
    // An earlier retryAt does not shorten the backoff.
    expect(tries([failure(NOW), failure(NOW), failure(NOW + 100)])[2]).toMatchObject({
      attempt: 3,
      wait: 4_000,
    });
    // A challenge answer caps its backoff below its time left.
    expect(
      tries([failure(NOW, 1_500), failure(NOW, 1_500), failure(NOW, 1_500)]).map((t) => t.wait),
    ).toEqual([1_000, 1_500, 1_500]);
  });

  it('takes a retryAt of 0 (re-prove at once) with no backoff, however many failures came before', () => {
    const [, , third] = tries([failure(NOW), failure(NOW), failure(0)]);
    expect(third).toMatchObject({ attempt: 3, wait: 0 });
  });
});

/** A market whose every task read fails as a dropped RPC connection would. */
function unreachableTaskMarket(): Contract {
  const down = () =>
    Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'NETWORK_ERROR' }));
  return {
    runner: {
      provider: {
        getBlockNumber: async () => 5,
        getBalance: async () => 10n ** 18n,
        getBlock: async () => ({ timestamp: Math.floor(Date.now() / 1000) }),
      },
    },
    getAddress: async () => '0x00000000000000000000000000000000000000aa',
    minClaimBond: async () => 10n ** 15n,
    interface: { getEvent: (name: string) => ({ topicHash: name }) },
    queryFilter: async (_filter: unknown, from: number) =>
      from === 0 ? [{ args: { taskId: 7n } }] : [],
    getTask: down,
    getTaskOutputs: down,
  } as unknown as Contract;
}

describe('a task whose reads fail transiently', () => {
  // HEAD before this fix: the catch-all returned retryAt 0 ("at once"), which nextTry takes as
  // no backoff, so a dropped RPC was hit again every round (every 20 ms here).
  it('is retried with backoff, not every round', async () => {
    const events: WorkerEvent[] = [];
    const controller = new AbortController();
    const done = runWorker({
      market: unreachableTaskMarket(),
      worker: '0x00000000000000000000000000000000000000bb',
      networkKey: 'test',
      signal: controller.signal,
      pollMs: 20,
      stateFile: join(tempDir(), 'state.json'),
      log: (e) => events.push(e),
    });
    await new Promise((r) => setTimeout(r, 2_000));
    controller.abort();
    expect(await done).toEqual({ paid: 0, skipped: 0, failed: 0 });
    const retries = events.filter((e) => e.event === 'retry');
    // Tried at 0 s, 1 s (1 s backoff) and next at 3 s (2 s): two tries in two seconds.
    expect(retries.map((e) => [e.taskId, e.attempt, e.code])).toEqual([
      ['7', 1, 'RPC_UNREACHABLE'],
      ['7', 2, 'RPC_UNREACHABLE'],
    ]);
  });
});
