import { existsSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseEther, ZeroHash, type Contract, type Wallet } from 'ethers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChainContext } from '../../src/chain/chainContext.js';
import { challengeStage } from '../../src/market/challengeStage.js';
import { postOptimisticTask } from '../../src/market/postOptimisticTask.js';
import { quantizeTaskInput } from '../../src/market/postTask.js';
import { proveStageAnswer, type StageAnswer } from '../../src/market/proveStageAnswer.js';
import { readResult } from '../../src/market/readResult.js';
import { registerPipeline } from '../../src/market/registerPipeline.js';
import { respondChallenge } from '../../src/market/respondChallenge.js';
import { settleChallenge } from '../../src/market/settleChallenge.js';
import { submitResult } from '../../src/market/submitResult.js';
import { runWatcher, type WatchEvent } from '../../src/market/watcher.js';
import { witnessPipeline } from '../../src/market/witnessPipeline.js';
import type { WorkerEvent, WorkerParams } from '../../src/market/worker.js';
import { deployMarket, registerModel, ZERO_ADDRESS } from '../../src/market/market.js';
import { finalizeResult } from '../../src/market/finalizeResult.js';
import { TaskKind } from '../../src/chain/generated/contracts.js';
import type { Artifacts } from '../../src/proof/artifacts.js';
import { compileStages } from '../../src/prover/stages/compileStages.js';
import { splitModel } from '../../src/prover/stages/splitModel.js';
import { useAnvil } from '../helpers/anvil.js';
import { workUntil as runWorkerUntil, workerStateFile } from '../helpers/worker.js';
import {
  advanceTime,
  deployTestContract,
  gasCost,
  marketWithMlp,
  revertOf,
} from '../helpers/market.js';
import {
  fixtureInput,
  fixtureModel,
  provedFixture,
  runCli,
  tempDir,
} from '../helpers/pocompute.js';

const anvil = useAnvil();

const WINDOW = 600;
const RESPONSE = 600;
const WORKER_BOND = parseEther('0.1');
const CHALLENGER_BOND = parseEther('0.05');
const REWARD = parseEther('0.05');

/**
 * Optimistic tasks on anvil with the real engine, on the mlp fixture as a 1-stage pipeline (its
 * stage proof is the whole-model proof): paid after the window with no proof, caught by the
 * watcher, a false challenge lost to the stage proof, a silent worker's bond lost.
 */
