import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseEther, type Contract, type ContractTransactionResponse } from 'ethers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChainContext } from '../../src/chain/chainContext.js';
import { postOptimisticTask } from '../../src/market/postOptimisticTask.js';
import { quantizeTaskInput } from '../../src/market/postTask.js';
import { proveStageAnswer } from '../../src/market/proveStageAnswer.js';
import { readResult } from '../../src/market/readResult.js';
import { registerPipeline } from '../../src/market/registerPipeline.js';
import type { WorkerEvent } from '../../src/market/worker.js';
import type { Artifacts } from '../../src/proof/artifacts.js';
import { useAnvil } from '../helpers/anvil.js';
import { advanceTime, gasCost, marketWithMlp } from '../helpers/market.js';
import { fixtureInput, tempDir } from '../helpers/pocompute.js';
import { workerStateFile, workUntil } from '../helpers/worker.js';

const anvil = useAnvil();

const WINDOW = 600;
const REWARD = parseEther('0.05');
const CHALLENGER_BOND = parseEther('0.05');
/** How many results the worker holds, all challenged at once. */
const K = 4;

type Event<E extends WorkerEvent['event']> = Extract<WorkerEvent, { event: E }>;

/**
 * One worker, K standing optimistic results on the mlp fixture, all challenged in the same block:
 * the capacity rule (src/market/answerTime.ts) admitted exactly K of them, so all K must be
 * answered in time, earliest deadline first.
 *
 * Old code (1daed86) caught: its rule looked at one task at a time (response time ≥ 2 × prove +
 * 30 s), so it took a fifth task that, challenged with the others, could not be answered in time
 * (here: no skip, and the run fails); it answered challenges in the order the tasks were found,
 * not by deadline; and its market had no minimum challenger bond (the old 3-argument constructor).
 */
