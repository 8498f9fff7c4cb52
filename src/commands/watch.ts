import { Command } from 'commander';
import { defineOptions, flag } from '../core/cliOptions.js';
import { commonOptions, runCommand } from '../core/command.js';
import { runWatcher, type WatchEvent } from '../market/watcher.js';
import { followOptions, followUntilStopped } from './followChain.js';
import { marketOptions } from './marketOptions.js';

const watchOptions = defineOptions(
  marketOptions,
  commonOptions,
  followOptions('results', 'another directory of compiled stage models'),
  { once: flag('one pass over the results submitted so far, then exit') },
);

export function watchCommand(): Command {
  return watchOptions
    .addTo(new Command('watch'))
    .description(
      'Check optimistic results against local witnesses; challenge the first wrong stage (Ctrl-C stops)',
    )
    .action((raw) =>
      runCommand(raw, async (reporter) => {
        const o = watchOptions.parse(raw);
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
