import { Command } from 'commander';
import { z } from 'zod';
import { defineOptions, option, type OptionsOf } from '../core/cliOptions.js';
import { commonOptions, parseOptions, runCommand } from '../core/command.js';
import { table } from '../core/output.js';
import { listTasks, readTask, sendMarketTx, type TaskView } from '../market/market.js';
import { attestModel } from '../market/attestModel.js';
import { dequantizeOutputs } from '../market/instanceLayout.js';
import { parseDuration, parseReward } from '../market/parseMarketOptions.js';
import { postTask } from '../market/postTask.js';
import { optimisticTermsArg, postOptimisticTask } from '../market/postOptimisticTask.js';
import { PocomputeError } from '../core/errors.js';
import { attestPipeline } from '../market/attestPipeline.js';
import { bondsText, describePhase, readResult } from '../market/readResult.js';
import type { Contract } from 'ethers';
import { marketOptions, withMarket } from './marketOptions.js';
import {
  addBatchCommands,
  closeBatchTask,
  parseBatchTask,
  renderBatchTask,
  showBatchTask,
} from './taskBatch.js';

const postOptions = defineOptions(marketOptions, commonOptions, {
  mode: option(
    z.enum(['zk', 'optimistic']).default('zk'),
    '<mode>',
    'zk: paid for a proof; optimistic: paid after a challenge window',
  ),
  model: option(
    z.string().regex(/^\d+$/, 'must be a model id').optional(),
    '<id>',
    'registered model id (zk mode)',
  ),
  pipeline: option(
    z.string().regex(/^\d+$/, 'must be a pipeline id').optional(),
    '<id>',
    'registered pipeline id (optimistic mode)',
  ),
  input: option(z.string(), '<file>', 'the input to run the model on'),
  reward: option(z.string(), '<eth>', 'reward in ETH, e.g. 0.05'),
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
    'a contract to receive the verified outputs (IInferenceConsumer)',
  ),
  window: option(
    z.string().default('10m'),
    '<duration>',
    'optimistic: how long a result can be challenged',
  ),
  responseTime: option(
    z.string().default('10m'),
    '<duration>',
    'optimistic: how long the worker has to answer a challenge with a proof',
  ),
  workerBond: option(
    z.string().optional(),
    '<eth>',
    'optimistic: what a worker locks with its result',
  ),
  challengerBond: option(z.string().optional(), '<eth>', 'optimistic: what a challenge locks'),
});
/** The options of the other task commands: the market's. */
const taskOptions = defineOptions(marketOptions, commonOptions);
const taskId = z.string().regex(/^\d+$/, 'a task id is a number');

/** The optimistic options, checked (bounds, amounts) before the chain is touched. */
function optimisticTerms(o: OptionsOf<typeof postOptions>) {
  if (o.pipeline === undefined || o.workerBond === undefined || o.challengerBond === undefined)
    throw new PocomputeError(
      'OPTION_INVALID',
      'an optimistic task needs --pipeline <id>, --worker-bond <eth> and --challenger-bond <eth>',
      { hint: 'A model registered alone is a 1-stage pipeline: `pocompute model pipeline <id>`.' },
    );
  const terms = {
    pipelineId: o.pipeline,
    windowSeconds: parseDuration(o.window),
    responseSeconds: parseDuration(o.responseTime),
    workerBondEth: o.workerBond,
    challengerBondEth: o.challengerBond,
  };
  optimisticTermsArg(terms);
  return terms;
}

const renderTask = (t: TaskView & { outputValues?: number[]; phase?: string; terms?: string }) =>
  table([
    ['task', t.taskId],
    ...(t.mode === 'optimistic'
      ? [
          ['pipeline', t.modelId],
          ['phase', t.phase ?? t.status],
          ['terms', t.terms ?? ''],
        ]
      : [
          ['model', t.modelId],
          ['status', t.status],
        ]),
    ['reward', `${t.rewardEth} ETH`],
    ['deadline', new Date(t.deadline * 1000).toISOString()],
    ['requester', t.requester],
    ['worker', t.worker],
    [
      'outputs',
      t.outputValues
        ? t.outputValues.map((v) => v.toFixed(4)).join(' ')
        : t.outputs.join(' ') || '—',
    ],
  ]);

/**
 * An optimistic task with its phase. Its pipeline is attested first, as a zk task's model: a
 * result is only as good as the verifiers that would settle a dispute over it. Finalized outputs
 * are shown as numbers; a standing result is shown as stated, not as verified.
 */
async function showOptimistic(market: Contract, id: string) {
  const view = await readResult(market, id);
  const { stages } = await attestPipeline({ market, pipelineId: view.task.modelId });
  const last = stages[stages.length - 1].manifest;
  return {
    ...view.task,
    attested: true,
    phase: describePhase(view),
    terms: `window ${view.windowSeconds} s, response ${view.responseSeconds} s, ${bondsText(view)}`,
    result: {
      ...view.phase,
      submitter: view.submitter,
      outputs: view.outputs.map(String),
      boundaries: view.boundaries.map(String),
      answeredStages: view.answeredStages,
    },
    outputValues: view.task.outputs.length
      ? dequantizeOutputs(view.task.outputs.map(BigInt), last)
      : undefined,
  };
}

