import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ZeroHash, type Contract } from 'ethers';
import { proofCommitment } from '../../src/market/submitTaskProof.js';
import { runWorker, type WorkerEvent } from '../../src/market/worker.js';
import { tempDir } from '../helpers/pocompute.js';

// The engine and the attestation are not under test here: a proof is a label, attesting always
// succeeds, witnessing fails only when a test says so.
const engine = vi.hoisted(() => ({ proofs: 0, unwitnessable: false }));
/** These fake markets hold no batches: their batch contract finds no BatchPosted event. */
vi.mock('../../src/market/openBatches.js', () => ({
  openBatches: () => ({ filters: { BatchPosted: () => ({}) }, queryFilter: async () => [] }),
}));
vi.mock('../../src/market/attestModel.js', async (original) => ({
  ...(await original<object>()),
  attestModel: async () => ({ artifacts: { dir: '/nowhere', manifest: { key: 'mlp' } } }),
}));
vi.mock('../../src/market/requireWitnessableInput.js', async () => {
  const { PocomputeError } = await import('../../src/core/errors.js');
  return {
    requireWitnessableInput: async () => {
      if (engine.unwitnessable)
        throw new PocomputeError('INPUT_INVALID', 'EZKL cannot witness this input');
    },
  };
});
vi.mock('../../src/market/instanceLayout.js', async (original) => ({
  ...(await original<object>()),
  dequantizeInputs: () => [[0]],
}));
vi.mock('../../src/prover/proveInference.js', () => ({
  proveInference: async () => ({ bundle: { proof: ++engine.proofs } }),
}));
vi.mock('../../src/verifier/calldata.js', () => ({
  proofBytes: (bundle: { proof: number }) =>
    `0x${'ab'.repeat(64)}${bundle.proof.toString(16).padStart(2, '0')}`,
  instancesAsUint256: () => [1n, 2n, 3n, 4n, 7n],
}));

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
    minClaimBond: async () => 10n ** 15n,
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

const WORKER = '0x00000000000000000000000000000000000000bb';
const NOW = 1_000_000;

/**
 * A fake v3 market holding one Proved task (id 0) and recording the transactions sent to it:
 * claim(taskId, commitment) with the task's own bond, commitProof, submit. `refuseReveals` reveals
 * are refused with ProofAlreadyPaid (decoded by selector, as the real market's would be).
 */
function fakeMarket(options: { refuseReveals?: number } = {}) {
  let refuse = options.refuseReveals ?? 0;
  let block = 10;
  const sent: { method: string; args: unknown[]; value?: bigint }[] = [];
  const task = {
    kind: 0n, // TaskKind.Proved
    status: 1n, // Open
    deadline: BigInt(NOW + 3600),
    claimExpiry: 0n,
    requester: '0x00000000000000000000000000000000000000aa',
    targetId: 3n,
    inputHash: `0x${'11'.repeat(32)}`,
    reward: 10n ** 17n,
    claimBond: 10n ** 16n, // 10% of the reward: not the market's minimum
    claimant: ZERO_ADDRESS,
    commitBlock: 0n,
    worker: ZERO_ADDRESS,
    consumer: ZERO_ADDRESS,
    commitment: ZeroHash,
  };
  const transactions: Record<string, (args: unknown[]) => void> = {
    claim: ([, commitment]) => {
      Object.assign(task, { claimant: WORKER, claimExpiry: BigInt(NOW + 600) });
      if (commitment !== ZeroHash) Object.assign(task, { commitment, commitBlock: BigInt(block) });
    },
    commitProof: ([, commitment]) =>
      Object.assign(task, { commitment, commitBlock: BigInt(block) }),
    submit: () => {
      if (refuse-- > 0)
        throw Object.assign(new Error('execution reverted'), {
          code: 'CALL_EXCEPTION',
          data: '0x5f6b2a5c',
          revert: { name: 'ProofAlreadyPaid', args: [] },
        });
      Object.assign(task, { status: 2n, worker: WORKER });
    },
  };
  const market = {
    runner: {
      provider: {
        getBlockNumber: async () => block,
        getBlock: async () => ({ timestamp: NOW }),
        getBalance: async () => 10n ** 18n,
        getCode: async () => '0x',
      },
    },
    getAddress: async () => '0x00000000000000000000000000000000000000cc',
    minClaimBond: async () => 10n ** 15n,
    claimTtl: async () => 600n,
    interface: { getEvent: (name: string) => ({ topicHash: name }) },
    queryFilter: async (_filter: unknown, from: number) =>
      from === 0 ? [{ args: { taskId: 0n } }] : [],
    getTask: async () => ({ ...task }),
    getTaskInputs: async () => [1n, 2n, 3n, 4n],
    getTaskOutputs: async () => (task.status === 2n ? [7n] : []),
    lapsedClaimant: async () => false,
    getFunction:
      (method: string) =>
      async (...params: unknown[]) => {
        const overrides = params.at(-1) as { value?: bigint };
        const args = params.slice(0, -1);
        sent.push({ method, args, ...(overrides.value ? { value: overrides.value } : {}) });
        transactions[method](args); // a refusal throws, as ethers does for a reverting call
        const hash = `0x${(++block).toString(16).padStart(64, '0')}`;
        return { hash, wait: async () => ({ hash, gasUsed: 1_000n, blockNumber: block }) };
      },
  };
  return { market: market as unknown as Contract, sent, task };
}

