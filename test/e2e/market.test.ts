import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseEther, type Contract } from 'ethers';
import { beforeAll, describe, expect, it } from 'vitest';
import { openChain, type ChainContext } from '../../src/chain/chainContext.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { TaskKind } from '../../src/chain/generated/contracts.js';
import { deployMarket, readTask, registerModel } from '../../src/market/market.js';
import { postTask } from '../../src/market/postTask.js';
import {
  claimTask,
  commitAndSubmit,
  proofCommitment,
  submitTaskProof,
} from '../../src/market/submitTaskProof.js';
import { runWorker, type WorkerEvent } from '../../src/market/worker.js';
import type { ProofBundle } from '../../src/proof/bundle.js';
import { proveInference } from '../../src/prover/proveInference.js';
import { instancesAsUint256, proofBytes } from '../../src/verifier/calldata.js';
import { useAnvil } from '../helpers/anvil.js';
import { advanceTime, deployTestContract, gasCost, marketAs, revertOf } from '../helpers/market.js';
import {
  compiledFixture,
  fixtureInput,
  provedFixture,
  runCli,
  tempDir,
} from '../helpers/pocompute.js';

const anvil = useAnvil();

describe('the proof-of-compute market on a real anvil with the real engine', () => {
  let chain: ChainContext & { close(): Promise<void> };
  let marketAddress: string;
  let requester: Contract;
  let worker: Contract;
  let attacker: Contract;
  let mlpModelId: string;
  let twoInputModelId: string;
  let mlpProof: ProofBundle;
  let otherInput: string;
  let otherProof: ProofBundle;
  const account = (i: number) => anvil().accounts[i];
  const balance = (address: string) => chain.provider.getBalance(address);
  const post = (overrides: Partial<Parameters<typeof postTask>[0]> = {}) =>
    postTask({
      market: requester,
      modelId: mlpModelId,
      input: fixtureInput('mlp'),
      rewardEth: '0.05',
      deadlineSeconds: 3600,
      ...overrides,
    });
  const submitRaw = (market: Contract, taskId: string, bundle: ProofBundle) =>
    market.submit(BigInt(taskId), proofBytes(bundle), instancesAsUint256(bundle));
  /** Commits the bundle for the live claimant, then reveals it in the next block (v3). */
  const revealRaw = (market: Contract, taskId: string, bundle: ProofBundle, address: string) =>
    commitAndSubmit(market, taskId, proofBytes(bundle), instancesAsUint256(bundle), address);

  beforeAll(async () => {
    process.env.POCOMPUTE_PRIVATE_KEY = account(0).privateKey;
    chain = await openChain({ rpc: anvil().rpcUrl });
    marketAddress = (await deployMarket(chain, { claimTtl: 600 })).address;
    requester = await marketAs(marketAddress, account(0).privateKey, chain.provider);
    worker = await marketAs(marketAddress, account(1).privateKey, chain.provider);
    attacker = await marketAs(marketAddress, account(2).privateKey, chain.provider);
    mlpModelId = (
      await registerModel({ chain, market: requester, artifacts: await compiledFixture('mlp') })
    ).modelId;
    twoInputModelId = (
      await registerModel({
        chain,
        market: requester,
        artifacts: await compiledFixture('two_input'),
      })
    ).modelId;
    mlpProof = (await provedFixture('mlp')).bundle;
    return () => chain.close();
  });

  it('post → a running worker proves and submits → paid the reward minus gas; outputs on-chain; the consumer saw them', async () => {
    const consumer = await deployTestContract(
      'InferenceConsumerExample.sol',
      'InferenceConsumerExample',
      account(0).privateKey,
      chain.provider,
      [marketAddress, TaskKind.indexOf('Proved'), BigInt(mlpModelId)],
    );
    const { taskId } = await post({ consumer: await consumer.getAddress() });
    const before = await balance(account(1).address);
    const events: WorkerEvent[] = [];
    const controller = new AbortController();
    const stateFile = join(tempDir(), 'w.json');
    const running = runWorker({
      market: worker,
      worker: account(1).address,
      networkKey: chain.networkKey,
      signal: controller.signal,
      pollMs: 200,
      stateFile,
      log: (e) => {
        events.push(e);
        if (e.event === 'paid' || e.event === 'failed') controller.abort();
      },
    });
    const totals = await running;
    expect(totals.paid).toBe(1);
    // Restarted with the same state file, the worker resumes after the last block: nothing is proved twice.
    const again: WorkerEvent[] = [];
    const restart = new AbortController();
    setTimeout(() => restart.abort(), 1500);
    expect(
      await runWorker({
        market: worker,
        worker: account(1).address,
        networkKey: chain.networkKey,
        signal: restart.signal,
        pollMs: 200,
        stateFile,
        log: (e) => again.push(e),
      }),
    ).toEqual({ paid: 0, skipped: 0, failed: 0 });
    expect(again).toEqual([]);
    const paid = events.find((e) => e.event === 'paid') as Extract<WorkerEvent, { event: 'paid' }>;
    expect(paid.taskId).toBe(taskId);
    const after = await balance(account(1).address);
    expect(after - before).toBe(
      parseEther('0.05') - (await gasCost(chain.provider, paid.txHashes)),
    );
    // The outputs stored on-chain are exactly those the proof binds, and the consumer got them.
    const onchain = ((await requester.getTaskOutputs(BigInt(taskId))) as bigint[]).map(String);
    expect(onchain).toEqual(instancesAsUint256(mlpProof).slice(4).map(String));
    expect(((await consumer.outputs()) as bigint[]).map(String)).toEqual(onchain);
    expect(await consumer.calls()).toBe(1n);
    expect(await requester.verifiedTasks(account(1).address)).toBe(1n);
  });

  it('pays a task once: a second submission of the same proof is refused and moves no money', async () => {
    const { taskId } = await post();
    await submitTaskProof(worker, taskId, mlpProof, account(1).address);
    const marketBefore = await balance(marketAddress);
    expect(await revertOf(worker, submitRaw(worker, taskId, mlpProof))).toMatch(/TaskNotOpen/);
    await expect(
      submitTaskProof(attacker, taskId, mlpProof, account(2).address),
    ).rejects.toMatchObject({ code: 'TX_REVERTED', message: expect.stringMatching(/is done/) });
    expect(await balance(marketAddress)).toBe(marketBefore);
  });

  it('an invalid proof reverts and moves no money', async () => {
    const { taskId } = await post();
    await claimTask(worker, taskId);
    // A byte of the first commitment changed: a new proof to the market (its key is the first 64
    // bytes), so the reveal gets as far as the verifier — a byte past them would be refused
    // earlier, as the already revealed mlpProof (ProofAlreadyPaid).
    const tampered = structuredClone(mlpProof);
    const bytes = tampered.proof.proof as number[];
    bytes[40] ^= 1;
    tampered.proof.hex_proof = `0x${Buffer.from(bytes).toString('hex')}`;
    const marketBefore = await balance(marketAddress);
    // Committed like any proof (else NotCommitted), and refused by the verifier at the reveal.
    expect(await revertOf(worker, revealRaw(worker, taskId, tampered, account(1).address))).toMatch(
      /InvalidProof/,
    );
    expect(await balance(marketAddress)).toBe(marketBefore);
    expect((await requester.getTask(BigInt(taskId))).status).toBe(1n);
  });

  it('a valid proof for a different input earns nothing', async () => {
    otherInput = join(tempDir(), 'other.json');
    await writeFile(otherInput, JSON.stringify({ input_data: [[0.9, -0.4, 0.2, 0.1]] }));
    const { bundle } = await proveInference({
      target: (await compiledFixture('mlp')).dir,
      input: otherInput,
      out: join(tempDir(), 'other.proof'),
    });
    otherProof = bundle;
    const { taskId } = await post();
    await claimTask(worker, taskId);
    expect(await revertOf(worker, revealRaw(worker, taskId, bundle, account(1).address))).toMatch(
      /InputMismatch/,
    );
  });

  it('a valid proof of a different model earns nothing', async () => {
    const { bundle } = await provedFixture('two_input');
    const { taskId } = await post();
    await claimTask(worker, taskId);
    expect(await revertOf(worker, revealRaw(worker, taskId, bundle, account(1).address))).toMatch(
      /WrongInstanceCount/,
    );
    // And on the two-input model's own task, it is paid: the rule is about the task's model.
    const own = await post({ modelId: twoInputModelId, input: fixtureInput('two_input') });
    await submitTaskProof(worker, own.taskId, bundle, account(1).address);
    expect((await requester.getTask(BigInt(own.taskId))).worker).toBe(account(1).address);
  });

  it('a proof copied from the mempool and sent by another address earns nothing', async () => {
    // The last proof was revealed: committed to now, it would be refused (ProofAlreadyPaid).
    mlpProof = (await provedFixture('mlp')).bundle;
    const { taskId } = await post();
    await claimTask(worker, taskId);
    const before = await balance(marketAddress);
    // The attacker replays the worker's submit with its own key: not the claimant.
    expect(await revertOf(attacker, submitRaw(attacker, taskId, mlpProof))).toMatch(/NotClaimant/);
    // Nor can it take over the claim while the worker's is live.
    expect(await revertOf(attacker, claimTask(attacker, taskId))).toMatch(/AlreadyClaimed/);
    expect(await balance(marketAddress)).toBe(before);
    await submitTaskProof(worker, taskId, mlpProof, account(1).address);
    expect((await requester.getTask(BigInt(taskId))).worker).toBe(account(1).address);
  });

  it('no reentrancy through the consumer callback, and a reverting consumer does not block payment', async () => {
    const reentrant = await deployTestContract(
      'test/ReentrantConsumer.sol',
      'ReentrantConsumer',
      account(0).privateKey,
      chain.provider,
      [marketAddress],
    );
    // The other-input proof of an earlier test, never paid: a task on that input takes it.
    const { taskId } = await post({ consumer: await reentrant.getAddress(), input: otherInput });
    const marketBefore = await balance(marketAddress);
    await submitTaskProof(worker, taskId, otherProof, account(1).address);
    expect(await reentrant.attempts()).toBe(1n);
    expect(await reentrant.reentered()).toBe(false);
    expect(marketBefore - (await balance(marketAddress))).toBe(parseEther('0.05'));

    const reverting = await deployTestContract(
      'test/RevertingConsumer.sol',
      'RevertingConsumer',
      account(0).privateKey,
      chain.provider,
    );
    const second = await post({ consumer: await reverting.getAddress() });
    mlpProof = (await provedFixture('mlp')).bundle;
    const before = await balance(marketAddress);
    await submitTaskProof(worker, second.taskId, mlpProof, account(1).address);
    expect(before - (await balance(marketAddress))).toBe(parseEther('0.05'));
  });

  it('no reentrancy through the payout: a worker contract cannot be paid twice', async () => {
    const evil = await deployTestContract(
      'test/ReentrantWorker.sol',
      'ReentrantWorker',
      account(3).privateKey,
      chain.provider,
      [marketAddress],
    );
    const { taskId } = await post();
    const bond = (await readTask(requester, taskId)).claimBondWei;
    mlpProof = (await provedFixture('mlp')).bundle;
    const proof = proofBytes(mlpProof);
    const evilAddress = await evil.getAddress();
    // Claimed with the commitment in the same transaction; revealed in the next block.
    await (
      await evil.claim(BigInt(taskId), proofCommitment(taskId, evilAddress, proof), { value: bond })
    ).wait();
    const marketBefore = await balance(marketAddress);
    const receipt = await (
      await evil.work(BigInt(taskId), proof, instancesAsUint256(mlpProof))
    ).wait();
    // v3 pays with a 10,000-gas cap: the contract's receive() (a storage write, then a second
    // submit) cannot run on it, so the payout is credited once for withdraw() — the v2 assertion
    // "payments == 1" becomes "credited once"; the re-entry is still never reached.
    expect(await evil.reentered()).toBe(false);
    expect(await evil.payments()).toBe(0n);
    expect(await requester.credits(evilAddress)).toBe(parseEther('0.05') + bond);
    const credited = receipt!.logs
      .map((l: any) => requester.interface.parseLog(l))
      .filter((e: any) => e?.name === 'PaymentCredited');
    expect(credited.map((e: any) => [e.args.to, e.args.amount])).toEqual([
      [evilAddress, parseEther('0.05') + bond],
    ]);
    // Nothing left the market: the reward and the bond are owed once, as a credit.
    expect(await balance(marketAddress)).toBe(marketBefore);
    expect((await requester.getTask(BigInt(taskId))).status).toBe(2n);
  });

  it('refunds only after the deadline, only to the requester, and only once', async () => {
    const { taskId } = await post({ deadlineSeconds: 120 });
    await expect(requester.refund(BigInt(taskId))).rejects.toThrow(/DeadlineNotPassed|reverted/);
    await expect(worker.cancel(BigInt(taskId))).rejects.toThrow(/NotRequester|reverted/);
    await advanceTime(chain.provider, 121);
    await expect(
      submitTaskProof(worker, taskId, mlpProof, account(1).address),
    ).rejects.toMatchObject({ code: 'TX_REVERTED' });
    const before = await balance(account(0).address);
    const receipt = await (await attacker.refund(BigInt(taskId))).wait(); // anyone may trigger it; the requester is paid
    expect((await balance(account(0).address)) - before).toBe(parseEther('0.05'));
    expect(receipt!.status).toBe(1);
    await expect(requester.refund(BigInt(taskId))).rejects.toThrow(/TaskNotOpen|reverted/);
  });

  it('three worker processes and ten tasks: each task paid exactly once, no worker crashed, total paid = total posted', async () => {
    const start = Number(await requester.taskCount());
    for (let i = 0; i < 10; i++) await post({ rewardEth: '0.01' });
    const workers = [4, 5, 6].map((i) =>
      spawn(
        process.execPath,
        [
          join(PACKAGE_ROOT, 'bin', 'pocompute.js'),
          'worker',
          '--rpc',
          anvil().rpcUrl,
          '--market',
          marketAddress,
          '--poll-ms',
          '300',
          '--json',
        ],
        {
          env: { ...process.env, POCOMPUTE_PRIVATE_KEY: account(i).privateKey },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      ),
    );
    const exits = workers.map(
      (w) => new Promise<number | null>((resolve) => w.on('close', resolve)),
    );
    const lines: string[] = [];
    for (const w of workers)
      w.stdout.on('data', (c) => lines.push(...String(c).trim().split('\n')));
    const deadline = Date.now() + 8 * 60_000;
    const openCount = async () => {
      let open = 0;
      for (let id = start; id < start + 10; id++)
        if ((await requester.getTask(BigInt(id))).status === 1n) open++;
      return open;
    };
    while ((await openCount()) > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 1000));
    for (const w of workers) w.kill('SIGTERM');
    expect(await Promise.all(exits)).toEqual([0, 0, 0]);
    const ids = Array.from({ length: 10 }, (_, i) => start + i);
    const paidTo = await Promise.all(
      ids.map(async (id) => (await requester.getTask(BigInt(id))).worker as string),
    );
    expect(paidTo.every((w) => [4, 5, 6].some((i) => account(i).address === w))).toBe(true);
    const completed = await requester.queryFilter(requester.filters.TaskCompleted(), 0);
    const ours = completed.filter((e: any) => ids.includes(Number(e.args.taskId)));
    expect(ours.length).toBe(10); // exactly once each
    expect(ours.reduce((sum: bigint, e: any) => sum + e.args.reward, 0n)).toBe(parseEther('0.1'));
    const paidLines = lines.map((l) => JSON.parse(l)).filter((e) => e.event === 'paid');
    expect(paidLines.length).toBe(10);
  });
});

