import { Command } from 'commander';
import { z } from 'zod';
import { parseOptions, runCommand, withCommonOptions } from '../core/command.js';
import { stopsGracefullyOnSignals } from '../core/tempDirs.js';
import { runWorker, type WorkerEvent } from '../market/worker.js';
import { marketOptionsSchema, withMarket, withMarketOptions } from './marketOptions.js';

const workerOptions = marketOptionsSchema.extend({
  engine: z.enum(['native', 'wasm']).optional(),
  pollMs: z.coerce.number().int().min(100).default(1000),
  artifactsDir: z.string().optional(),
});

export function workerCommand(): Command {
  return withCommonOptions(withMarketOptions(new Command('worker')))
    .description(
      'Watch the market, prove tasks for models compiled here, submit, get paid (Ctrl-C stops)',
    )
    .option('--engine <engine>', 'native | wasm')
    .option('--poll-ms <ms>', 'how often to look for new tasks', '1000')
    .option('--artifacts-dir <dir>', 'another directory of compiled models to serve')
    .action((raw) =>
      runCommand(raw, async (reporter) => {
        const o = parseOptions(workerOptions, raw);
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
            artifactsRoots: o.artifactsDir ? [o.artifactsDir] : [],
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
      return `task ${e.taskId}: paid ${e.rewardEth} ETH (proved in ${e.proveMs} ms, submit gas ${e.submitGas})`;
    case 'skipped':
      return `task ${e.taskId}: skipped, ${e.reason}`;
    case 'failed':
      return `task ${e.taskId}: failed, ${e.code}: ${e.reason}`;
    case 'rpc-retry':
      return `rpc error (attempt ${e.attempt}), backing off: ${e.reason}`;
  }
}