describe('optimistic tasks: results with bonds, challenges answered by stage proofs', () => {
  let chain: ChainContext & { close(): Promise<void> };
  let marketAddress: string;
  let as: (i: number) => Promise<Contract>;
  let requester: Contract;
  let honest: Contract;
  let watcher: Contract;
  let cheater: Contract;
  let pipelineId: string;
  /** The mlp fixture's model id (pipeline `pipelineId` is that one model). */
  let modelId: string;
  let mlp: Artifacts;
  /** The honest answer to a challenge of the mlp fixture's input (see fixtureAnswer). */
  let mlpAnswer: StageAnswer | undefined;
  /** The mlp split in two stages, and its pipeline. */
  let twoStages: Artifacts[];
  let twoStageId: string;
  let splitDir: string;
  const account = (i: number) => anvil().accounts[i];
  const balance = (address: string) => chain.provider.getBalance(address);
  const chainTime = async () => (await chain.provider.getBlock('latest'))!.timestamp;
  const post = (overrides: Partial<Parameters<typeof postOptimisticTask>[0]> = {}) =>
    postOptimisticTask({
      market: requester,
      pipelineId,
      input: fixtureInput('mlp'),
      rewardEth: '0.05',
      deadlineSeconds: 3600,
      windowSeconds: WINDOW,
      responseSeconds: RESPONSE,
      workerBondEth: '0.1',
      challengerBondEth: '0.05',
      ...overrides,
    });
  const inputsOf = async (taskId: string) => [
    ...((await requester.getTaskInputs(BigInt(taskId))) as bigint[]),
  ];
  /** The honest result of a task, from the witness alone. */
  const honestResult = async (taskId: string, stages = [mlp]) =>
    witnessPipeline({ stages, inputs: await inputsOf(taskId) });
  const watchOnce = async (market = watcher, who = account(2).address, stateFile?: string) => {
    const events: WatchEvent[] = [];
    await runWatcher({
      market,
      watcher: who,
      networkKey: chain.networkKey,
      signal: new AbortController().signal,
      log: (e) => events.push(e),
      stateFile: stateFile ?? join(tempDir(), 'watch.json'),
      once: true,
    });
    return events;
  };
  /** Runs the honest worker on the tasks posted from `fromBlock` on, until `stop` says so. */
  const workUntil = (
    fromBlock: number,
    stop: (e: WorkerEvent) => boolean,
    onEvent?: (e: WorkerEvent) => Promise<void>,
  ) =>
    runWorkerUntil({
      market: honest,
      worker: account(1).address,
      networkKey: chain.networkKey,
      fromBlock,
      stop,
      onEvent,
    });

  /** One pass of the honest worker over the tasks it finds (on this market, or another). */
  const workOnce = async (
    stateFile: string,
    options: Partial<WorkerParams> = {},
    market = honest,
  ) =>
    (
      await runWorkerUntil({
        market,
        worker: account(1).address,
        networkKey: chain.networkKey,
        stateFile,
        stop: () => false,
        options: { once: true, ...options },
      })
    ).events;

  beforeAll(async () => {
    const keys = anvil().accounts.map((a) => a.privateKey);
    const setup = await marketWithMlp(anvil().rpcUrl, keys);
    chain = setup.chain;
    marketAddress = setup.address;
    as = setup.as;
    mlp = setup.artifacts;
    [requester, honest, watcher, cheater] = await Promise.all([as(0), as(1), as(2), as(3)]);
    modelId = setup.modelId;
    pipelineId = (await registerPipeline({ market: requester, stageModels: [setup.modelId] }))
      .pipelineId;
    // The mlp split in two: each stage an ordinary registered model, then the pipeline.
    splitDir = tempDir();
    const staged = await splitModel({ model: fixtureModel('mlp'), stages: 2, out: splitDir });
    twoStages = (await compileStages({ staged, input: fixtureInput('mlp') })).stages;
    const stageIds: string[] = [];
    for (const [i, artifacts] of twoStages.entries())
      stageIds.push(
        (await registerModel({ chain, market: requester, artifacts, stage: i > 0 })).modelId,
      );
    twoStageId = (await registerPipeline({ market: requester, stageModels: stageIds })).pipelineId;
    return () => chain.close();
  });

  it('an honest result is paid after the window with no proof ever made; the watcher finds it right', async () => {
    const consumer = await deployTestContract(
      'InferenceConsumerExample.sol',
      'InferenceConsumerExample',
      account(0).privateKey,
      chain.provider,
      [marketAddress, TaskKind.indexOf('Optimistic'), pipelineId],
    );
    // Posted through the CLI, as a requester would.
    const fromBlock = await chain.provider.getBlockNumber();
    const posted = await runCli(
      [
        'task',
        'post',
        '--mode',
        'optimistic',
        '--pipeline',
        pipelineId,
        '--input',
        fixtureInput('mlp'),
        '--reward',
        '0.05',
        '--window',
        '10m',
        '--worker-bond',
        '0.1',
        '--challenger-bond',
        '0.05',
        '--consumer',
        await consumer.getAddress(),
        '--rpc',
        anvil().rpcUrl,
        '--market',
        marketAddress,
        '--json',
      ],
      { POCOMPUTE_PRIVATE_KEY: account(0).privateKey },
    );
    expect(posted.code, posted.stdout + posted.stderr).toBe(0);
    const { taskId } = posted.json();
    const before = await balance(account(1).address);
    const watched: WatchEvent[] = [];
    const { events, totals, stateFile } = await workUntil(
      fromBlock,
      (e) => e.event === 'paid',
      async (e) => {
        if (e.event !== 'submitted') return;
        watched.push(...(await watchOnce()));
        await advanceTime(chain.provider, WINDOW + 1);
      },
    );
    expect(totals).toEqual({ paid: 1, skipped: 0, failed: 0 });
    expect(watched).toEqual([{ event: 'correct', taskId, submitter: account(1).address }]);
    const submitted = events.find((e) => e.event === 'submitted') as Extract<
      WorkerEvent,
      { event: 'submitted' }
    >;
    const paid = events.find((e) => e.event === 'paid') as Extract<WorkerEvent, { event: 'paid' }>;
    // No proof: nothing was challenged or answered, and no proof file was ever kept.
    expect(events.map((e) => e.event)).toEqual(['submitted', 'paid']);
    expect(paid.proveMs).toBe(0);
    const proofs = `${stateFile}.proofs`;
    expect(existsSync(proofs) ? readdirSync(proofs, { recursive: true }) : []).toEqual([]);
    // Reward in, bonds (claim and worker) back, gas out.
    const gas = await gasCost(chain.provider, [...submitted.txHashes, ...paid.txHashes]);
    expect((await balance(account(1).address)) - before).toBe(REWARD - gas);
    const onchain = ((await requester.getTaskOutputs(BigInt(taskId))) as bigint[]).map(String);
    expect(onchain).toEqual(submitted.outputs);
    expect(((await consumer.outputs()) as bigint[]).map(String)).toEqual(onchain);
    expect(await consumer.calls()).toBe(1n);
    expect(await balance(marketAddress)).toBe(0n);
    const shown = await runCli(
      ['task', 'show', taskId, '--rpc', anvil().rpcUrl, '--market', marketAddress, '--json'],
      { POCOMPUTE_PRIVATE_KEY: account(0).privateKey },
    );
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.json()).toMatchObject({ mode: 'optimistic', status: 'done', phase: 'done' });
    // `watch --once --json`: one JSON line per event, then its totals (nothing left to check).
    const watchedCli = await runCli(
      [
        'watch',
        '--once',
        '--state-file',
        join(tempDir(), 'watch.json'),
        '--rpc',
        anvil().rpcUrl,
        '--market',
        marketAddress,
        '--json',
      ],
      { POCOMPUTE_PRIVATE_KEY: account(2).privateKey },
    );
    expect(watchedCli.code, watchedCli.stderr).toBe(0);
    const lines = watchedCli.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.at(-1)).toEqual({ event: 'stopped', checked: 0, challenged: 0, settled: 0 });
  });

  it('a wrong output is challenged by the watcher at its stage; unanswerable, the bond goes to the challenger and the task reopens', async () => {
    const { taskId } = await post();
    const result = await honestResult(taskId);
    const wrong = [...result.outputs];
    wrong[0] = wrong[0] + 1n;
    await submitResult({
      market: cheater,
      taskId,
      worker: account(3).address,
      outputs: wrong,
      boundaries: result.boundaries,
    });
    const stateFile = join(tempDir(), 'watch.json');
    const challengerBefore = await balance(account(2).address);
    const first = await watchOnce(watcher, account(2).address, stateFile);
    expect(first).toMatchObject([{ event: 'challenged', taskId, stage: 0 }]);
    expect((await readResult(requester, taskId)).phase).toMatchObject({
      phase: 'challenged',
      stage: 0,
      challenger: account(2).address,
    });
    // The cheater cannot answer: an honest proof has the honest outputs, a proof of the stated
    // outputs does not verify, a proof of another model does not fit.
    const mlpAnswer = await fixtureAnswer();
    expect(await revertOf(cheater, respondChallenge(cheater, taskId, mlpAnswer))).toMatch(
      /OutputMismatch/,
    );
    const forged = { ...mlpAnswer, instances: [...mlpAnswer.instances.slice(0, 4), ...wrong] };
    expect(await revertOf(cheater, respondChallenge(cheater, taskId, forged))).toMatch(
      /InvalidProof/,
    );
    const other = await provedFixture('two_input');
    const { instancesAsUint256, proofBytes } = await import('../../src/verifier/calldata.js');
    const otherModel = {
      proof: proofBytes(other.bundle),
      instances: instancesAsUint256(other.bundle),
    };
    expect(await revertOf(cheater, respondChallenge(cheater, taskId, otherModel))).toMatch(
      /WrongInstanceCount|InputMismatch|OutputMismatch|InvalidProof/,
    );
    // Nor can anyone settle early, finalize during the challenge, or challenge again meanwhile.
    expect(await revertOf(watcher, settleChallenge(watcher, taskId))).toMatch(
      /ResponseTimeNotOver/,
    );
    expect(await revertOf(cheater, cheater.finalize(BigInt(taskId)))).toMatch(/ChallengeOpen/);
    await advanceTime(chain.provider, RESPONSE + 1);
    expect(await revertOf(cheater, respondChallenge(cheater, taskId, mlpAnswer))).toMatch(
      /ResponseTimeOver/,
    );
    const second = await watchOnce(watcher, account(2).address, stateFile);
    expect(second).toMatchObject([
      { event: 'settled', taskId, stage: 0, paidEth: '0.1', challenger: account(2).address },
    ]);
    const hashes = [
      (first[0] as Extract<WatchEvent, { event: 'challenged' }>).txHash,
      (second[0] as Extract<WatchEvent, { event: 'settled' }>).txHash,
    ];
    // The challenger gets its bond back and half the worker's (the requester the other half).
    expect((await balance(account(2).address)) - challengerBefore).toBe(
      WORKER_BOND / 2n - (await gasCost(chain.provider, hashes)),
    );
    // The task reopened with the cheater's claim bond in its escrow; the cheater is barred.
    const task = await readResult(requester, taskId);
    expect(task.task.status).toBe('open');
    expect(task.outputs).toEqual([]);
    expect(parseEther(task.task.rewardEth)).toBe(REWARD + task.task.claimBondWei);
    expect(
      await revertOf(
        cheater,
        cheater.claim(BigInt(taskId), ZeroHash, { value: task.task.claimBondWei }),
      ),
    ).toMatch(/ClaimLapsedBefore/);
    // An honest worker takes it over and its result stands.
    const honestRun = await submitResult({
      market: honest,
      taskId,
      worker: account(1).address,
      outputs: result.outputs,
      boundaries: result.boundaries,
    });
    expect(honestRun.windowEnd).toBeGreaterThan(0);
    expect(await watchOnce()).toEqual([
      { event: 'correct', taskId, submitter: account(1).address },
    ]);
  });

  it("a false challenge of an honest result loses its bond to the worker's stage proof; the window pauses meanwhile", async () => {
    const fromBlock = await chain.provider.getBlockNumber();
    const { taskId } = await post();
    const challengerBefore = await balance(account(2).address);
    const workerBefore = await balance(account(1).address);
    let windowEnd = 0;
    let challengeTx = '';
    let extraChallenge = '';
    const { events, totals } = await workUntil(
      fromBlock,
      (e) => e.event === 'paid',
      async (e) => {
        if (e.event === 'submitted') {
          windowEnd = e.windowEnd;
          challengeTx = (await challengeStage(watcher, taskId, 0)).txHash;
        }
        if (e.event === 'answered') {
          const view = await readResult(requester, taskId);
          // The window was paused for as long as the challenge was open.
          const at = async (hash: string) => {
            const receipt = await chain.provider.getTransactionReceipt(hash);
            return (await chain.provider.getBlock(receipt!.blockNumber))!.timestamp;
          };
          expect(view.windowEnd).toBe(windowEnd + (await at(e.txHash)) - (await at(challengeTx)));
          expect(view.answeredStages).toEqual([0]);
          // A stage proved once cannot be challenged again, nor the answer replayed.
          extraChallenge = await revertOf(
            watcher,
            watcher.challenge(BigInt(taskId), 0, { value: CHALLENGER_BOND }),
          );
          await advanceTime(chain.provider, view.windowEnd - windowEnd + WINDOW + 1);
        }
      },
    );
    expect(totals).toEqual({ paid: 1, skipped: 0, failed: 0 });
    expect(extraChallenge).toMatch(/StageAlreadyAnswered/);
    expect(events.map((e) => e.event)).toEqual(['submitted', 'challenged', 'answered', 'paid']);
    const submitted = events[0] as Extract<WorkerEvent, { event: 'submitted' }>;
    const answered = events[2] as Extract<WorkerEvent, { event: 'answered' }>;
    const paid = events[3] as Extract<WorkerEvent, { event: 'paid' }>;
    expect(answered.stage).toBe(0);
    expect(answered.proveMs).toBeGreaterThan(0);
    const workerGas = await gasCost(chain.provider, [
      ...submitted.txHashes,
      answered.txHash,
      ...paid.txHashes,
    ]);
    expect((await balance(account(1).address)) - workerBefore).toBe(
      REWARD + CHALLENGER_BOND - workerGas,
    );
    expect((await balance(account(2).address)) - challengerBefore).toBe(
      -CHALLENGER_BOND - (await gasCost(chain.provider, [challengeTx])),
    );
  });

  it('the window is paused while a challenge is open: a string of challenges cannot run out an honest challenger', async () => {
    const { taskId } = await post();
    const result = await honestResult(taskId);
    const { windowEnd } = await submitResult({
      market: honest,
      taskId,
      worker: account(1).address,
      outputs: result.outputs,
      boundaries: result.boundaries,
    });
    const challenged = await challengeStage(cheater, taskId, 0);
    await advanceTime(chain.provider, 300);
    const answered = await respondChallenge(honest, taskId, await fixtureAnswer());
    const at = async (hash: string) =>
      (await chain.provider.getBlock(
        (await chain.provider.getTransactionReceipt(hash))!.blockNumber,
      ))!.timestamp;
    const open = (await at(answered.txHash)) - (await at(challenged.txHash));
    expect(open).toBeGreaterThanOrEqual(300);
    expect((await readResult(requester, taskId)).windowEnd).toBe(windowEnd + open);
    // A re-answer finds no open challenge.
    expect(await revertOf(honest, respondChallenge(honest, taskId, await fixtureAnswer()))).toMatch(
      /NoOpenChallenge/,
    );
  });

  it('a worker that never answers loses its bond, even to a challenge at the last second; past the deadline the requester is refunded', async () => {
    const other = join(tempDir(), 'other.json');
    await writeFile(other, JSON.stringify({ input_data: [[0.9, -0.4, 0.2, 0.1]] }));
    const { taskId } = await post({ input: other, deadlineSeconds: 300 });
    const result = await honestResult(taskId);
    const { windowEnd } = await submitResult({
      market: honest,
      taskId,
      worker: account(1).address,
      outputs: result.outputs,
      boundaries: result.boundaries,
    });
    const now = (await chain.provider.getBlock('latest'))!.timestamp;
    await advanceTime(chain.provider, windowEnd - now - 3);
    const { responseDeadline } = await challengeStage(watcher, taskId, 0);
    // The full response time from the challenge, not what was left of the window.
    expect(responseDeadline).toBeGreaterThanOrEqual(windowEnd + RESPONSE - 3);
    await advanceTime(chain.provider, 10);
    expect(
      await revertOf(cheater, cheater.challenge(BigInt(taskId), 0, { value: CHALLENGER_BOND })),
    ).toMatch(/WindowClosed|ChallengeOpen/);
    // A proof of another input does not answer it.
    expect(await revertOf(honest, respondChallenge(honest, taskId, await fixtureAnswer()))).toMatch(
      /InputMismatch/,
    );
    // The requester cannot pull the escrow while the result stands.
    expect(await revertOf(requester, requester.cancel(BigInt(taskId)))).toMatch(/TaskNotOpen/);
    expect(await revertOf(requester, requester.refund(BigInt(taskId)))).toMatch(/TaskNotOpen/);
    await advanceTime(chain.provider, RESPONSE);
    const requesterBefore = await balance(account(0).address);
    const challengerBefore = await balance(account(2).address);
    // Anyone may settle; the challenger gets its bond and half the worker bond, the requester the
    // other half and the escrow.
    const settled = await settleChallenge(cheater, taskId);
    expect(BigInt(settled.paidWei)).toBe(WORKER_BOND / 2n + CHALLENGER_BOND);
    expect((await balance(account(2).address)) - challengerBefore).toBe(
      WORKER_BOND / 2n + CHALLENGER_BOND,
    );
    expect((await balance(account(0).address)) - requesterBefore).toBe(
      REWARD + (await readResult(requester, taskId)).task.claimBondWei + WORKER_BOND / 2n,
    );
    expect((await readResult(requester, taskId)).task.status).toBe('refunded');
    expect(await balance(marketAddress)).toBe(await marketHeld());
  });

  it('the worker skips an optimistic task whose response time is shorter than it takes to prove a stage', async () => {
    const fromBlock = await chain.provider.getBlockNumber();
    const { taskId } = await post({ responseSeconds: 60 });
    // As if the last answer took 100 s: a 60 s response time could not be met.
    const stateFile = await workerStateFile(fromBlock, {
      proveMs: { [mlp.manifest.key]: 100_000 },
    });
    const events = await workOnce(stateFile);
    expect(events).toMatchObject([
      { event: 'skipped', taskId, reason: expect.stringMatching(/too little time to answer/) },
    ]);
    expect((await readResult(requester, taskId)).task.status).toBe('open');
  });

  it('refuses unsafe terms, zk submits on optimistic tasks, and results from non-claimants', async () => {
    const { taskId } = await post();
    const result = await honestResult(taskId);
    const inputs = await inputsOf(taskId);
    const answer = await fixtureAnswer();
    const now = (await chain.provider.getBlock('latest'))!.timestamp;
    const terms = {
      window: 600,
      responseTime: 600,
      workerBond: 1n,
      challengerBond: CHALLENGER_BOND,
    };
    // (A challenger bond below the market's minimum has its own error: see the 1-wei bond test.)
    for (const bad of [
      { workerBond: 0n },
      { window: 59 },
      { responseTime: 59 },
      { responseTime: 8 * 86_400 },
    ])
      expect(
        await revertOf(
          requester,
          requester.postOptimisticTask(
            BigInt(pipelineId),
            inputs,
            now + 3600,
            '0x0000000000000000000000000000000000000000',
            { ...terms, ...bad },
            { value: REWARD },
          ),
        ),
      ).toMatch(/BadTerms/);
    await expect(post({ windowSeconds: 30 }).catch((e) => Promise.reject(e.code))).rejects.toBe(
      'OPTION_INVALID',
    );
    // Not the claimant, no bond, or the zk path: all refused.
    expect(
      await revertOf(
        cheater,
        cheater.submitResult(BigInt(taskId), result.outputs, [], { value: WORKER_BOND }),
      ),
    ).toMatch(/NotClaimant/);
    const { claimBondWei } = (await readResult(honest, taskId)).task;
    await (await honest.claim(BigInt(taskId), ZeroHash, { value: claimBondWei })).wait();
    expect(
      await revertOf(
        honest,
        honest.submitResult(BigInt(taskId), result.outputs, [], { value: WORKER_BOND - 1n }),
      ),
    ).toMatch(/WrongBond/);
    expect(
      await revertOf(
        honest,
        honest.submitResult(BigInt(taskId), result.outputs, [1n], { value: WORKER_BOND }),
      ),
    ).toMatch(/WrongInstanceCount/);
    expect(
      await revertOf(honest, honest.submit(BigInt(taskId), answer.proof, answer.instances)),
    ).toMatch(/WrongKind/);
    // A pipeline whose inner boundary is not one felt is refused at registration.
    expect(await revertOf(requester, requester.registerPipeline([0n, 0n]))).toMatch(/BadPipeline/);
  });

  it('a challenger that refuses its payment (re-enters, burns its gas) is credited: the settlement goes through, withdraw pays later', async () => {
    const refusing = await deployTestContract(
      'test/RefusingChallenger.sol',
      'RefusingChallenger',
      account(2).privateKey,
      chain.provider,
      [marketAddress],
    );
    const { taskId } = await post();
    const result = await honestResult(taskId);
    await submitResult({
      market: honest,
      taskId,
      worker: account(1).address,
      outputs: result.outputs,
      boundaries: result.boundaries,
    });
    await (await refusing.challenge(BigInt(taskId), 0, { value: CHALLENGER_BOND })).wait();
    await advanceTime(chain.provider, RESPONSE + 1);
    const settled = await settleChallenge(cheater, taskId);
    const address = await refusing.getAddress();
    expect(settled.challenger).toBe(address);
    expect(await requester.credits(address)).toBe(WORKER_BOND / 2n + CHALLENGER_BOND);
    expect(await balance(address)).toBe(0n);
    expect((await readResult(requester, taskId)).task.status).toBe('open');
    await (await refusing.acceptAndWithdraw()).wait();
    expect(await balance(address)).toBe(WORKER_BOND / 2n + CHALLENGER_BOND);
    expect(await requester.credits(address)).toBe(0n);
    expect(await revertOf(watcher, watcher.withdraw())).toMatch(/NothingToWithdraw/);
  });

  it('two stages: an honest result states its boundary and is paid after the window, with no proof', async () => {
    // The split model registered through the CLI: its stages, then the pipeline, in one command.
    const registered = await runCli(
      [
        'model',
        'register',
        splitDir,
        '--input',
        fixtureInput('mlp'),
        '--rpc',
        anvil().rpcUrl,
        '--market',
        marketAddress,
        '--json',
      ],
      { POCOMPUTE_PRIVATE_KEY: account(0).privateKey },
    );
    expect(registered.code, registered.stdout + registered.stderr).toBe(0);
    const { pipeline, stages } = registered.json();
    expect(stages).toHaveLength(2);
    expect(await requester.getPipeline(BigInt(pipeline.pipelineId))).toEqual(
      stages.map((s: { modelId: string }) => BigInt(s.modelId)),
    );
    const fromBlock = await chain.provider.getBlockNumber();
    const { taskId } = await post({ pipelineId: pipeline.pipelineId });
    const watched: WatchEvent[] = [];
    const { events, totals } = await workUntil(
      fromBlock,
      (e) => e.event === 'paid',
      async (e) => {
        if (e.event !== 'submitted') return;
        watched.push(...(await watchOnce()));
        await advanceTime(chain.provider, WINDOW + 1);
      },
    );
    expect(totals).toEqual({ paid: 1, skipped: 0, failed: 0 });
    expect(events.map((e) => e.event)).toEqual(['submitted', 'paid']);
    const submitted = events[0] as Extract<WorkerEvent, { event: 'submitted' }>;
    const expected = await honestResult(taskId, twoStages);
    expect(submitted.boundaries).toEqual(expected.boundaries.map(String));
    expect(submitted.boundaries).toHaveLength(1);
    expect(watched).toEqual([{ event: 'correct', taskId, submitter: account(1).address }]);
    expect(((await requester.getTaskOutputs(BigInt(taskId))) as bigint[]).map(String)).toEqual(
      expected.outputs.map(String),
    );
  });

  it('two stages: the watcher challenges a wrong boundary at stage 0 and a wrong output at stage 1; neither can be answered', async () => {
    const cheat = async (tamper: 'boundary' | 'output') => {
      const { taskId } = await post({ pipelineId: twoStageId });
      const result = await honestResult(taskId, twoStages);
      const boundaries = [...result.boundaries];
      const outputs = [...result.outputs];
      if (tamper === 'boundary') boundaries[0] += 1n;
      else outputs[1] += 1n;
      await submitResult({
        market: cheater,
        taskId,
        worker: account(3).address,
        outputs,
        boundaries,
      });
      return taskId;
    };
    const wrongBoundary = await cheat('boundary');
    const wrongOutput = await cheat('output');
    const stateFile = join(tempDir(), 'watch.json');
    const first = await watchOnce(watcher, account(2).address, stateFile);
    expect(first.filter((e) => e.event === 'challenged')).toMatchObject([
      { taskId: wrongBoundary, stage: 0 },
      { taskId: wrongOutput, stage: 1 },
    ]);
    // Honest stage proofs do not fit the cheats: stage 0's proof ends at the true boundary, and
    // stage 1's proof is of another stage (another verifier, another layout).
    const inputs = await inputsOf(wrongBoundary);
    const stage0 = await proveStageAnswer({ stages: twoStages, stage: 0, inputs });
    const stage1 = await proveStageAnswer({ stages: twoStages, stage: 1, inputs });
    expect(await revertOf(cheater, respondChallenge(cheater, wrongBoundary, stage0))).toMatch(
      /BoundaryMismatch/,
    );
    expect(await revertOf(cheater, respondChallenge(cheater, wrongBoundary, stage1))).toMatch(
      /WrongInstanceCount|InputMismatch|BoundaryMismatch|InvalidProof/,
    );
    expect(await revertOf(cheater, respondChallenge(cheater, wrongOutput, stage1))).toMatch(
      /OutputMismatch/,
    );
    expect(await revertOf(cheater, respondChallenge(cheater, wrongOutput, stage0))).toMatch(
      /WrongInstanceCount|BoundaryMismatch|InvalidProof/,
    );
    await advanceTime(chain.provider, RESPONSE + 1);
    const second = await watchOnce(watcher, account(2).address, stateFile);
    expect(second.filter((e) => e.event === 'settled')).toMatchObject([
      { taskId: wrongBoundary, stage: 0, paidEth: '0.1' },
      { taskId: wrongOutput, stage: 1, paidEth: '0.1' },
    ]);
    for (const taskId of [wrongBoundary, wrongOutput])
      expect((await readResult(requester, taskId)).task.status).toBe('open');
  });

  it("two stages: a cheater's accomplice who challenges a correct stage first cannot run out the window; the watcher still wins", async () => {
    // A response time longer than the window, so the answer can come after the window's end.
    const { taskId } = await post({ pipelineId: twoStageId, responseSeconds: 2 * WINDOW });
    const result = await honestResult(taskId, twoStages);
    const outputs = [...result.outputs];
    outputs[0] += 1n;
    const { windowEnd } = await submitResult({
      market: cheater,
      taskId,
      worker: account(3).address,
      outputs,
      boundaries: result.boundaries,
    });
    // The accomplice takes the only challenge slot with the correct stage 0 ...
    await challengeStage(honest, taskId, 0);
    const stateFile = join(tempDir(), 'watch.json');
    const about = (events: WatchEvent[]) =>
      events.filter((e) => 'taskId' in e && e.taskId === taskId);
    const blocked = await watchOnce(watcher, account(2).address, stateFile);
    expect(about(blocked)).toEqual([]);
    // ... the cheater answers it at the last moment, past the original window's end ...
    const now = await chainTime();
    await advanceTime(chain.provider, windowEnd - now + 100);
    const stage0 = await proveStageAnswer({
      stages: twoStages,
      stage: 0,
      inputs: await inputsOf(taskId),
    });
    await respondChallenge(cheater, taskId, stage0);
    // ... but the window was paused: the watcher still has its time and challenges stage 1.
    const caught = await watchOnce(watcher, account(2).address, stateFile);
    expect(about(caught)).toMatchObject([{ event: 'challenged', stage: 1 }]);
    await advanceTime(chain.provider, 2 * WINDOW + 1);
    const settled = await watchOnce(watcher, account(2).address, stateFile);
    expect(about(settled)).toMatchObject([
      { event: 'settled', stage: 1, paidEth: '0.1', challenger: account(2).address },
    ]);
  });

  it("two stages: a griefer challenging every stage loses a bond per stage to the worker's stage proofs", async () => {
    const fromBlock = await chain.provider.getBlockNumber();
    const { taskId } = await post({ pipelineId: twoStageId });
    const workerBefore = await balance(account(1).address);
    const { events, totals } = await workUntil(
      fromBlock,
      (e) => e.event === 'paid',
      async (e) => {
        if (e.event === 'submitted') await challengeStage(cheater, taskId, 1);
        if (e.event === 'answered' && e.stage === 1) await challengeStage(cheater, taskId, 0);
        if (e.event === 'answered' && e.stage === 0) {
          const view = await readResult(requester, taskId);
          expect(view.answeredStages).toEqual([0, 1]);
          await advanceTime(chain.provider, view.windowEnd + 1 - (await chainTime()));
        }
      },
    );
    expect(totals).toEqual({ paid: 1, skipped: 0, failed: 0 });
    expect(events.map((e) => [e.event, 'stage' in e ? e.stage : undefined])).toEqual([
      ['submitted', undefined],
      ['challenged', 1],
      ['answered', 1],
      ['challenged', 0],
      ['answered', 0],
      ['paid', undefined],
    ]);
    const hashes = events.flatMap((e) =>
      'txHashes' in e ? e.txHashes : 'txHash' in e ? [e.txHash] : [],
    );
    expect((await balance(account(1).address)) - workerBefore).toBe(
      REWARD + 2n * CHALLENGER_BOND - (await gasCost(chain.provider, hashes)),
    );
  });

  // Old code (1daed86) had no minimum: the contract and `task post` took a 1-wei challenger bond
  // and the worker took the task, so a false challenge cost 1 wei and the worker a stage proof
  // and a ~640k-gas respond. (The old contract also had no 4-argument constructor.)
  it('a challenger bond below the minimum is refused by the contract (ChallengerBondTooLow), by `task post` (exit 2) and by a worker whose own floor is higher', async () => {
    const minimum = (await requester.minChallengerBond()) as bigint;
    expect(minimum).toBe(parseEther('0.05'));
    const inputs = await inputsOf((await post()).taskId);
    const now = await chainTime();
    const terms = { window: 600, responseTime: 600, workerBond: WORKER_BOND };
    for (const challengerBond of [0n, 1n, minimum - 1n])
      expect(
        await revertOf(
          requester,
          requester.postOptimisticTask(
            BigInt(pipelineId),
            inputs,
            now + 3600,
            ZERO_ADDRESS,
            { ...terms, challengerBond },
            { value: REWARD },
          ),
        ),
      ).toMatch(`ChallengerBondTooLow(${minimum}, ${challengerBond})`);
    const posted = await runCli(
      [
        'task',
        'post',
        '--mode',
        'optimistic',
        '--pipeline',
        pipelineId,
        '--input',
        fixtureInput('mlp'),
        '--reward',
        '0.05',
        '--window',
        '10m',
        '--worker-bond',
        '0.1',
        '--challenger-bond',
        '0.000000000000000001',
        '--rpc',
        anvil().rpcUrl,
        '--market',
        marketAddress,
        '--json',
      ],
      { POCOMPUTE_PRIVATE_KEY: account(0).privateKey },
    );
    expect(posted.code, posted.stdout + posted.stderr).toBe(2);
    expect(posted.json().error).toMatchObject({ code: 'OPTION_INVALID', exitCode: 2 });
    expect(posted.json().error.message).toMatch(
      /--challenger-bond 0.000000000000000001 ETH is below this market's minimum \(0.05 ETH\)/,
    );
    // A market that allows a 1-wei bond: the worker's own floor still refuses the task.
    const low = await deployMarket(chain, { minChallengerBondWei: 1n });
    const lowRequester = await as(0).then((m) => m.attach(low.address) as Contract);
    const lowModel = await registerModel({ chain, market: lowRequester, artifacts: mlp });
    const lowPipeline = await registerPipeline({
      market: lowRequester,
      stageModels: [lowModel.modelId],
    });
    const { taskId } = await post({
      market: lowRequester,
      pipelineId: lowPipeline.pipelineId,
      challengerBondEth: '0.000000000000000001',
    });
    const events = await workOnce(
      await workerStateFile(0),
      { minChallengerBondWei: parseEther('0.05') },
      await as(1).then((m) => m.attach(low.address) as Contract),
    );
    expect(events).toEqual([
      {
        event: 'skipped',
        taskId,
        reason:
          'challenger bond 0.000000000000000001 ETH is below the minimum 0.05 ETH: ' +
          'a false challenge would not pay for the answer',
      },
    ]);
    expect((await readResult(lowRequester, taskId)).task).toMatchObject({
      status: 'open',
      claimant: ZERO_ADDRESS,
    });
  });

  // Old code (1daed86): anyone could respond, so the copy was mined and the honest respond
  // reverted (NoOpenChallenge): whoever watched the mempool could take the answer's place.
  it("a copy of the worker's pending respond, mined first at a higher tip, is refused (NotSubmitter); the honest answer pays the challenger bond to the worker", async () => {
    const { taskId } = await post();
    const result = await honestResult(taskId);
    await submitResult({
      market: honest,
      taskId,
      worker: account(1).address,
      outputs: result.outputs,
      boundaries: result.boundaries,
    });
    await challengeStage(watcher, taskId, 0);
    const answer = await fixtureAnswer();
    const workerBefore = await balance(account(1).address);
    let answering: ReturnType<typeof respondChallenge> | undefined;
    let copyHash = '';
    await chain.provider.send('evm_setAutomine', [false]);
    try {
      answering = respondChallenge(honest, taskId, answer);
      // The attacker sees the worker's respond in the mempool and sends the same calldata with
      // twice its fees: mined first in the same block.
      const pending = await pendingTransaction(account(1).address);
      expect(pending.input.startsWith(requester.interface.getFunction('respond')!.selector)).toBe(
        true,
      );
      const copy = await (cheater.runner as Wallet).sendTransaction({
        to: marketAddress,
        data: pending.input,
        gasLimit: BigInt(pending.gas),
        maxFeePerGas: BigInt(pending.maxFeePerGas) * 2n,
        maxPriorityFeePerGas: BigInt(pending.maxPriorityFeePerGas) * 2n,
      });
      copyHash = copy.hash;
      await chain.provider.send('evm_mine', []);
    } finally {
      await chain.provider.send('evm_setAutomine', [true]);
    }
    const sent = await answering!;
    const copied = (await chain.provider.getTransactionReceipt(copyHash))!;
    const honestReceipt = (await chain.provider.getTransactionReceipt(sent.txHash))!;
    expect(copied.blockNumber).toBe(honestReceipt.blockNumber);
    expect(copied.index).toBeLessThan(honestReceipt.index);
    expect(copied.status).toBe(0);
    expect(honestReceipt.status).toBe(1);
    // Why the copy failed: replayed on the state it ran on (the block before; it was first).
    expect(
      await revertOf(
        cheater,
        chain.provider.call({
          from: account(3).address,
          to: marketAddress,
          data: (await chain.provider.getTransaction(copyHash))!.data,
          blockTag: copied.blockNumber - 1,
        }),
      ),
    ).toMatch(/NotSubmitter/);
    const view = await readResult(requester, taskId);
    expect(view.challenger).toBe(ZERO_ADDRESS);
    expect(view.answeredStages).toEqual([0]);
    expect((await balance(account(1).address)) - workerBefore).toBe(
      CHALLENGER_BOND - (await gasCost(chain.provider, [sent.txHash])),
    );
  });

  // Old code (1daed86): onInference(taskId, modelId, outputs) said nothing of the task's kind, so
  // a consumer that trusted model N took the outputs of pipeline N — any pipeline registered
  // under that number, unproved — as model N's proved outputs.
  it('a consumer trusting model N refuses the result of pipeline N (CallbackFailed, the worker still paid); one trusting pipeline N takes it', async () => {
    // The same number names a model and a pipeline here.
    expect(pipelineId).toBe(modelId);
    const consumerOf = (kind: (typeof TaskKind)[number]) =>
      deployTestContract(
        'InferenceConsumerExample.sol',
        'InferenceConsumerExample',
        account(0).privateKey,
        chain.provider,
        [marketAddress, TaskKind.indexOf(kind), modelId],
      );
    const finalizedFor = async (consumer: Contract) => {
      const { taskId } = await post({ consumer: await consumer.getAddress() });
      const result = await honestResult(taskId);
      const workerBefore = await balance(account(1).address);
      const submitted = await submitResult({
        market: honest,
        taskId,
        worker: account(1).address,
        outputs: result.outputs,
        boundaries: result.boundaries,
      });
      await advanceTime(chain.provider, WINDOW + 1);
      // Anyone may finalize: here the requester, so the worker's balance shows only its own gas.
      const finalized = await finalizeResult(requester, taskId);
      const receipt = (await chain.provider.getTransactionReceipt(finalized.txHash))!;
      const events = receipt.logs
        .map((l) => requester.interface.parseLog(l) ?? consumer.interface.parseLog(l))
        .filter((e) => e !== null)
        .map((e) => e.name);
      const workerGain =
        (await balance(account(1).address)) -
        workerBefore +
        (await gasCost(chain.provider, [submitted.claimTxHash!, submitted.txHash]));
      return { taskId, outputs: result.outputs, events, workerGain };
    };
    const trustsModel = await consumerOf('Proved');
    const refused = await finalizedFor(trustsModel);
    expect(refused.events).toContain('CallbackFailed');
    expect(refused.events).not.toContain('InferenceReceived');
    expect(await trustsModel.calls()).toBe(0n);
    expect(await trustsModel.outputs()).toEqual([]);
    expect(refused.workerGain).toBe(REWARD);
    expect((await readResult(requester, refused.taskId)).task.status).toBe('done');
    // The refusal is the consumer's own rule, by kind:
    expect(
      await revertOf(
        trustsModel,
        chain.provider.call({
          from: marketAddress,
          to: await trustsModel.getAddress(),
          data: trustsModel.interface.encodeFunctionData('onInference', [
            refused.taskId,
            TaskKind.indexOf('Optimistic'),
            modelId,
            [],
          ]),
        }),
      ),
    ).toMatch(`UntrustedSource(${TaskKind.indexOf('Optimistic')}, ${modelId})`);
    const trustsPipeline = await consumerOf('Optimistic');
    const accepted = await finalizedFor(trustsPipeline);
    expect(accepted.events).toContain('InferenceReceived');
    expect(accepted.events).not.toContain('CallbackFailed');
    expect(await trustsPipeline.calls()).toBe(1n);
    expect(await trustsPipeline.lastTaskId()).toBe(BigInt(accepted.taskId));
    expect(await trustsPipeline.outputs()).toEqual(accepted.outputs);
    expect(accepted.workerGain).toBe(REWARD);
  });

  /** The honest answer for the mlp fixture's own input (proved once, on first use). */
  async function fixtureAnswer(): Promise<StageAnswer> {
    mlpAnswer ??= await proveStageAnswer({
      stages: [mlp],
      stage: 0,
      inputs: await quantizeTaskInput(mlp, fixtureInput('mlp')),
    });
    return mlpAnswer;
  }

  /** The first transaction from `from` waiting in anvil's mempool (polled until one is there). */
  async function pendingTransaction(from: string) {
    type Pending = {
      from: string;
      input: string;
      gas: string;
      maxFeePerGas: string;
      maxPriorityFeePerGas: string;
    };
    for (let i = 0; i < 600; i++) {
      const pool = (await chain.provider.send('txpool_content', [])) as {
        pending: Record<string, Record<string, Pending>>;
      };
      for (const byNonce of Object.values(pool.pending))
        for (const tx of Object.values(byNonce))
          if (tx.from.toLowerCase() === from.toLowerCase()) return tx;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no pending transaction from ${from}`);
  }

  /** What the market must still hold: the escrow and bonds of the tasks not yet settled. */
  async function marketHeld(): Promise<bigint> {
    const count = Number(await requester.taskCount());
    let held = 0n;
    for (let i = 0; i < count; i++) {
      const view = await readResult(requester, i);
      if (view.task.status === 'open') held += parseEther(view.task.rewardEth);
      if (view.task.status === 'submitted')
        held += parseEther(view.task.rewardEth) + view.workerBondWei + view.task.claimBondWei;
      if (
        view.task.status === 'open' &&
        view.task.claimant !== '0x0000000000000000000000000000000000000000'
      )
        held += view.task.claimBondWei;
    }
    return held;
  }
});
