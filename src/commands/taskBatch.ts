import { type Command, Command as NewCommand } from 'commander';
import { z } from 'zod';
import { defineOptions, option } from '../core/cliOptions.js';
import { commonOptions, parseOptions, runCommand } from '../core/command.js';
import { table } from '../core/output.js';
import { attestPipeline } from '../market/attestPipeline.js';
import { closeBatchTasks, finalizeBatch } from '../market/batchDisputes.js';
import { dequantizeOutputs } from '../market/instanceLayout.js';
import { parseDuration, parseReward } from '../market/parseMarketOptions.js';
import { postBatch } from '../market/postBatch.js';
import { batchTaskProof, readBatch } from '../market/readBatch.js';
import { serveBatch } from '../market/serveBatch.js';
import { marketOptions, withMarket } from './marketOptions.js';
import type { Contract } from 'ethers';

const postBatchOptions = defineOptions(marketOptions, commonOptions, {
  pipeline: option(
    z.string().regex(/^\d+$/, 'must be a pipeline id'),
    '<id>',
    'registered pipeline id',
  ),
  input: option(
    z.array(z.string()).min(1, 'a batch needs at least one input'),
    '<files...>',
    'one input file per task, in task order',
  ),
  reward: option(z.string(), '<eth>', 'reward of each task in ETH, e.g. 0.01'),
  deadline: option(
    z.string().default('1h'),
    '<duration>',
    'how long workers have: 90s, 30m, 1h, 2d',
  ),
  consumer: option(
    z
      .string()
      .regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x address')
      .optional(),
    '<address>',
    'a contract to receive each result with its inclusion proof (IBatchInferenceConsumer)',
  ),
  window: option(z.string().default('10m'), '<duration>', 'how long the results can be challenged'),
  responseTime: option(
    z.string().default('10m'),
    '<duration>',
    'how long the worker has to answer a challenge with a stage proof',
  ),
  workerBond: option(z.string(), '<eth>', 'what the worker locks per task with its results'),
  challengerBond: option(z.string(), '<eth>', 'what a challenge of one task locks'),
});
const batchOptions = defineOptions(marketOptions, commonOptions);
const batchId = z.string().regex(/^\d+$/, 'a batch id is a number');

/** `<batch>:<index>`: how a task of a batch is named on the command line. */
export function parseBatchTask(id: string): { batchId: string; index: number } | undefined {
  const m = /^(\d+):(\d+)$/.exec(id);
  return m ? { batchId: m[1], index: Number(m[2]) } : undefined;
}

/**
 * One task of a batch, with its inclusion proofs. The pipeline is attested before anything is
 * shown, as for a single task; finalized outputs are shown as numbers.
 */
export async function showBatchTask(market: Contract, id: { batchId: string; index: number }) {
  const view = await readBatch(market, id.batchId);
  const { stages } = await attestPipeline({ market, pipelineId: view.pipelineId });
  const proof = await batchTaskProof({ market, batchId: id.batchId, index: id.index, view });
  return {
    task: `${id.batchId}:${id.index}`,
    pipelineId: view.pipelineId,
    status: proof.closed ? 'closed' : view.status,
    attested: true,
    rewardEth: view.rewardPerTaskEth,
    worker: view.submitter,
    batch: {
      tasks: view.tasks,
      status: view.status,
      deadline: view.deadline,
      claimant: view.claimant,
      windowEnd: view.windowEnd,
      openChallenges: view.openChallenges,
      closed: view.closed,
      lost: view.lost,
    },
    ...proof,
    outputValues: proof.final
      ? dequantizeOutputs(proof.outputs.map(BigInt), stages[stages.length - 1].manifest)
      : undefined,
  };
}

