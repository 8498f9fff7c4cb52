import { Command } from 'commander';
import { z } from 'zod';
import { parseOptions, runCommand, withCommonOptions } from '../core/command.js';
import { table } from '../core/output.js';
import { listTasks, readTask, sendMarketTx, type TaskView } from '../market/market.js';
import { attestModel } from '../market/attestModel.js';
import { dequantizeOutputs } from '../market/instanceLayout.js';
import { parseDuration, parseReward } from '../market/parseMarketOptions.js';
import { postTask } from '../market/postTask.js';
import { marketOptionsSchema, withMarket, withMarketOptions } from './marketOptions.js';

const postOptions = marketOptionsSchema.extend({
  model: z.string().regex(/^\d+$/, 'must be a model id'),
  input: z.string(),
  reward: z.string(),
  deadline: z.string().default('1h'),
  consumer: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x address')
    .optional(),
});
const taskId = z.string().regex(/^\d+$/, 'a task id is a number');

const renderTask = (t: TaskView & { outputValues?: number[] }) =>
  table([
    ['task', t.taskId],
    ['model', t.modelId],
    ['status', t.status],
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

export function taskCommand(): Command {
  const task = new Command('task').description('Compute tasks: post, list, show, cancel, refund');
  task.addCommand(
    withCommonOptions(withMarketOptions(new Command('post')))
      .description('Post a task: the reward is held in escrow until a valid proof or the deadline')
      .requiredOption('--model <id>', 'registered model id')
      .requiredOption('--input <file>', 'the input to run the model on')
      .requiredOption('--reward <eth>', 'reward in ETH, e.g. 0.05')
      .option('--deadline <duration>', 'how long workers have: 90s, 30m, 1h, 2d', '1h')
      .option(
        '--consumer <address>',
        'a contract to receive the verified outputs (IInferenceConsumer)',
      )
      .action((raw) =>
        runCommand(raw, async (reporter) => {
          const o = parseOptions(postOptions, raw);
          // Every option is checked before the chain is touched: bad values are usage errors.
          const seconds = parseDuration(o.deadline);
          parseReward(o.reward);
          const result = await withMarket(o, reporter, true, (market) =>
            reporter.step(
              'Posting the task',
              () =>
                postTask({
                  market,
                  modelId: o.model,
                  input: o.input,
                  rewardEth: o.reward,
                  deadlineSeconds: seconds,
                  consumer: o.consumer,
                  reporter,
                }),
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
    withCommonOptions(withMarketOptions(new Command('list')))
      .description('List the tasks on the market')
      .action((raw) =>
        runCommand(raw, async (reporter) => {
          const o = parseOptions(marketOptionsSchema, raw);
          const tasks = await withMarket(o, reporter, false, (market) => listTasks(market));
          reporter.result({ ok: true, tasks }, () =>
            table(
              tasks.map((t) => [
                t.taskId,
                t.modelId,
                t.status,
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
    withCommonOptions(withMarketOptions(new Command('show')))
      .description('Show one task, with its verified outputs when done')
      .argument('<task-id>')
      .action((id: string, raw) =>
        runCommand(raw, async (reporter) => {
          const o = parseOptions(marketOptionsSchema, raw);
          const t = await withMarket(o, reporter, false, async (market) => {
            const task = await readTask(market, parseOptions(taskId, id));
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
      withCommonOptions(withMarketOptions(new Command(name)))
        .description(description)
        .argument('<task-id>')
        .action((id: string, raw) =>
          runCommand(raw, async (reporter) => {
            const o = parseOptions(marketOptionsSchema, raw);
            const receipt = await withMarket(o, reporter, true, (market) =>
              sendMarketTx(market, method, [BigInt(parseOptions(taskId, id))]),
            );
            reporter.result(
              { ok: true, taskId: id, txHash: receipt.hash, gasUsed: receipt.gasUsed.toString() },
              () => `Task ${id}: ${name} done (gas ${receipt.gasUsed})`,
            );
          }),
        ),
    );
  }
  return task;
}
