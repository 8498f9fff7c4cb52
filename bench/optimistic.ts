/**
 * `npm run bench:optimistic`: what an optimistic task costs on-chain against a zk task, with and
 * without a dispute, on an embedded anvil with the mlp fixture (real proofs, real verifiers) as a
 * 1-stage pipeline and split in two. Writes bench/optimistic.json and the docs block.
 */
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openChain } from '../src/chain/chainContext.js';
import { writeJsonAtomic } from '../src/core/files.js';
import { fixturePath, PACKAGE_ROOT } from '../src/core/paths.js';
import { challengeStage } from '../src/market/challengeStage.js';
import { finalizeResult } from '../src/market/finalizeResult.js';
import { registerModel } from '../src/market/market.js';
import { openDevMarket } from './devMarket.js';
import { postOptimisticTask } from '../src/market/postOptimisticTask.js';
import { postTask } from '../src/market/postTask.js';
import { proveStageAnswer } from '../src/market/proveStageAnswer.js';
import { registerPipeline } from '../src/market/registerPipeline.js';
import { respondChallenge } from '../src/market/respondChallenge.js';
import { settleChallenge } from '../src/market/settleChallenge.js';
import { submitResult } from '../src/market/submitResult.js';
import { submitTaskProof } from '../src/market/submitTaskProof.js';
import { witnessPipeline } from '../src/market/witnessPipeline.js';
import type { Artifacts } from '../src/proof/artifacts.js';
import { compileModel } from '../src/prover/compileModel.js';
import { proveInference } from '../src/prover/proveInference.js';
import { compileStages } from '../src/prover/stages/compileStages.js';
import { splitModel } from '../src/prover/stages/splitModel.js';
import { markdownTable, replaceDocBlock } from './docBlocks.js';

