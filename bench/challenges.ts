/**
 * `npm run bench:challenges`: K (10, or $K) challenges in one block against one worker holding K
 * optimistic results on the cnn fixture, on an embedded anvil with real proofs. The response time
 * is the capacity rule's (src/market/answerTime.ts) for K results from the measured prove time:
 * the K-th answer, earliest deadline first, needs K + 1 prove times plus the margin. Reports each
 * answer's prove time and respond gas, the latest answer's margin to its deadline, and the
 * market's minimum challenger bond against the respond gas at 50 gwei. Writes
 * bench/challenges.json.
 */
import { mkdtempSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatEther, parseUnits } from 'ethers';
import { openChain } from '../src/chain/chainContext.js';
import { writeJsonAtomic } from '../src/core/files.js';
import { fixturePath, PACKAGE_ROOT } from '../src/core/paths.js';
import { capacityShortfall } from '../src/market/answerTime.js';
import { registerModel } from '../src/market/market.js';
import { openDevMarket } from './devMarket.js';
import { postOptimisticTask } from '../src/market/postOptimisticTask.js';
import { quantizeTaskInput } from '../src/market/postTask.js';
import { proveStageAnswer } from '../src/market/proveStageAnswer.js';
import { readResult } from '../src/market/readResult.js';
import { registerPipeline } from '../src/market/registerPipeline.js';
import { runWorker, type WorkerEvent, type WorkerState } from '../src/market/worker.js';
import { compileModel } from '../src/prover/compileModel.js';

