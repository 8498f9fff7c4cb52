import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Contract, keccak256, parseEther, Wallet } from 'ethers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChainContext } from '../../src/chain/chainContext.js';
import { attestPipeline } from '../../src/market/attestPipeline.js';
import {
  challengeBatchTask,
  closeBatchTasks,
  deliverBatchResult,
  finalizeBatch,
  respondBatchChallenge,
  settleBatchChallenge,
} from '../../src/market/batchDisputes.js';
import { batchIncludes, batchResultLeaf } from '../../src/market/batchTree.js';
import { sendMarketTx } from '../../src/market/market.js';
import { openBatches } from '../../src/market/openBatches.js';
import { postBatch } from '../../src/market/postBatch.js';
import {
  batchTaskProof,
  readBatch,
  readBatchInputs,
  verifyBatchInputs,
} from '../../src/market/readBatch.js';
import { registerPipeline } from '../../src/market/registerPipeline.js';
import { serveBatch } from '../../src/market/serveBatch.js';
import { witnessPipeline } from '../../src/market/witnessPipeline.js';
import type { Artifacts } from '../../src/proof/artifacts.js';
import { useAnvil } from '../helpers/anvil.js';
import { advanceTime, deployTestContract, gasCost, marketWithMlp } from '../helpers/market.js';
import { minedRevert, pendingCall, sendCopy, withAutomineOff } from '../helpers/mempool.js';
import { fixtureInput, runCli, tempDir } from '../helpers/pocompute.js';
import { workUntil } from '../helpers/worker.js';
import { runWatcher, type WatchEvent } from '../../src/market/watcher.js';

const anvil = useAnvil();

const WINDOW = 600;
const RESPONSE = 600;
const REWARD = parseEther('0.01');
const WORKER_BOND = parseEther('0.02');
const CHALLENGER_BOND = parseEther('0.05');

/**
 * Batched tasks on anvil with the real engine: the mlp fixture as a 1-stage pipeline, N inputs
 * near the fixture's. A batch is posted in one transaction, served in one claim and one submit,
 * paid in one finalize; a dispute is one task's, answered by a real EZKL stage proof.
 */