describe('market CLI', () => {
  it('deploy, register, post, list, show end to end through the commands', async () => {
    const env = { POCOMPUTE_PRIVATE_KEY: anvil().accounts[7].privateKey };
    const rpc = ['--rpc', anvil().rpcUrl, '--json'];
    const market = (await runCli(['market', 'deploy', ...rpc], env)).json();
    expect(market.address).toMatch(/^0x/);
    const m = ['--market', market.address];
    const model = (
      await runCli(['model', 'register', 'fixtures/mlp/model.onnx', ...m, ...rpc], env)
    ).json();
    expect(model.modelId).toBe('0');
    const posted = await runCli(
      [
        'task',
        'post',
        '--model',
        '0',
        '--input',
        'fixtures/mlp/input.json',
        '--reward',
        '0.02',
        '--deadline',
        '30m',
        ...m,
        ...rpc,
      ],
      env,
    );
    expect(posted.code).toBe(0);
    const listed = (await runCli(['task', 'list', ...m, ...rpc], env)).json();
    expect(listed.tasks).toHaveLength(1);
    expect(listed.tasks[0]).toMatchObject({ status: 'open', rewardEth: '0.02' });
    const badReward = await runCli(
      [
        'task',
        'post',
        '--model',
        '0',
        '--input',
        'fixtures/mlp/input.json',
        '--reward',
        'lots',
        ...m,
        ...rpc,
      ],
      env,
    );
    expect(badReward.json().error.code).toBe('OPTION_INVALID');
    // A revert is decoded to the contract's own error.
    const notRequester = await runCli(['task', 'cancel', '0', ...m, ...rpc], {
      POCOMPUTE_PRIVATE_KEY: anvil().accounts[8].privateKey,
    });
    expect(notRequester.code).toBe(4);
    expect(notRequester.json().error).toMatchObject({ code: 'TX_REVERTED' });
    expect(notRequester.json().error.message).toContain('NotRequester');
    const shown = (await runCli(['task', 'show', '0', ...m, ...rpc], env)).json();
    expect(shown).toMatchObject({ status: 'open', outputs: [] });
  });

  it('records several markets per chain with an explicit default, and never deploys to a chain that vanishes', async () => {
    const env = { POCOMPUTE_PRIVATE_KEY: anvil().accounts[7].privateKey };
    const rpc = ['--rpc', anvil().rpcUrl, '--json'];
    const list = async () => (await runCli(['market', 'list', ...rpc], env)).json().markets;
    const first = (await runCli(['market', 'deploy', ...rpc, '--default'], env)).json();
    expect(first.isDefault).toBe(true);
    const second = (await runCli(['market', 'deploy', ...rpc], env)).json();
    expect(second).toMatchObject({ isDefault: false, defaultMarket: first.address });
    const markets = await list();
    expect(markets.filter((m: any) => m.isDefault).map((m: any) => m.address)).toEqual([
      first.address,
    ]);
    expect(markets.map((m: any) => m.address)).toEqual(
      expect.arrayContaining([first.address, second.address]),
    );
    expect((await runCli(['market', 'use', second.address, ...rpc], env)).code).toBe(0);
    expect((await list()).find((m: any) => m.isDefault).address).toBe(second.address);
    // No --rpc and no `pocompute chain` running: say so, deploy nothing.
    const home = tempDir();
    for (const args of [
      ['market', 'deploy', '--json'],
      ['task', 'list', '--json'],
    ]) {
      const orphan = await runCli(args, { ...env, POCOMPUTE_HOME: home });
      expect(orphan.code, args.join(' ')).toBe(4);
      expect(orphan.json().error.message).toMatch(/no chain to use/);
      expect(orphan.json().error.hint).toMatch(/pocompute chain/);
    }
  });
});