const K = Number(process.env.K ?? 10);
const SAFETY_SECONDS = 30;
const GAS_PRICE = parseUnits('50', 'gwei');
const model = fixturePath('cnn', 'model.onnx');
const input = fixturePath('cnn', 'input.json');
const work = mkdtempSync(join(tmpdir(), 'pocompute-bench-challenges-'));
const chain = await openChain({});
const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
try {
  const { asDev, wallets, requester, worker, challenger } = await openDevMarket(chain);
  const cnn = await compileModel({ model, input });
  const modelId = (await registerModel({ chain: asDev, market: requester, artifacts: cnn }))
    .modelId;
  const pipelineId = (await registerPipeline({ market: requester, stageModels: [modelId] }))
    .pipelineId;

  // The prove time the worker knows: one answer proved here first.
  const measured = await proveStageAnswer({
    stages: [cnn],
    stage: 0,
    inputs: await quantizeTaskInput(cnn, input),
  });
  const proveSeconds = Math.ceil(measured.proveMs / 1000);
  const responseSeconds = (K + 1) * proveSeconds + SAFETY_SECONDS;
  const load = Array.from({ length: K }, () => ({ responseSeconds, proveSeconds }));
  const admitsK = capacityShortfall({ candidate: load[0], standing: load.slice(1) });
  const admitsMore = capacityShortfall({ candidate: load[0], standing: load });
  if (admitsK !== undefined || admitsMore === undefined)
    throw new Error(`the capacity rule should admit exactly ${K}: ${admitsK ?? 'admits more'}`);
  log(`cnn proves in ${measured.proveMs} ms; response time ${responseSeconds} s for ${K} results`);

  // K + 1 tasks, a different input each (the fixture's, scaled): the worker takes K.
  const base = JSON.parse(await readFile(input, 'utf8')) as { input_data: number[][] };
  const fromBlock = await chain.provider.getBlockNumber();
  const taskIds: string[] = [];
  for (let n = 0; n <= K; n++) {
    const file = join(work, `input-${n}.json`);
    const scale = 1 - n / 50;
    await writeFile(
      file,
      JSON.stringify({ input_data: base.input_data.map((row) => row.map((x) => x * scale)) }),
    );
    const { taskId } = await postOptimisticTask({
      market: requester,
      pipelineId,
      input: file,
      rewardEth: '0.05',
      deadlineSeconds: 3600,
      windowSeconds: 3600,
      responseSeconds,
      workerBondEth: '0.1',
      challengerBondEth: formatEther(await requester.minChallengerBond()),
    });
    taskIds.push(taskId);
  }
  const stateFile = join(work, 'worker.json');
  const state: WorkerState = {
    version: 2,
    nextBlock: fromBlock,
    pending: [],
    handled: {},
    proveMs: { [cnn.manifest.key]: measured.proveMs },
    optimistic: {},
  };
  await writeFile(stateFile, JSON.stringify(state));
  const events: WorkerEvent[] = [];
  const workerParams = {
    market: worker,
    worker: wallets[1].address,
    networkKey: chain.networkKey,
    stateFile,
    safetySeconds: SAFETY_SECONDS,
    pollMs: 200,
    log: (e: WorkerEvent) => {
      events.push(e);
      log(JSON.stringify({ ...e, outputs: undefined }));
    },
  };
  await runWorker({ ...workerParams, signal: new AbortController().signal, once: true });
  const submitted = events.filter((e) => e.event === 'submitted').map((e) => e.taskId);
  const refused = events.find((e) => e.event === 'skipped');
  if (submitted.length !== K || refused?.taskId !== taskIds[K])
    throw new Error(`expected ${K} results taken and one refused: ${JSON.stringify(events)}`);

  // All K challenged in one block.
  const nonce = await chain.provider.getTransactionCount(wallets[2].address, 'latest');
  const bond = (await requester.minChallengerBond()) as bigint;
  await chain.provider.send('evm_setAutomine', [false]);
  const sent = [];
  try {
    for (const [i, taskId] of submitted.entries())
      sent.push(
        await challenger.challenge(BigInt(taskId), 0, {
          value: bond,
          nonce: nonce + i,
          gasLimit: 300_000n,
        }),
      );
    await chain.provider.send('evm_mine', []);
  } finally {
    await chain.provider.send('evm_setAutomine', [true]);
  }
  const challengeBlocks = new Set(
    (await Promise.all(sent.map((tx) => tx.wait()))).map((r) => r.blockNumber),
  );
  if (challengeBlocks.size !== 1) throw new Error('the challenges were not mined in one block');
  const challengedAt = (await chain.provider.getBlock([...challengeBlocks][0]))!.timestamp;
  const deadline = challengedAt + responseSeconds;

  // The worker answers, earliest deadline first, until all are answered or the deadline passed.
  events.length = 0;
  const controller = new AbortController();
  const giveUp = setTimeout(() => controller.abort(), (responseSeconds + 30) * 1000);
  await runWorker({
    ...workerParams,
    signal: controller.signal,
    log: (e) => {
      workerParams.log(e);
      if (events.filter((x) => x.event === 'answered').length === K) controller.abort();
    },
  });
  clearTimeout(giveUp);
  const answers = [];
  for (const e of events) {
    if (e.event !== 'answered') continue;
    const receipt = (await chain.provider.getTransactionReceipt(e.txHash))!;
    const at = (await chain.provider.getBlock(receipt.blockNumber))!.timestamp;
    const view = await readResult(requester, e.taskId);
    answers.push({
      taskId: e.taskId,
      proveMs: e.proveMs,
      respondGas: Number(e.respondGas),
      answeredAfterSeconds: at - challengedAt,
      marginSeconds: view.responseDeadline - at,
    });
  }
  const respondGasMax = Math.max(...answers.map((a) => a.respondGas));
  const result = {
    date: new Date().toISOString(),
    fixture: 'cnn',
    K,
    answered: answers.length,
    measuredProveMs: measured.proveMs,
    safetySeconds: SAFETY_SECONDS,
    responseSeconds,
    latestMarginSeconds: Math.min(...answers.map((a) => a.marginSeconds)),
    meanProveMs: Math.round(answers.reduce((s, a) => s + a.proveMs, 0) / answers.length),
    respondGasMax,
    respondCostAt50GweiEth: formatEther(BigInt(respondGasMax) * GAS_PRICE),
    minChallengerBondEth: formatEther(bond),
    deadline,
    answers,
  };
  await writeJsonAtomic(join(PACKAGE_ROOT, 'bench', 'challenges.json'), result);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (answers.length !== K) throw new Error(`only ${answers.length} of ${K} answered in time`);
} finally {
  await chain.close();
  await rm(work, { recursive: true, force: true });
}
