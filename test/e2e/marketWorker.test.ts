import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Wallet, type Contract } from 'ethers';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectRpc } from '../../src/chain/provider.js';
import type { ChainContext } from '../../src/chain/chainContext.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { postTask } from '../../src/market/postTask.js';
import { runWorker, type WorkerEvent } from '../../src/market/worker.js';
import { useAnvil } from '../helpers/anvil.js';
import { marketAs, marketWithMlp } from '../helpers/market.js';
import { fixtureInput, runCli, tempDir } from '../helpers/pocompute.js';
import { startTcpProxy } from '../helpers/tcpProxy.js';

const anvil = useAnvil();

/** The worker as an unlucky operator runs it: killed, cut off from its RPC, or unfunded. */
describe('the market worker never loses work', () => {
  let chain: ChainContext & { close(): Promise<void> };
  let marketAddress: string;
  let requester: Contract;
  let modelId: string;
  const account = (i: number) => anvil().accounts[i];
  const post = () =>
    postTask({
      market: requester,
      modelId,
      input: fixtureInput('mlp'),
      rewardEth: '0.05',
      deadlineSeconds: 3600,
    });

  beforeAll(async () => {
    const setup = await marketWithMlp(anvil().rpcUrl, [account(0).privateKey]);
    ({ chain, modelId } = setup);
    marketAddress = setup.address;
    requester = await setup.as(0);
    return () => chain.close();
  });

  /** A CLI worker process; resolves each JSON line it prints to `onLine`. */
  const spawnWorker = (key: string, home: string, onLine: (e: any) => void): ChildProcess => {
    const child = spawn(
      process.execPath,
      [
        join(PACKAGE_ROOT, 'bin', 'pocompute.js'),
        'worker',
        ...['--rpc', anvil().rpcUrl, '--market', marketAddress, '--poll-ms', '200', '--json'],
        ...['--state-file', join(home, 'worker.json')],
      ],
      {
        env: { ...process.env, POCOMPUTE_PRIVATE_KEY: key },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let buffer = '';
    child.stdout!.on('data', (chunk) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) if (line.trim()) onLine(JSON.parse(line));
    });
    return child;
  };

  it('killed with SIGKILL right after its claim, restarted, it resumes its own claim and is paid', async () => {
    const { taskId } = await post();
    const home = tempDir();
    const first: any[] = [];
    const killed = new Promise<void>((resolve) => {
      const child = spawnWorker(account(1).privateKey, home, (e) => {
        first.push(e);
        if (e.event === 'claimed' && e.taskId === taskId) {
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    await killed;
    expect((await requester.getTask(BigInt(taskId))).claimant).toBe(account(1).address);
    const second: any[] = [];
    const paid = new Promise<void>((resolve) => {
      const child = spawnWorker(account(1).privateKey, home, (e) => {
        second.push(e);
        if (['paid', 'failed', 'skipped'].includes(e.event) && e.taskId === taskId) {
          child.kill('SIGTERM');
          resolve();
        }
      });
    });
    await paid;
    expect(second).toContainEqual(
      expect.objectContaining({ event: 'claimed', taskId, resumed: true }),
    );
    expect(second).toContainEqual(expect.objectContaining({ event: 'paid', taskId }));
    expect((await requester.getTask(BigInt(taskId))).worker).toBe(account(1).address);
  });

  it('with the RPC down while it proves, keeps the proof, retries, and is paid when the RPC is back', async () => {
    const { taskId } = await post();
    const proxy = await startTcpProxy(anvil().port);
    const { provider } = await connectRpc(proxy.url);
    const market = await marketAs(marketAddress, account(2).privateKey, provider);
    const stateFile = join(tempDir(), 'worker.json');
    const events: WorkerEvent[] = [];
    const controller = new AbortController();
    let sawProofOnDisk = false;
    const running = runWorker({
      market,
      worker: account(2).address,
      networkKey: 'test',
      signal: controller.signal,
      pollMs: 200,
      stateFile,
      log: (e) => {
        events.push(e);
        // Down as the proof starts; back once the submit has failed for it.
        if (e.event === 'claimed' && !e.resumed) void proxy.down();
        if (e.event === 'retry' && e.attempt === 1) {
          sawProofOnDisk = existsSync(join(`${stateFile}.proofs`, `${taskId}.json`));
          void proxy.up();
        }
        if (e.event === 'paid' || e.event === 'failed') controller.abort();
      },
    });
    try {
      expect(await running).toMatchObject({ paid: 1, failed: 0 });
    } finally {
      await proxy.down();
      provider.destroy();
    }
    expect(sawProofOnDisk).toBe(true);
    const retries = events.filter((e) => e.event === 'retry');
    expect(retries.length).toBeGreaterThanOrEqual(1);
    expect(retries[0]).toMatchObject({ code: 'RPC_UNREACHABLE' });
    expect(events.at(-1)).toMatchObject({ event: 'paid', taskId });
    expect((await requester.getTask(BigInt(taskId))).worker).toBe(account(2).address);
    // Submitted: the proof is no longer kept.
    expect(readdirSync(`${stateFile}.proofs`)).toEqual([]);
  });

  it('an unfunded key stops the worker with exit 4 and a clear message', async () => {
    const empty = Wallet.createRandom();
    const result = await runCli(
      ['worker', '--rpc', anvil().rpcUrl, '--market', marketAddress, '--json'],
      { POCOMPUTE_PRIVATE_KEY: empty.privateKey },
    );
    expect(result.code).toBe(4);
    const { error } = result.json();
    expect(error.code).toBe('INSUFFICIENT_FUNDS');
    expect(error.message).toMatch(/holds 0\.0 ETH: it needs the claim bond/);
  });
});