describe('K challenges at once against one worker', () => {
  let chain: ChainContext & { close(): Promise<void> };
  let marketAddress: string;
  let requester: Contract;
  let honest: Contract;
  let challenger: Contract;
  let pipelineId: string;
  let mlp: Artifacts;
  /** The mlp fixture's prove time on this machine (s, rounded up), measured once. */
  let proveSeconds: number;
  const account = (i: number) => anvil().accounts[i];
  const balance = (address: string) => chain.provider.getBalance(address);
  const blockTime = async (hash: string) => {
    const receipt = await chain.provider.getTransactionReceipt(hash);
    return (await chain.provider.getBlock(receipt!.blockNumber))!.timestamp;
  };

  beforeAll(async () => {
    const keys = anvil().accounts.map((a) => a.privateKey);
    const setup = await marketWithMlp(anvil().rpcUrl, keys);
    chain = setup.chain;
    marketAddress = setup.address;
    mlp = setup.artifacts;
    [requester, honest, challenger] = await Promise.all([setup.as(0), setup.as(1), setup.as(2)]);
    pipelineId = (await registerPipeline({ market: requester, stageModels: [setup.modelId] }))
      .pipelineId;
    const answer = await proveStageAnswer({
      stages: [mlp],
      stage: 0,
      inputs: await quantizeTaskInput(mlp, fixtureInput('mlp')),
    });
    proveSeconds = Math.ceil(answer.proveMs / 1000);
    return () => chain.close();
  });

  it('a worker admits exactly the results it can answer together, refuses one more, and answers all K challenges of one block before their deadlines, earliest first', async () => {
    const p = proveSeconds;
    // The worker's margin, large enough that the shortest response time is the contract's 60 s.
    const safetySeconds = Math.max(30, 60 - 2 * p);
    // The capacity rule, earliest deadline first: the k-th answer (k = 1..K) ends after k prove
    // times and must leave one more (a failed attempt) and the margin: exactly (k+1)·p + margin.
    const responseTimes = Array.from({ length: K }, (_, i) => (i + 2) * p + safetySeconds);
    // Posted out of deadline order, so answering in the order found would not be earliest first.
    const postOrder = [2, 0, 3, 1];
    const dir = tempDir();
    const fromBlock = await chain.provider.getBlockNumber();
    const workerBefore = await balance(account(1).address);
    const challengerBefore = await balance(account(2).address);
    const posted: { taskId: string; responseSeconds: number }[] = [];
    for (const [n, k] of [...postOrder, K - 1].entries()) {
      // A different input per task: each answer is its own proof.
      const input = join(dir, `input-${n}.json`);
      const scale = 1 - n / 10;
      await writeFile(
        input,
        JSON.stringify({ input_data: [[1.9658, 0.1762, -0.8311, 0.3274].map((x) => x * scale)] }),
      );
      const { taskId } = await postOptimisticTask({
        market: requester,
        pipelineId,
        input,
        rewardEth: '0.05',
        deadlineSeconds: 3600,
        windowSeconds: WINDOW,
        responseSeconds: responseTimes[k],
        workerBondEth: '0.1',
        challengerBondEth: '0.05',
      });
      posted.push({ taskId, responseSeconds: responseTimes[k] });
    }
    const standing = posted.slice(0, K);
    const oneMore = posted[K];

    // One pass: the worker, knowing its prove time, takes the K tasks and refuses the one more.
    const stateFile = await workerStateFile(fromBlock, {
      proveMs: { [mlp.manifest.key]: p * 1000 },
    });
    const options = { safetySeconds };
    const taken = await workUntil({
      market: honest,
      worker: account(1).address,
      networkKey: chain.networkKey,
      stateFile,
      stop: () => false,
      options: { ...options, once: true },
    });
    expect(taken.events.map((e) => [e.event, 'taskId' in e ? e.taskId : undefined])).toEqual([
      ...standing.map((t) => ['submitted', t.taskId]),
      ['skipped', oneMore.taskId],
    ]);
    expect((taken.events.at(-1) as Event<'skipped'>).reason).toBe(
      `too many results to answer at once: with ${K} standing, all challenged together need ` +
        `${(K + 2) * p + safetySeconds} s for one whose response time is ${responseTimes[K - 1]} s`,
    );

    // All K challenged in one block.
    const sent: ContractTransactionResponse[] = [];
    const nonce = await chain.provider.getTransactionCount(account(2).address, 'latest');
    await chain.provider.send('evm_setAutomine', [false]);
    try {
      for (const [i, t] of standing.entries())
        sent.push(
          await challenger.challenge(BigInt(t.taskId), 0, {
            value: CHALLENGER_BOND,
            nonce: nonce + i,
            gasLimit: 300_000n,
          }),
        );
      await chain.provider.send('evm_mine', []);
    } finally {
      await chain.provider.send('evm_setAutomine', [true]);
    }
    const challenges = await Promise.all(sent.map((tx) => tx.wait()));
    expect(new Set(challenges.map((r) => r!.blockNumber)).size).toBe(1);
    expect(challenges.map((r) => r!.status)).toEqual(standing.map(() => 1));

    // The worker, back for its next round, answers them all; then the windows close and it is paid.
    let answered = 0;
    const run = await workUntil({
      market: honest,
      worker: account(1).address,
      networkKey: chain.networkKey,
      stateFile,
      options,
      stop: (_, events) => events.filter((e) => e.event === 'paid').length === K,
      onEvent: async (e) => {
        if (e.event !== 'answered' || ++answered < K) return;
        const now = (await chain.provider.getBlock('latest'))!.timestamp;
        let windowEnd = 0;
        for (const t of standing)
          windowEnd = Math.max(windowEnd, (await readResult(requester, t.taskId)).windowEnd);
        await advanceTime(chain.provider, windowEnd - now + 1);
      },
    });
    expect(run.totals).toEqual({ paid: K, skipped: 0, failed: 0 });
    expect(run.events.filter((e) => !['challenged', 'answered', 'paid'].includes(e.event))).toEqual(
      [],
    );
    const challengedEvents = run.events.filter((e) => e.event === 'challenged');
    const answers = run.events.filter((e) => e.event === 'answered');
    // Earliest deadline first: by response time, not in the order the tasks were found.
    const byDeadline = [...standing].sort((a, b) => a.responseSeconds - b.responseSeconds);
    expect(answers.map((e) => (e as Event<'answered'>).taskId)).toEqual(
      byDeadline.map((t) => t.taskId),
    );
    expect(byDeadline.map((t) => t.taskId)).not.toEqual(standing.map((t) => t.taskId));
    const margins: Record<string, number> = {};
    for (const a of answers) {
      const { taskId, txHash } = a as Event<'answered'>;
      const { responseDeadline } = challengedEvents.find(
        (c) => (c as Event<'challenged'>).taskId === taskId,
      ) as Event<'challenged'>;
      margins[taskId] = responseDeadline - (await blockTime(txHash));
    }
    // Every answer mined before its deadline (the contract would have refused it otherwise).
    expect(
      Object.values(margins).every((m) => m > 0),
      JSON.stringify(margins),
    ).toBe(true);
    for (const t of standing) {
      const view = await readResult(requester, t.taskId);
      expect(view.task.status).toBe('done');
      expect(view.answeredStages).toEqual([0]);
    }
    // No bond lost: each task paid its reward and each false challenge its bond; gas is all the
    // worker spent.
    const workerTxs = [...taken.events, ...run.events].flatMap((e) =>
      e.event === 'submitted' || e.event === 'paid'
        ? e.txHashes
        : e.event === 'answered'
          ? [e.txHash]
          : [],
    );
    expect((await balance(account(1).address)) - workerBefore).toBe(
      BigInt(K) * (REWARD + CHALLENGER_BOND) - (await gasCost(chain.provider, workerTxs)),
    );
    expect((await balance(account(2).address)) - challengerBefore).toBe(
      -BigInt(K) * CHALLENGER_BOND -
        (await gasCost(
          chain.provider,
          challenges.map((r) => r!.hash),
        )),
    );
    // The market holds only the refused task's escrow.
    expect(await balance(marketAddress)).toBe(REWARD);
  });
  // HEAD before this fix (and 1daed86): a round's order was read once, at its start, so a
  // challenge that came while the worker proved another answer was taken in the order the tasks
  // were found, after every task before it: here C (later deadline) before B.
  it('challenges that come while the worker proves another answer are answered earliest deadline first, not in the order found', async () => {
    const p = proveSeconds;
    const safetySeconds = Math.max(30, 60 - 2 * p);
    // B answers first (2p + margin), then C (3p + margin), then A (4p + margin): all three fit.
    const response = {
      B: 2 * p + safetySeconds,
      C: 3 * p + safetySeconds,
      A: 4 * p + safetySeconds,
    };
    const fromBlock = await chain.provider.getBlockNumber();
    const ids: Record<string, string> = {};
    for (const name of ['A', 'C', 'B'] as const)
      ids[name] = (
        await postOptimisticTask({
          market: requester,
          pipelineId,
          input: fixtureInput('mlp'),
          rewardEth: '0.05',
          deadlineSeconds: 3600,
          windowSeconds: WINDOW,
          responseSeconds: response[name],
          workerBondEth: '0.1',
          challengerBondEth: '0.05',
        })
      ).taskId;
    const challenge = (taskId: string) =>
      challenger.challenge(BigInt(taskId), 0, { value: CHALLENGER_BOND, gasLimit: 300_000n });
    let submitted = 0;
    let answered = 0;
    const { events, totals } = await workUntil({
      market: honest,
      worker: account(1).address,
      networkKey: chain.networkKey,
      stateFile: await workerStateFile(fromBlock, { proveMs: { [mlp.manifest.key]: p * 1000 } }),
      options: { safetySeconds },
      stop: (_, all) => all.filter((e) => e.event === 'paid').length === 3,
      onEvent: async (e) => {
        if (e.event === 'submitted' && ++submitted === 3) await (await challenge(ids.A)).wait();
        // While the worker proves A's answer, C and B are challenged.
        if (e.event === 'challenged' && e.taskId === ids.A) {
          await (await challenge(ids.C)).wait();
          await (await challenge(ids.B)).wait();
        }
        if (e.event === 'answered' && ++answered === 3) {
          const now = (await chain.provider.getBlock('latest'))!.timestamp;
          let windowEnd = 0;
          for (const id of Object.values(ids))
            windowEnd = Math.max(windowEnd, (await readResult(requester, id)).windowEnd);
          await advanceTime(chain.provider, windowEnd - now + 1);
        }
      },
    });
    expect(totals).toEqual({ paid: 3, skipped: 0, failed: 0 });
    const answers = events.filter((e) => e.event === 'answered') as Event<'answered'>[];
    expect(answers.map((e) => e.taskId)).toEqual([ids.A, ids.B, ids.C]);
    // C and B were challenged before A's answer was mined: they were waiting while A was proved.
    const answeredA = await blockTime(answers[0].txHash);
    for (const name of ['B', 'C'] as const) {
      const challenged = events.find(
        (e) => e.event === 'challenged' && e.taskId === ids[name],
      ) as Event<'challenged'>;
      expect(challenged.responseDeadline - response[name]).toBeLessThanOrEqual(answeredA);
    }
  });
});