const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000';

/** Runs the worker on a fake market until a final event; returns what it logged. */
async function workOn(market: Contract) {
  const events: WorkerEvent[] = [];
  const controller = new AbortController();
  await runWorker({
    market,
    worker: WORKER,
    networkKey: 'test',
    signal: controller.signal,
    pollMs: 20,
    stateFile: join(tempDir(), 'state.json'),
    log: (e) => {
      events.push(e);
      if (['paid', 'skipped', 'failed'].includes(e.event)) controller.abort();
    },
  });
  return events;
}

describe('the zk worker against the v3 market (a fake market, the calls it is sent)', () => {
  beforeEach(() => {
    engine.proofs = 0;
    engine.unwitnessable = false;
  });
  const proof = (n: number) => `0x${'ab'.repeat(64)}${n.toString(16).padStart(2, '0')}`;

  it('claims with a zero commitment and the task’s own bond, proves, commits, then reveals', async () => {
    const { market, sent } = fakeMarket();
    const events = await workOn(market);
    expect(sent).toEqual([
      { method: 'claim', args: [0n, ZeroHash], value: 10n ** 16n },
      { method: 'commitProof', args: [0n, proofCommitment(0, WORKER, proof(1))] },
      { method: 'submit', args: [0n, proof(1), [1n, 2n, 3n, 4n, 7n]] },
    ]);
    expect(events.at(-1)).toMatchObject({ event: 'paid', taskId: '0', outputs: ['7'] });
    expect((events.at(-1) as { txHashes: string[] }).txHashes).toHaveLength(3);
  });

  it('a reveal refused as not its own (ProofAlreadyPaid) is re-proved at once and committed anew, on the same claim', async () => {
    const { market, sent } = fakeMarket({ refuseReveals: 1 });
    const events = await workOn(market);
    expect(sent.map((t) => t.method)).toEqual([
      'claim',
      'commitProof',
      'submit',
      'commitProof',
      'submit',
    ]);
    expect(sent[3].args).toEqual([0n, proofCommitment(0, WORKER, proof(2))]);
    expect(sent[4].args[1]).toBe(proof(2));
    expect(events.filter((e) => e.event === 'retry')).toEqual([
      expect.objectContaining({
        code: 'TX_REVERTED',
        reason: expect.stringMatching(/ProofAlreadyPaid/),
      }),
    ]);
    expect(events.at(-1)).toMatchObject({ event: 'paid', taskId: '0' });
  });

  it('skips an input it cannot witness before sending anything', async () => {
    engine.unwitnessable = true;
    const { market, sent, task } = fakeMarket();
    const events = await workOn(market);
    expect(events).toEqual([
      {
        event: 'skipped',
        taskId: '0',
        reason: expect.stringMatching(/^input cannot be proved: EZKL cannot witness/),
      },
    ]);
    expect(sent).toEqual([]);
    expect(engine.proofs).toBe(0);
    expect(task.claimant).toBe(ZERO_ADDRESS);
  });
});
