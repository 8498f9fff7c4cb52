/**
 * `npm run bench:batch`: what batch settlement costs per task on an embedded anvil, with the mlp
 * fixture as a 1-stage pipeline and real EZKL proofs for the dispute, for N = 1, 8, 32, 128: the
 * requester's `postBatch`, the worker's claim + submitResults + finalize without a dispute, and one
 * dispute in the batch (a challenge of one task answered by its stage proof). Writes
 * bench/batch.json and the docs block.
 */
import { mkdtempSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openChain } from '../src/chain/chainContext.js';
import { writeJsonAtomic } from '../src/core/files.js';
import { fixturePath, PACKAGE_ROOT } from '../src/core/paths.js';
import { attestPipeline } from '../src/market/attestPipeline.js';
import {
  challengeBatchTask,
  finalizeBatch,
  respondBatchChallenge,
} from '../src/market/batchDisputes.js';
import { registerModel } from '../src/market/market.js';
import { openDevMarket } from './devMarket.js';
import { postBatch } from '../src/market/postBatch.js';
import { registerPipeline } from '../src/market/registerPipeline.js';
import { serveBatch } from '../src/market/serveBatch.js';
import { compileModel } from '../src/prover/compileModel.js';
import { markdownTable, replaceDocBlock } from './docBlocks.js';

const SIZES = [1, 8, 32, 128];
const model = fixturePath('mlp', 'model.onnx');
const input = fixturePath('mlp', 'input.json');
const work = mkdtempSync(join(tmpdir(), 'pocompute-bench-batch-'));
const chain = await openChain({});
interface Row {
  n: number;
  postBatch: number;
  claim: number;
  submitResults: number;
  finalize: number;
  challenge: number;
  respond: number;
}
const rows: Row[] = [];
try {
  const { asDev, wallets, requester, worker, challenger } = await openDevMarket(chain);
  const mlp = await compileModel({ model, input });
  const modelId = (await registerModel({ chain: asDev, market: requester, artifacts: mlp }))
    .modelId;
  const pipelineId = (await registerPipeline({ market: requester, stageModels: [modelId] }))
    .pipelineId;
  const { stages } = await attestPipeline({ market: worker, pipelineId });
  // Distinct inputs near the fixture's (inside the range its circuit was calibrated on).
  const base = JSON.parse(await readFile(input, 'utf8')).input_data[0] as number[];
  const files: string[] = [];
  for (let i = 0; i < Math.max(...SIZES); i++) {
    const file = join(work, `input-${i}.json`);
    const f = 1 - (i % 32) / 64;
    await writeFile(file, JSON.stringify({ input_data: [base.map((v) => v * f)] }));
    files.push(file);
  }
  for (const n of SIZES) {
    const posted = await postBatch({
      market: requester,
      pipelineId,
      inputs: files.slice(0, n),
      rewardEth: '0.001',
      deadlineSeconds: 3600,
      windowSeconds: 600,
      responseSeconds: 600,
      workerBondEth: '0.001',
      challengerBondEth: '0.05',
    });
    const served = await serveBatch({
      market: worker,
      batchId: posted.batchId,
      worker: wallets[1].address,
    });
    const challenged = await challengeBatchTask({
      market: challenger,
      batchId: posted.batchId,
      index: n - 1,
      stage: 0,
    });
    const answered = await respondBatchChallenge({
      market: worker,
      batchId: posted.batchId,
      index: n - 1,
      stage: 0,
      stages,
    });
    await chain.provider.send('evm_increaseTime', [601]);
    await chain.provider.send('evm_mine', []);
    const finalized = await finalizeBatch({ market: worker, batchId: posted.batchId });
    rows.push({
      n,
      postBatch: Number(posted.gasUsed),
      claim: Number(served.claimGas),
      submitResults: Number(served.submitGas),
      finalize: Number(finalized.gasUsed),
      challenge: Number(challenged.gasUsed),
      respond: Number(answered.gasUsed),
    });
    process.stderr.write(`N=${n} done\n`);
  }
} finally {
  await chain.close();
  await rm(work, { recursive: true, force: true });
}

const f = (g: number) => Math.round(g).toLocaleString('en');
const perTask = rows.map((r) => {
  const requester = r.postBatch / r.n;
  const worker = (r.claim + r.submitResults + r.finalize) / r.n;
  return { ...r, requester, worker, total: requester + worker, dispute: r.challenge + r.respond };
});
const table = [
  markdownTable([
    [
      'N',
      'requester / task (postBatch)',
      'worker / task (claim + submitResults + finalize)',
      'requester + worker / task',
      'one dispute in the batch (challenge + respond with a stage proof)',
    ],
    ...perTask.map((r) => [
      String(r.n),
      f(r.requester),
      f(r.worker),
      f(r.total),
      `${f(r.dispute)} (${f(r.challenge)} + ${f(r.respond)})`,
    ]),
  ]),
  '',
  'Measured by `npm run bench:batch` on anvil with the mlp fixture as a 1-stage pipeline (4 input felts, 1 output per task) and a real EZKL stage proof for the dispute; per-call figures in bench/batch.json. A single optimistic task costs its requester and worker 641,155 gas together (bench/optimistic.json).',
].join('\n');
await writeJsonAtomic(join(PACKAGE_ROOT, 'bench', 'batch.json'), {
  date: new Date().toISOString(),
  fixture: 'mlp',
  rows: perTask,
});
await replaceDocBlock('bench-batch', table);
process.stdout.write(`${table}\n`);
