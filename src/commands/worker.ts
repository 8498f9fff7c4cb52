import { Command, Option } from 'commander';
import { z } from 'zod';
import { parseOptions, runCommand, withCommonOptions } from '../core/command.js';
import { stopsGracefullyOnSignals } from '../core/tempDirs.js';
import { parseEthAmount } from '../market/parseMarketOptions.js';
import { runWorker, type WorkerEvent } from '../market/worker.js';
import { marketOptionsSchema, withMarket, withMarketOptions } from './marketOptions.js';

const workerOptions = marketOptionsSchema.extend({
  engine: z.enum(['native', 'wasm']).optional(),
  pollMs: z.coerce.number().int().min(100).default(1000),
  artifactsRoot: z.string().optional(),
  artifactsDir: z.string().optional(),
  minReward: z.string().optional(),
  stateFile: z.string().optional(),
  maxBlockRange: z.coerce.number().int().min(1).max(100_000).default(500),
});

export function workerCommand(): Command {
  return withCommonOptions(withMarketOptions(new Command('worker')))
    .description(
      'Watch the market, prove tasks for models compiled here, submit, get paid (Ctrl-C stops)',
    )
    .option('--engine <engine>', 'native | wasm')
    .option('--poll-ms <ms>', 'how often to look for new tasks', '1000')
    .option('--artifacts-root <dir>', 'another directory of compiled models to serve')
    .addOption(new Option('--artifacts-dir <dir>', 'old name of --artifacts-root').hideHelp())
    .option('--min-reward <eth>', 'skip tasks that pay less than this')
    .option(
      '--state-file <file>',
      'where it keeps its progress (default: under ~/.pocompute/workers)',
    )
    .option('--max-block-range <blocks>', 'widest block range per event query', '500')
    .action((raw) =>
      runCommand(raw, async (reporter) => {
        const o = parseOptions(workerOptions, raw);
        const minRewardWei =
          o.minReward === undefined ? undefined : parseEthAmount(o.minReward, '--min-reward', true);
        const controller = new AbortController();
        const stop = () => controller.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        stopsGracefullyOnSignals(); // a proof in progress is finished, not cut short
        // One line per task: JSON lines under --json, plain lines otherwise.
        const log = (e: WorkerEvent) => {
          if (reporter.json)
            process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...e })}\n`);
          else process.stdout.write(`${new Date().toISOString()} ${describe(e)}\n`);
        };
        const totals = await withMarket(o, reporter, true, async (market, chain) => {
          const { address } = await chain.signer();
          reporter.info(
            `worker ${address} on market ${await market.getAddress()} (chain ${chain.chainId})`,
          );
          return runWorker({
            market,
            worker: address,
            networkKey: chain.networkKey,
            signal: controller.signal,
            log,
            pollMs: o.pollMs,
            engine: o.engine,
            artifactsRoots: [o.artifactsRoot ?? o.artifactsDir].filter((d): d is string => !!d),
            minRewardWei,
            stateFile: o.stateFile,
            maxBlockRange: o.maxBlockRange,
          });
        });
        if (reporter.json)
          process.stdout.write(`${JSON.stringify({ event: 'stopped', ...totals })}\n`);
        else
          reporter.info(
            `stopped: ${totals.paid} paid, ${totals.skipped} skipped, ${totals.failed} failed`,
          );
      }),
    );
}

function describe(e: WorkerEvent): string {
  switch (e.event) {
    case 'paid':
      return e.mode === 'optimistic'
        ? `task ${e.taskId}: paid ${e.rewardEth} ETH after the challenge window (finalize gas ${e.submitGas})`
        : `task ${e.taskId}: paid ${e.rewardEth} ETH (proved in ${e.proveMs} ms, submit gas ${e.submitGas})`;
    case 'claimed':
      return `task ${e.taskId}: ${e.resumed ? 'resuming my live claim' : 'claimed'} until ${new Date(e.claimExpiry * 1000).toISOString()}`;
    case 'waiting':
      return `task ${e.taskId}: waiting, ${e.reason} until ${new Date(e.untilSeconds * 1000).toISOString()}`;
    case 'retry':
      return `task ${e.taskId}: retry ${e.attempt} after ${e.code}: ${e.reason}`;
    case 'skipped':
      return `task ${e.taskId}: skipped, ${e.reason}`;
    case 'failed':
      return `task ${e.taskId}: failed, ${e.code}: ${e.reason}`;
    case 'rpc-retry':
      return `rpc error (attempt ${e.attempt}), backing off: ${e.reason}`;
    case 'submitted':
      return `task ${e.taskId}: optimistic result submitted (${e.boundaries.length} boundaries, gas ${e.submitGas}), challengeable until ${new Date(e.windowEnd * 1000).toISOString()}`;
    case 'challenged':
      return `task ${e.taskId}: stage ${e.stage} challenged by ${e.challenger}, answer due ${new Date(e.responseDeadline * 1000).toISOString()}`;
    case 'answered':
      return `task ${e.taskId}: challenge of stage ${e.stage} answered (proved in ${e.proveMs} ms, gas ${e.respondGas})`;
    case 'lost':
      return `task ${e.taskId}: lost, ${e.reason}`;
  }
}
