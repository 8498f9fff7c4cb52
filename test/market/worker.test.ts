import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Contract } from 'ethers';
import { runWorker, type WorkerEvent } from '../../src/market/worker.js';
import { tempDir } from '../helpers/pocompute.js';

/** A fake market whose RPC fails a few times: the point here is the worker's retry loop, not the chain. */
function flakyMarket(failures: number, latest = 5, ranges: [number, number][] = []): Contract {
  let calls = 0;
  const provider = {
    getBlockNumber: async () => {
      calls++;
      if (calls <= failures) throw new Error('connect ECONNREFUSED 127.0.0.1:8545');
      return latest;
    },
    getBalance: async () => 10n ** 18n,
  };
  return {
    runner: { provider },
    getAddress: async () => '0x00000000000000000000000000000000000000aa',
    claimBond: async () => 10n ** 15n,
    interface: { getEvent: (name: string) => ({ topicHash: name }) },
    queryFilter: async (_filter: unknown, from: number, to: number) => {
      ranges.push([from, to]);
      return [];
    },
  } as unknown as Contract;
}

describe('the worker loop', () => {
  it('backs off and retries on RPC errors, then carries on from where it was', async () => {
    const events: WorkerEvent[] = [];
    const controller = new AbortController();
    const stateFile = join(tempDir(), 'state.json');
    const done = runWorker({
      market: flakyMarket(2),
      worker: '0x00000000000000000000000000000000000000bb',
      networkKey: 'test',
      signal: controller.signal,
      pollMs: 50,
      stateFile,
      log: (e) => events.push(e),
    });
    const started = Date.now();
    while (
      !events.some((e) => e.event === 'rpc-retry' && e.attempt === 2) &&
      Date.now() - started < 10_000
    )
      await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 2500));
    controller.abort();
    expect(await done).toEqual({ paid: 0, skipped: 0, failed: 0 });
    const retries = events.filter((e) => e.event === 'rpc-retry');
    expect(retries.map((e) => (e as { attempt: number }).attempt)).toEqual([1, 2]);
    expect((retries[0] as { reason: string }).reason).toMatch(/ECONNREFUSED/);
    expect(JSON.parse(await readFile(stateFile, 'utf8'))).toMatchObject({ nextBlock: 6 });
  });
});

describe('the worker reads events in bounded block ranges', () => {
  it('never asks for more than maxBlockRange blocks at once, and covers every block once', async () => {
    const ranges: [number, number][] = [];
    await runWorker({
      market: flakyMarket(0, 1234, ranges),
      worker: '0x00000000000000000000000000000000000000bb',
      networkKey: 'test',
      signal: new AbortController().signal,
      stateFile: join(tempDir(), 'state.json'),
      maxBlockRange: 100,
      once: true,
      log: () => {},
    });
    expect(ranges.every(([from, to]) => to - from + 1 <= 100)).toBe(true);
    expect(ranges[0][0]).toBe(0);
    expect(ranges.at(-1)![1]).toBe(1234);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i][0]).toBe(ranges[i - 1][1] + 1);
  });
});