export const renderBatchTask = (t: Awaited<ReturnType<typeof showBatchTask>>) =>
  table([
    ['task', `${t.task} (batch ${t.batchId}, task ${t.index})`],
    ['pipeline', t.pipelineId],
    ['status', t.final ? `${t.status}: final (included in the results root)` : t.status],
    ['reward', `${t.rewardEth} ETH`],
    [
      'batch',
      `${t.batch.tasks} tasks, ${t.batch.status}` +
        (t.batch.windowEnd
          ? `, challengeable until ${new Date(t.batch.windowEnd * 1000).toISOString()}`
          : '') +
        `, ${t.batch.openChallenges} open challenges, ${t.batch.closed} closed (${t.batch.lost} lost)`,
    ],
    ['worker', t.worker],
    [
      'outputs',
      t.outputValues ? t.outputValues.map((v) => v.toFixed(4)).join(' ') : t.outputs.join(' '),
    ],
    ['results root', t.resultsRoot],
    ['result leaf', t.resultLeaf],
    ['inclusion proof', t.resultPath.join(' ') || '— (a batch of one)'],
  ]);

/** The batch subcommands of `pocompute task`. */
export function addBatchCommands(task: Command): void {
  task.addCommand(
    postBatchOptions
      .addTo(new NewCommand('post-batch'))
      .description(
        'Post N optimistic tasks of one pipeline in one transaction (one input file each)',
      )
      .action((raw) =>
        runCommand(raw, async (reporter) => {
          const o = postBatchOptions.parse(raw);
          const seconds = parseDuration(o.deadline);
          parseReward(o.reward);
          const terms = {
            windowSeconds: parseDuration(o.window),
            responseSeconds: parseDuration(o.responseTime),
            workerBondEth: o.workerBond,
            challengerBondEth: o.challengerBond,
          };
          const result = await withMarket(o, reporter, true, (market) =>
            reporter.step(
              `Posting a batch of ${o.input.length} tasks`,
              () =>
                postBatch({
                  market,
                  pipelineId: o.pipeline,
                  inputs: o.input,
                  rewardEth: o.reward,
                  deadlineSeconds: seconds,
                  consumer: o.consumer,
                  reporter,
                  ...terms,
                }),
              'postBatch',
            ),
          );
          reporter.result(
            { ok: true, ...result },
            () =>
              `Batch ${result.batchId} posted: ${result.tasks} tasks (${result.batchId}:0..${result.tasks - 1}), ${o.reward} ETH each, gas ${result.gasUsed} (${result.gasPerTask} per task)`,
          );
        }),
      ),
  );
  task.addCommand(
    batchOptions
      .addTo(new NewCommand('claim-batch'))
      .description(
        'Serve a batch: check its inputs against its root, compute every result (witnesses, no proofs), claim it and submit the results with one bond',
      )
      .argument('<batch-id>')
      .action((id: string, raw) =>
        runCommand(raw, async (reporter) => {
          const o = batchOptions.parse(raw);
          parseOptions(batchId, id);
          const result = await withMarket(o, reporter, true, async (market, chain) => {
            const { address } = await chain.signer();
            return reporter.step(
              `Serving batch ${id}`,
              () => serveBatch({ market, batchId: id, worker: address, reporter }),
              'serveBatch',
            );
          });
          reporter.result(
            { ok: true, ...result },
            () =>
              `Batch ${id}: ${result.tasks} results submitted (root ${result.resultsRoot}), challengeable until ${new Date(result.windowEnd * 1000).toISOString()}; gas: claim ${result.claimGas}, submit ${result.submitGas}`,
          );
        }),
      ),
  );
  task.addCommand(
    batchOptions
      .addTo(new NewCommand('finalize-batch'))
      .description(
        'Pay a batch after its window: every task not closed, in one transaction (anyone)',
      )
      .argument('<batch-id>')
      .action((id: string, raw) =>
        runCommand(raw, async (reporter) => {
          const o = batchOptions.parse(raw);
          parseOptions(batchId, id);
          const result = await withMarket(o, reporter, true, (market) =>
            finalizeBatch({ market, batchId: id }),
          );
          reporter.result(
            { ok: true, ...result },
            () =>
              `Batch ${id}: ${result.tasksPaid} tasks paid to ${result.worker} (gas ${result.gasUsed})`,
          );
        }),
      ),
  );
}

/** `task cancel|refund <batch>:<index>`: one task of a batch. */
export const closeBatchTask = (
  market: Contract,
  id: { batchId: string; index: number },
  how: 'cancel' | 'refund',
) => closeBatchTasks({ market, batchId: id.batchId, indices: [id.index], how });
