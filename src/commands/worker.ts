import { Command } from 'commander';
import { z } from 'zod';
import { defineOptions, option } from '../core/cliOptions.js';
import { commonOptions, runCommand } from '../core/command.js';
import { parseEthAmount } from '../market/parseMarketOptions.js';
import { runWorker, type WorkerEvent } from '../market/worker.js';
import { followOptions, followUntilStopped } from './followChain.js';
import { marketOptions } from './marketOptions.js';

const workerOptions = defineOptions(
  marketOptions,
  commonOptions,
  {
    minReward: option(z.string().optional(), '<eth>', 'skip tasks that pay less than this'),
    minChallengerBond: option(
      z.string().optional(),
      '<eth>',
      "skip optimistic tasks whose challenger bond is below this (default: the market's minimum)",
    ),
    maxOpenResults: option(
      z.coerce.number().int().positive().optional(),
      '<n>',
      'at most this many standing optimistic results (besides the rule that all must be answerable at once)',
    ),
  },
  followOptions('tasks', 'another directory of compiled models to serve'),
  {
    artifactsDir: option(z.string().optional(), '<dir>', 'old name of --artifacts-root', {
      hidden: true,
    }),
  },
);

export function workerCommand(): Command {
  return workerOptions
    .addTo(new Command('worker'))
    .description(
      'Watch the market, prove tasks for models compiled here, submit, get paid (Ctrl-C stops)',
    )
    .action((raw) =>
      runCommand(raw, async (reporter) => {
        const o = workerOptions.parse(raw);
        const minRewardWei =
          o.minReward === undefined ? undefined : parseEthAmount(o.minReward, '--min-reward', true);
        const minChallengerBondWei =
          o.minChallengerBond === undefined
            ? undefined
            : parseEthAmount(o.minChallengerBond, '--min-challenger-bond', true);
        await followUntilStopped<WorkerEvent, Awaited<ReturnType<typeof runWorker>>>({
          options: o,
          reporter,
          role: 'worker',
          describe,
          follow: ({ market, chain, address, signal, log }) =>
            runWorker({
              market,
              worker: address,
              networkKey: chain.networkKey,
              signal,
              log,
              pollMs: o.pollMs,
              artifactsRoots: [o.artifactsRoot ?? o.artifactsDir].filter((d): d is string => !!d),
              minRewardWei,
              minChallengerBondWei,
              maxOpenResults: o.maxOpenResults,
              stateFile: o.stateFile,
              maxBlockRange: o.maxBlockRange,
            }),
          summary: (t) => `${t.paid} paid, ${t.skipped} skipped, ${t.failed} failed`,
        });
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