describe('batched tasks: one root for N results, disputes per task', () => {
  let chain: ChainContext & { close(): Promise<void> };
  let marketAddress: string;
  let requester: Contract;
  let worker: Contract;
  let challenger: Contract;
  let cheater: Contract;
  let pipelineId: string;
  let mlp: Artifacts;
  let inputs: string[];
  const account = (i: number) => anvil().accounts[i];
  const balance = (address: string) => chain.provider.getBalance(address);
  const post = (n: number, consumer?: string) =>
    postBatch({
      market: requester,
      pipelineId,
      inputs: inputs.slice(0, n),
      rewardEth: '0.01',
      deadlineSeconds: 3600,
      windowSeconds: WINDOW,
      responseSeconds: RESPONSE,
      workerBondEth: '0.02',
      challengerBondEth: '0.05',
      consumer,
    });

  beforeAll(async () => {
    const keys = anvil().accounts.map((a) => a.privateKey);
    const setup = await marketWithMlp(anvil().rpcUrl, keys);
    chain = setup.chain;
    marketAddress = setup.address;
    mlp = setup.artifacts;
    [requester, worker, challenger, cheater] = await Promise.all([
      setup.as(0),
      setup.as(1),
      setup.as(2),
      setup.as(3),
    ]);
    pipelineId = (await registerPipeline({ market: requester, stageModels: [setup.modelId] }))
      .pipelineId;
    // Inputs near the fixture's (inside the range its circuit was calibrated on).
    const base = JSON.parse(await readFile(fixtureInput('mlp'), 'utf8')).input_data[0] as number[];
    const dir = tempDir();
    inputs = [];
    for (let i = 0; i < 4; i++) {
      const file = join(dir, `input-${i}.json`);
      await writeFile(file, JSON.stringify({ input_data: [base.map((v) => v * (1 - i / 10))] }));
      inputs.push(file);
    }
    return () => chain.close();
  });

  it('posts N tasks in one transaction, is served in one claim and one submit, and pays the worker in one finalize; each result is provable by its inclusion proof and reaches the consumer', async () => {
    const consumer = await deployTestContract(
      'test/RecordingBatchConsumer.sol',
      'RecordingBatchConsumer',
      account(0).privateKey,
      chain.provider,
      [openBatches(requester).target],
    );
    const posted = await post(4, await consumer.getAddress());
    expect(posted.tasks).toBe(4);
    const view = await readBatch(requester, posted.batchId);
    expect(view.inputsRoot).toBe(posted.inputsRoot);
    // The worker reads the inputs from the calldata (the event) and checks them against the root.
    const read = await readBatchInputs(worker, view);
    expect(read.map((t) => t.map(String))).toEqual(posted.inputs);

    const before = await balance(account(1).address);
    const served = await serveBatch({
      market: worker,
      batchId: posted.batchId,
      worker: account(1).address,
    });
    for (const [i, task] of read.entries()) {
      const honest = await witnessPipeline({ stages: [mlp], inputs: task });
      expect(served.outputs[i]).toEqual(honest.outputs.map(String));
    }
    await advanceTime(chain.provider, WINDOW);
    // Anyone may finalize: the challenger sends it, the worker is paid.
    const finalized = await finalizeBatch({ market: challenger, batchId: posted.batchId });
    expect(finalized.tasksPaid).toBe(4);
    const spent = await gasCost(
      chain.provider,
      [served.claimTxHash!, served.submitTxHash].filter(Boolean),
    );
    // Net of the claim bond and the worker bonds it got back: the four rewards.
    expect((await balance(account(1).address)) - before).toBe(4n * REWARD - spent);

    const proof = await batchTaskProof({ market: requester, batchId: posted.batchId, index: 2 });
    expect(proof.final).toBe(true);
    expect(
      batchIncludes(
        proof.resultsRoot,
        4,
        2,
        batchResultLeaf(BigInt(posted.batchId), 2, proof.outputs.map(BigInt), []),
        proof.resultPath,
      ),
    ).toBe(true);
    // A stranger delivers the result to the consumer, which checks the proof it receives.
    const delivered = await deliverBatchResult({
      market: challenger,
      batchId: posted.batchId,
      index: 2,
    });
    expect(delivered.callbackOk).toBe(true);
    expect(await consumer.calls()).toBe(1n);
    expect(await consumer.lastIncluded()).toBe(true);
    // Who asked: the callback does not say, the batch does (a consumer refuses strangers' batches).
    expect(await consumer.lastRequester()).toBe(account(0).address);
    expect(await consumer.lastOutputs(0)).toBe(BigInt(proof.outputs[0]));
    // `task show <batch>:<index>` prints the inclusion proof.
    const shown = await runCli(
      [
        'task',
        'show',
        `${posted.batchId}:2`,
        '--rpc',
        anvil().rpcUrl,
        '--market',
        marketAddress,
        '--json',
      ],
      {},
    );
    expect(shown.code, shown.stderr).toBe(0);
    const json = JSON.parse(shown.stdout);
    expect(json.resultPath).toEqual(proof.resultPath);
    expect(json.final).toBe(true);
  });

  it('a wrong leaf is challenged and lost alone: its task refunded with half its bond, the other tasks still paid', async () => {
    const posted = await post(4);
    const view = await readBatch(requester, posted.batchId);
    const id = BigInt(posted.batchId);
    const tasks = await readBatchInputs(cheater, view);
    const outputs: bigint[] = [];
    for (const task of tasks)
      outputs.push(...(await witnessPipeline({ stages: [mlp], inputs: task })).outputs);
    const perTask = outputs.length / 4;
    outputs[2 * perTask] += 1n; // task 2's first output is a lie
    const bond = (await requester.claimBondFor(REWARD * 4n)) as bigint;
    const batches = openBatches(cheater);
    await sendMarketTx(batches, 'claim', [id], { value: bond });
    await sendMarketTx(batches, 'submitResults', [id, outputs, []], { value: WORKER_BOND * 4n });

    const challenged = await challengeBatchTask({
      market: challenger,
      batchId: posted.batchId,
      index: 2,
      stage: 0,
    });
    expect(challenged.responseDeadline).toBeGreaterThan(0);
    await advanceTime(chain.provider, RESPONSE);
    const r0 = await balance(account(0).address);
    const c0 = await balance(account(2).address);
    const settled = await settleBatchChallenge({
      market: challenger,
      batchId: posted.batchId,
      index: 2,
      stage: 0,
    });
    expect((await balance(account(0).address)) - r0).toBe(REWARD + WORKER_BOND / 2n);
    expect((await balance(account(2).address)) - c0).toBe(
      CHALLENGER_BOND + WORKER_BOND / 2n - (await gasCost(chain.provider, [settled.txHash])),
    );
    await advanceTime(chain.provider, WINDOW);
    const w0 = await balance(account(3).address);
    const finalized = await finalizeBatch({ market: requester, batchId: posted.batchId });
    expect(finalized.tasksPaid).toBe(3);
    expect((await balance(account(3).address)) - w0).toBe(3n * REWARD + 3n * WORKER_BOND + bond);
    expect(
      (await batchTaskProof({ market: requester, batchId: posted.batchId, index: 2 })).final,
    ).toBe(false);
    expect(
      (await batchTaskProof({ market: requester, batchId: posted.batchId, index: 1 })).final,
    ).toBe(true);
  });

  it("a false challenge is answered with the task's real stage proof and its inclusion proofs; a copy of the answer from the mempool and another batch's leaf are refused", async () => {
    const a = await post(2);
    const b = await post(2);
    for (const batch of [a, b])
      await serveBatch({ market: worker, batchId: batch.batchId, worker: account(1).address });
    await challengeBatchTask({ market: challenger, batchId: b.batchId, index: 1, stage: 0 });
    const { stages } = await attestPipeline({ market: worker, pipelineId });

    // Batch A's leaf for task 1 (same input, same result) does not answer batch B's challenge.
    const fromA = await batchTaskProof({ market: worker, batchId: a.batchId, index: 1 });
    const batches = openBatches(worker);
    const { proveStageAnswer } = await import('../../src/market/proveStageAnswer.js');
    const answer = await proveStageAnswer({ stages, stage: 0, inputs: fromA.inputs.map(BigInt) });
    const moved = {
      outputs: fromA.outputs,
      boundaries: fromA.boundaries,
      resultPath: fromA.resultPath,
      inputPath: fromA.inputPath,
    };
    await expect(
      sendMarketTx(
        batches,
        'respond',
        [BigInt(b.batchId), 1, 0, moved, answer.proof, answer.instances],
        {
          gasLimit: 3_000_000n,
        },
      ),
    ).rejects.toThrow(/LeafNotInRoot/);

    // The worker's real answer, with a copier replaying it at a higher tip in the same block.
    const copier = new Wallet(account(4).privateKey, chain.provider);
    const w0 = await balance(account(1).address);
    const { txHash, copyHash } = await withAutomineOff(chain.provider, async () => {
      const answering = respondBatchChallenge({
        market: worker,
        batchId: b.batchId,
        index: 1,
        stage: 0,
        stages,
      });
      const pending = await pendingCall(chain.provider, batches, account(1).address, 'respond');
      const copy = await sendCopy(copier, pending);
      await chain.provider.send('evm_mine', []);
      return { txHash: (await answering).txHash, copyHash: copy.hash };
    });
    expect(await minedRevert(batches, copyHash)).toBe('NotSubmitter');
    expect((await balance(account(1).address)) - w0).toBe(
      CHALLENGER_BOND - (await gasCost(chain.provider, [txHash])),
    );
    expect((await batches.getChallenge(BigInt(b.batchId), 1, 0)).answered).toBe(true);
    // The stage proof it revealed is public on the market now: no zk claimant can commit to it.
    const sent = (await chain.provider.getTransaction(txHash))!;
    const revealed = batches.interface.parseTransaction({ data: sent.data })!.args[4] as string;
    expect(
      await requester.proofFirstSeen(keccak256(`0x${revealed.slice(2, 130)}`)),
    ).toBeGreaterThan(0n);
  });

  it('a worker refuses a batch whose published inputs do not match its root; a requester cancels one task alone', async () => {
    const posted = await post(3);
    const view = await readBatch(worker, posted.batchId);
    const tasks = await readBatchInputs(worker, view);
    const tampered = tasks.map((t) => [...t]);
    tampered[1][0] += 1n;
    expect(() => verifyBatchInputs(view, tampered)).toThrow(/BATCH_MISMATCH|do not match|hash to/);
    const r0 = await balance(account(0).address);
    const closed = await closeBatchTasks({
      market: requester,
      batchId: posted.batchId,
      indices: [1],
      how: 'cancel',
    });
    expect((await balance(account(0).address)) - r0).toBe(
      REWARD - (await gasCost(chain.provider, [closed.txHash])),
    );
    await expect(
      closeBatchTasks({ market: cheater, batchId: posted.batchId, indices: [0], how: 'cancel' }),
    ).rejects.toThrow(/NotRequester/);
  });

  it('the worker (pocompute worker) serves a batch, answers a challenge of one of its tasks with the stage proof, and is paid at finalize', async () => {
    const fromBlock = await chain.provider.getBlockNumber();
    const posted = await post(2);
    const key = `batch:${posted.batchId}`;
    const w0 = await balance(account(1).address);
    const hashes: string[] = [];
    const { events } = await workUntil({
      market: worker,
      worker: account(1).address,
      networkKey: chain.networkKey,
      fromBlock: fromBlock + 1,
      stop: (e) => e.event === 'paid' && e.taskId === key,
      onEvent: async (e) => {
        if ('txHashes' in e) hashes.push(...e.txHashes);
        if (e.event === 'answered') hashes.push(e.txHash);
        if (e.event === 'submitted' && e.taskId === key)
          await challengeBatchTask({
            market: challenger,
            batchId: posted.batchId,
            index: 1,
            stage: 0,
          });
        if (e.event === 'answered') await advanceTime(chain.provider, WINDOW);
      },
    });
    expect(events.map((e) => `${e.event} ${'taskId' in e ? e.taskId : ''}`)).toEqual(
      expect.arrayContaining([`submitted ${key}`, `answered ${key}:1`, `paid ${key}`]),
    );
    // Two rewards and the false challenger's bond, less the gas of its transactions.
    expect((await balance(account(1).address)) - w0).toBe(
      2n * REWARD + CHALLENGER_BOND - (await gasCost(chain.provider, hashes)),
    );
  });

  it('the CLI posts and serves a batch (task post-batch, claim-batch, finalize-batch); bad input is a one-line error with its exit code', async () => {
    const cli = (args: string[], key: number) =>
      runCli([...args, '--rpc', anvil().rpcUrl, '--market', marketAddress, '--json'], {
        POCOMPUTE_PRIVATE_KEY: account(key).privateKey,
      });
    const posted = await cli(
      [
        'task',
        'post-batch',
        '--pipeline',
        pipelineId,
        '--input',
        ...inputs.slice(0, 3),
        '--reward',
        '0.01',
        '--worker-bond',
        '0.02',
        '--challenger-bond',
        '0.05',
      ],
      0,
    );
    expect(posted.code, posted.stderr).toBe(0);
    const { batchId, tasks } = posted.json();
    expect(tasks).toBe(3);
    // Before any result: the task's inputs and their inclusion proof, not final.
    const open = await cli(['task', 'show', `${batchId}:1`], 2);
    expect(open.code, open.stderr).toBe(0);
    expect(open.json()).toMatchObject({ final: false, outputs: [], status: 'open' });
    expect(open.json().inputPath).toHaveLength(2);
    const served = await cli(['task', 'claim-batch', batchId], 1);
    expect(served.code, served.stderr).toBe(0);
    expect(served.json().outputs).toHaveLength(3);
    const early = await cli(['task', 'finalize-batch', batchId], 2);
    expect(early.code).toBe(4);
    expect(early.json().error.message).toMatch(/WindowOpen/);
    await advanceTime(chain.provider, WINDOW);
    const w0 = await balance(account(1).address);
    const paid = await cli(['task', 'finalize-batch', batchId], 2);
    expect(paid.code, paid.stderr).toBe(0);
    expect(paid.json().tasksPaid).toBe(3);
    expect(await balance(account(1).address)).toBeGreaterThan(w0);

    // Bad input: a usage error (exit 2) or a decoded revert (exit 4), one line, no stack trace,
    // and nothing posted.
    const before = await openBatches(requester).batchCount();
    const badReward = await runCli(
      [
        'task',
        'post-batch',
        '--pipeline',
        pipelineId,
        '--input',
        inputs[0],
        '--reward',
        'lots',
        '--worker-bond',
        '0.02',
        '--challenger-bond',
        '0.05',
        '--rpc',
        anvil().rpcUrl,
        '--market',
        marketAddress,
      ],
      { POCOMPUTE_PRIVATE_KEY: account(0).privateKey },
    );
    expect(badReward.code).toBe(2);
    expect(badReward.stderr).not.toMatch(/\n\s+at /);
    expect(await openBatches(requester).batchCount()).toBe(before);
    const unknown = await cli(['task', 'show', '999:0'], 0);
    expect(unknown.code).toBe(4);
    expect(unknown.json().error.message).toMatch(/UnknownBatch/);
    const badIndex = await cli(['task', 'show', `${batchId}:7`], 0);
    expect(badIndex.code).toBe(2);
  });

  it('front-running rules hold for batches: a copied claim only makes the honest worker wait; a copied challenge pays the copier but the wrong task is still caught', async () => {
    const posted = await post(2);
    const id = BigInt(posted.batchId);
    const copier = new Wallet(account(4).privateKey, chain.provider);
    const batches = openBatches(worker);
    const bond = (await requester.claimBondFor(REWARD * 2n)) as bigint;
    // The honest claim is copied at a higher tip: the copy is mined first.
    const claimCopy = await withAutomineOff(chain.provider, async () => {
      const honest = batches.claim(id, { value: bond, gasLimit: 300_000n });
      const pending = await pendingCall(chain.provider, batches, account(1).address, 'claim');
      const copy = await sendCopy(copier, pending);
      await chain.provider.send('evm_mine', []);
      return { honest: (await honest).hash, copy: copy.hash };
    });
    expect(await minedRevert(batches, claimCopy.copy)).toBeUndefined();
    // The honest claim, mined after it, reverted (AlreadyClaimed): the copier holds the batch.
    expect((await chain.provider.getTransactionReceipt(claimCopy.honest))!.status).toBe(0);
    expect((await readBatch(requester, posted.batchId)).claimant).toBe(copier.address);
    // The copier holds the claim and states a wrong result for task 0.
    const asCopier = openBatches(requester).connect(copier) as Contract;
    const view = await readBatch(requester, posted.batchId);
    const tasks = await readBatchInputs(requester, view);
    const outputs: bigint[] = [];
    for (const task of tasks)
      outputs.push(...(await witnessPipeline({ stages: [mlp], inputs: task })).outputs);
    outputs[0] += 1n;
    await sendMarketTx(asCopier, 'submitResults', [id, outputs, []], { value: WORKER_BOND * 2n });
    // The honest watcher's challenge is copied (by the cheater's accomplice) at a higher tip.
    const accomplice = new Wallet(account(5).privateKey, chain.provider);
    const asWatcher = openBatches(challenger);
    const challengeCopy = await withAutomineOff(chain.provider, async () => {
      const honest = asWatcher.challenge(id, 0, 0, {
        value: CHALLENGER_BOND,
        gasLimit: 300_000n,
      });
      const pending = await pendingCall(chain.provider, asWatcher, account(2).address, 'challenge');
      const copy = await sendCopy(accomplice, pending);
      await chain.provider.send('evm_mine', []);
      return { honest: (await honest).hash, copy: copy.hash };
    });
    // The honest challenge, mined after the copy, reverted (ChallengeOpen); the copy stands.
    expect(await minedRevert(asWatcher, challengeCopy.copy)).toBeUndefined();
    expect((await chain.provider.getTransactionReceipt(challengeCopy.honest))!.status).toBe(0);
    expect((await asWatcher.getChallenge(id, 0, 0)).challenger).toBe(accomplice.address);
    // Nobody answers (a wrong result has no proof): the wrong task is caught all the same.
    await advanceTime(chain.provider, RESPONSE);
    const r0 = await balance(account(0).address);
    await settleBatchChallenge({ market: challenger, batchId: posted.batchId, index: 0, stage: 0 });
    expect((await balance(account(0).address)) - r0).toBe(REWARD + WORKER_BOND / 2n);
    expect(await openBatches(requester).isClosed(id, 0)).toBe(true);
  });

  it('the watcher (pocompute watch) judges every task of a batch, challenges the wrong one and settles it when unanswered', async () => {
    const fromBlock = await chain.provider.getBlockNumber();
    const posted = await post(3);
    const id = BigInt(posted.batchId);
    const view = await readBatch(cheater, posted.batchId);
    const outputs: bigint[] = [];
    for (const task of await readBatchInputs(cheater, view))
      outputs.push(...(await witnessPipeline({ stages: [mlp], inputs: task })).outputs);
    outputs[outputs.length - 1] += 1n; // the last task's last output is a lie
    const batches = openBatches(cheater);
    const bond = (await requester.claimBondFor(REWARD * 3n)) as bigint;
    await sendMarketTx(batches, 'claim', [id], { value: bond });
    await sendMarketTx(batches, 'submitResults', [id, outputs, []], { value: WORKER_BOND * 3n });
    const stateFile = join(tempDir(), 'watch.json');
    await writeFile(
      stateFile,
      JSON.stringify({ version: 1, nextBlock: fromBlock + 1, watching: [], mine: {} }),
    );
    const watchOnce = async () => {
      const events: WatchEvent[] = [];
      await runWatcher({
        market: challenger,
        watcher: account(2).address,
        networkKey: chain.networkKey,
        signal: new AbortController().signal,
        log: (e) => events.push(e),
        stateFile,
        once: true,
      });
      return events.map((e) => `${e.event} ${'taskId' in e ? e.taskId : ''}`);
    };
    const key = `batch:${posted.batchId}`;
    expect(await watchOnce()).toEqual([`challenged ${key}:2`]);
    expect(await watchOnce()).toEqual([]); // judged once; its challenge is pending
    await advanceTime(chain.provider, RESPONSE);
    const c0 = await balance(account(2).address);
    expect(await watchOnce()).toEqual([`settled ${key}:2`]);
    expect(await balance(account(2).address)).toBeGreaterThan(c0);
    expect(await openBatches(requester).isClosed(id, 2)).toBe(true);
    expect(await openBatches(requester).isClosed(id, 1)).toBe(false);
  });
});