export function taskCommand(): Command {
  const task = new Command('task').description(
    'Compute tasks: post, list, show, cancel, refund; batches: post-batch, claim-batch, finalize-batch',
  );
  task.addCommand(
    postOptions
      .addTo(new Command('post'))
      .description('Post a task: the reward is held in escrow until a valid proof or the deadline')
      .action((raw) =>
        runCommand(raw, async (reporter) => {
          const o = postOptions.parse(raw);
          // Every option is checked before the chain is touched: bad values are usage errors.
          const seconds = parseDuration(o.deadline);
          parseReward(o.reward);
          const optimistic = o.mode === 'optimistic' ? optimisticTerms(o) : undefined;
          if (!optimistic && o.model === undefined)
            throw new PocomputeError('OPTION_INVALID', 'a zk task needs --model <id>');
          const common = {
            input: o.input,
            rewardEth: o.reward,
            deadlineSeconds: seconds,
            consumer: o.consumer,
            reporter,
          };
          const result = await withMarket(o, reporter, true, (market) =>
            reporter.step(
              `Posting the ${o.mode} task`,
              () =>
                optimistic
                  ? postOptimisticTask({ market, ...common, ...optimistic })
                  : postTask({ market, modelId: o.model!, ...common }),
              'post',
            ),
          );
          reporter.result(
            { ok: true, ...result },
            () => `Task ${result.taskId} posted (${o.reward} ETH in escrow, gas ${result.gasUsed})`,
          );
        }),
      ),
  );
  task.addCommand(
    taskOptions
      .addTo(new Command('list'))
      .description('List the tasks on the market')
      .action((raw) =>
        runCommand(raw, async (reporter) => {
          const o = taskOptions.parse(raw);
          const tasks = await withMarket(o, reporter, false, (market) => listTasks(market));
          reporter.result({ ok: true, tasks }, () =>
            table(
              tasks.map((t) => [
                t.taskId,
                t.modelId,
                t.mode === 'optimistic' ? `${t.status} (optimistic)` : t.status,
                `${t.rewardEth} ETH`,
                new Date(t.deadline * 1000).toISOString(),
                t.worker,
              ]),
              ['task', 'model', 'status', 'reward', 'deadline', 'worker'],
            ),
          );
        }),
      ),
  );
  task.addCommand(
    taskOptions
      .addTo(new Command('show'))
      .description(
        'Show one task, with its verified outputs when done; <batch>:<index> shows a task of a batch with its inclusion proof',
      )
      .argument('<task-id>')
      .action((id: string, raw) =>
        runCommand(raw, async (reporter) => {
          const o = taskOptions.parse(raw);
          const batched = parseBatchTask(id);
          if (batched) {
            const b = await withMarket(o, reporter, false, (market) =>
              showBatchTask(market, batched),
            );
            reporter.result({ ok: true, ...b }, () => renderBatchTask(b));
            return;
          }
          const t = await withMarket(o, reporter, false, async (market) => {
            const task = await readTask(market, parseOptions(taskId, id));
            if (task.mode === 'optimistic') return showOptimistic(market, task.taskId);
            // Nothing is shown of a task whose model's verifier is not EZKL's (exit 1): its
            // "verified" outputs could be anything. The outputs come as numbers from its scales.
            const { artifacts } = await attestModel({ market, modelId: task.modelId, reporter });
            return {
              ...task,
              attested: true,
              outputValues: task.outputs.length
                ? dequantizeOutputs(task.outputs.map(BigInt), artifacts.manifest)
                : undefined,
            };
          });
          reporter.result({ ok: true, ...t }, () => renderTask(t));
        }),
      ),
  );
  for (const [name, method, description] of [
    ['cancel', 'cancel', 'Withdraw an unclaimed task and its reward (requester only)'],
    ['refund', 'refund', 'Return the reward of a task nobody delivered, after its deadline'],
  ] as const) {
    task.addCommand(
      taskOptions
        .addTo(new Command(name))
        .description(description)
        .argument('<task-id>', 'a task id, or <batch>:<index> for a task of a batch')
        .action((id: string, raw) =>
          runCommand(raw, async (reporter) => {
            const o = taskOptions.parse(raw);
            const batched = parseBatchTask(id);
            const receipt = await withMarket(o, reporter, true, async (market) =>
              batched
                ? await closeBatchTask(market, batched, method).then((r) => ({
                    hash: r.txHash,
                    gasUsed: BigInt(r.gasUsed),
                  }))
                : sendMarketTx(market, method, [BigInt(parseOptions(taskId, id))]),
            );
            reporter.result(
              { ok: true, taskId: id, txHash: receipt.hash, gasUsed: receipt.gasUsed.toString() },
              () => `Task ${id}: ${name} done (gas ${receipt.gasUsed})`,
            );
          }),
        ),
    );
  }
  addBatchCommands(task);
  return task;
}