const model = fixturePath('mlp', 'model.onnx');
const input = fixturePath('mlp', 'input.json');
const work = mkdtempSync(join(tmpdir(), 'pocompute-bench-optimistic-'));
const chain = await openChain({});
const gas: Record<string, number> = {};
try {
  const { asDev, wallets, requester, worker, challenger } = await openDevMarket(chain);
  const mlp = await compileModel({ model, input });
  const modelId = (await registerModel({ chain: asDev, market: requester, artifacts: mlp }))
    .modelId;
  const staged = await splitModel({ model, stages: 2, out: join(work, 'split') });
  const twoStages = (await compileStages({ staged, input })).stages;
  const stageIds: string[] = [];
  for (const [i, artifacts] of twoStages.entries())
    stageIds.push(
      (await registerModel({ chain: asDev, market: requester, artifacts, stage: i > 0 })).modelId,
    );
  const pipelines: [string, Artifacts[]][] = [
    [(await registerPipeline({ market: requester, stageModels: [modelId] })).pipelineId, [mlp]],
    [(await registerPipeline({ market: requester, stageModels: stageIds })).pipelineId, twoStages],
  ];
  const advance = async (seconds: number) => {
    await chain.provider.send('evm_increaseTime', [seconds]);
    await chain.provider.send('evm_mine', []);
  };

  // zk: claim (committing the proof), then the proof revealed and verified on-chain.
  const zk = await postTask({
    market: requester,
    modelId,
    input,
    rewardEth: '0.01',
    deadlineSeconds: 3600,
  });
  gas['zk: postTask'] = Number(zk.gasUsed);
  const { bundle } = await proveInference({ target: mlp.dir, input, out: join(work, 'mlp.proof') });
  const paid = await submitTaskProof(worker, zk.taskId, bundle, wallets[1].address);
  gas['zk: claim'] = Number(paid.claimGas) + Number(paid.commitGas ?? 0);
  gas['zk: submit (on-chain verification)'] = Number(paid.submitGas);

  for (const [pipelineId, stages] of pipelines) {
    const n = `${stages.length} stage${stages.length > 1 ? 's' : ''}`;
    const post = async () => {
      const posted = await postOptimisticTask({
        market: requester,
        pipelineId,
        input,
        rewardEth: '0.01',
        deadlineSeconds: 3600,
        windowSeconds: 600,
        responseSeconds: 600,
        workerBondEth: '0.01',
        // The market's default minimum: what a respond's gas costs at 50 gwei.
        challengerBondEth: '0.05',
      });
      gas[`optimistic, ${n}: postOptimisticTask`] = Number(posted.gasUsed);
      const inputs = [...((await requester.getTaskInputs(BigInt(posted.taskId))) as bigint[])];
      const result = await witnessPipeline({ stages, inputs });
      const submitted = await submitResult({
        market: worker,
        taskId: posted.taskId,
        worker: wallets[1].address,
        outputs: result.outputs,
        boundaries: result.boundaries,
      });
      gas[`optimistic, ${n}: claim`] = Number(submitted.claimGas);
      gas[`optimistic, ${n}: submitResult (outputs + ${stages.length - 1} boundaries, bond)`] =
        Number(submitted.submitGas);
      return { taskId: posted.taskId, inputs };
    };
    // No dispute: finalize after the window.
    const quiet = await post();
    await advance(601);
    gas[`optimistic, ${n}: finalize (pays, records, no proof)`] = Number(
      (await finalizeResult(worker, quiet.taskId)).gasUsed,
    );
    // A false challenge of every stage, each answered with that stage's proof.
    const disputed = await post();
    for (let stage = 0; stage < stages.length; stage++) {
      gas[`dispute, ${n}: challenge (stage ${stage})`] = Number(
        (await challengeStage(challenger, disputed.taskId, stage)).gasUsed,
      );
      const answer = await proveStageAnswer({ stages, stage, inputs: disputed.inputs });
      gas[`dispute, ${n}: respond (stage ${stage} proof verified)`] = Number(
        (await respondChallenge(worker, disputed.taskId, answer)).gasUsed,
      );
    }
    // An unanswered challenge, settled.
    const silent = await post();
    await challengeStage(challenger, silent.taskId, 0);
    await advance(601);
    gas[`dispute, ${n}: settleChallenge (unanswered; task reopens)`] = Number(
      (await settleChallenge(challenger, silent.taskId)).gasUsed,
    );
  }
} finally {
  await chain.close();
  await rm(work, { recursive: true, force: true });
}

const f = (g: number) => g.toLocaleString('en');
const zkWorker = gas['zk: claim'] + gas['zk: submit (on-chain verification)'];
const optimisticWorker = (n: string) =>
  Object.entries(gas)
    .filter(
      ([k]) =>
        k.startsWith(`optimistic, ${n}:`) &&
        /claim|submitResult|finalize/.test(k) &&
        !k.includes('post'),
    )
    .reduce((a, [, g]) => a + g, 0);
const table = [
  markdownTable([['call', 'gas used'], ...Object.entries(gas).map(([call, g]) => [call, f(g)])]),
  '',
  markdownTable([
    ['a task, what the worker pays', 'gas'],
    ['zk: claim + submit', f(zkWorker)],
    [
      'optimistic, 1 stage, no dispute: claim + submitResult + finalize',
      f(optimisticWorker('1 stage')),
    ],
    [
      'optimistic, 2 stages, no dispute: claim + submitResult + finalize',
      f(optimisticWorker('2 stages')),
    ],
  ]),
  '',
  'Measured by `npm run bench:optimistic` on anvil with the mlp fixture (1 stage, and split in two) and real proofs.',
].join('\n');
await writeJsonAtomic(join(PACKAGE_ROOT, 'bench', 'optimistic.json'), {
  date: new Date().toISOString(),
  fixture: 'mlp',
  gas,
});
await replaceDocBlock('bench-optimistic', table);
process.stdout.write(`${table}\n`);
