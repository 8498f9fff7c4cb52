import { Command } from 'commander';
import { z } from 'zod';
import { parseOptions, runCommand, withCommonOptions } from '../core/command.js';
import { runWatcher, type WatchEvent } from '../market/watcher.js';
import { followOptionsSchema, followUntilStopped, withFollowOptions } from './followChain.js';
import { withMarketOptions } from './marketOptions.js';

const watchOptions = followOptionsSchema.extend({
  once: z.boolean().optional(),
});

export function watchCommand(): Command {
  const command = withCommonOptions(withMarketOptions(new Command('watch'))).description(
    'Check optimistic results against local witnesses; challenge the first wrong stage (Ctrl-C stops)',
  );
  return withFollowOptions(command, 'results', 'another directory of compiled stage models')
    .option('--once', 'one pass over the results submitted so far, then exit')
    .action((raw) =>
      runCommand(raw, async (reporter) => {
        const o = parseOptions(watchOptions, raw);
        await followUntilStopped<WatchEvent, Awaited<ReturnType<typeof runWatcher>>>({
          options: o,
          reporter,
          role: 'watcher',
          describe,
          follow: ({ market, chain, address, signal, log }) =>
            runWatcher({
              market,
              watcher: address,
              networkKey: chain.networkKey,
              signal,
              log,
              pollMs: o.pollMs,
              artifactsRoots: o.artifactsRoot ? [o.artifactsRoot] : undefined,
              stateFile: o.stateFile,
              maxBlockRange: o.maxBlockRange,
              once: o.once,
            }),
          summary: (t) => `${t.checked} checked, ${t.challenged} challenged, ${t.settled} settled`,
        });
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
