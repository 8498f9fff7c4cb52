import { Command } from 'commander';
import { z } from 'zod';
import { parseOptions, runCommand, withCommonOptions } from '../core/command.js';
import { stopsGracefullyOnSignals } from '../core/tempDirs.js';
import { runWatcher, type WatchEvent } from '../market/watcher.js';
import { marketOptionsSchema, withMarket, withMarketOptions } from './marketOptions.js';

const watchOptions = marketOptionsSchema.extend({
  pollMs: z.coerce.number().int().min(100).default(1000),
  artifactsRoot: z.string().optional(),
  stateFile: z.string().optional(),
  maxBlockRange: z.coerce.number().int().min(1).max(100_000).default(500),
  once: z.boolean().optional(),
});

export function watchCommand(): Command {
  return withCommonOptions(withMarketOptions(new Command('watch')))
    .description(
      'Check optimistic results against local witnesses; challenge the first wrong stage (Ctrl-C stops)',
    )
    .option('--poll-ms <ms>', 'how often to look for new results', '1000')
    .option('--artifacts-root <dir>', 'another directory of compiled stage models')
    .option(
      '--state-file <file>',
      'where it keeps its progress (default: under ~/.pocompute/workers)',
    )
    .option('--max-block-range <blocks>', 'widest block range per event query', '500')
    .option('--once', 'one pass over the results submitted so far, then exit')
    .action((raw) =>
      runCommand(raw, async (reporter) => {
        const o = parseOptions(watchOptions, raw);
        const controller = new AbortController();
        const stop = () => controller.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        stopsGracefullyOnSignals();
        // One line per event: JSON lines under --json, plain lines otherwise.
        const log = (e: WatchEvent) => {
          if (reporter.json)
            process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...e })}\n`);
          else process.stdout.write(`${new Date().toISOString()} ${describe(e)}\n`);
        };
        const totals = await withMarket(o, reporter, true, async (market, chain) => {
          const { address } = await chain.signer();
          reporter.info(
            `watcher ${address} on market ${await market.getAddress()} (chain ${chain.chainId})`,
          );
          return runWatcher({
            market,
            watcher: address,
            networkKey: chain.networkKey,
            signal: controller.signal,
            log,
            pollMs: o.pollMs,
            artifactsRoots: o.artifactsRoot ? [o.artifactsRoot] : undefined,
            stateFile: o.stateFile,
            maxBlockRange: o.maxBlockRange,
            once: o.once,
          });
        });
        if (reporter.json)
          process.stdout.write(`${JSON.stringify({ event: 'stopped', ...totals })}\n`);
        else
          reporter.info(
            `stopped: ${totals.checked} checked, ${totals.challenged} challenged, ${totals.settled} settled`,
          );
      }),
    );
}

function describe(e: WatchEvent): string {
  switch (e.event) {
    case 'correct':
      return `task ${e.taskId}: the result of ${e.submitter} matches the witnesses`;
    case 'challenged':
      return `task ${e.taskId}: challenged stage ${e.stage} (${e.reason}); answer due ${new Date(e.responseDeadline * 1000).toISOString()}`;
    case 'settled':
      return `task ${e.taskId}: stage ${e.stage} unanswered, ${e.paidEth} ETH to ${e.challenger}; the result is discarded`;
    case 'answered':
      return `task ${e.taskId}: my challenge of stage ${e.stage} was answered with a valid proof (${e.lostEth} ETH bond lost)`;
    case 'skipped':
      return `task ${e.taskId}: skipped, ${e.reason}`;
    case 'failed':
      return `task ${e.taskId}: failed, ${e.code}: ${e.reason}`;
    case 'rpc-retry':
      return `rpc error (attempt ${e.attempt}), backing off: ${e.reason}`;
  }
}
