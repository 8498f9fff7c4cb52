import { Command } from 'commander';
import { z } from 'zod';
import { defineOptions } from '../core/cliOptions.js';
import { commonOptions, parseOptions, runCommand } from '../core/command.js';
import { table } from '../core/output.js';
import { submitTaskProof } from '../market/submitTaskProof.js';
import { readBundle } from '../proof/bundle.js';
import { marketOptions, withMarket } from './marketOptions.js';

const submitOptions = defineOptions(marketOptions, commonOptions);

export function submitCommand(): Command {
  return submitOptions
    .addTo(new Command('submit'))
    .description('Claim a task and submit a proof for it (paid if the proof verifies on-chain)')
    .argument('<task-id>')
    .argument('<bundle>', "proof bundle for the task's input")
    .action((id: string, bundlePath: string, raw) =>
      runCommand(raw, async (reporter) => {
        const o = submitOptions.parse(raw);
        const taskId = parseOptions(z.string().regex(/^\d+$/, 'a task id is a number'), id);
        const bundle = await readBundle(bundlePath);
        const result = await withMarket(o, reporter, true, async (market, chain) => {
          const { address } = await chain.signer();
          return reporter.step(
            `Claiming and submitting task ${taskId}`,
            () => submitTaskProof(market, taskId, bundle, address),
            'submit',
          );
        });
        reporter.result({ ok: true, ...result }, () =>
          table([
            ['task', result.taskId],
            ['paid', `${result.rewardEth} ETH to ${result.worker}`],
            ['gas', `claim ${result.claimGas ?? '—'}, submit ${result.submitGas}`],
            ['outputs', result.outputs.join(' ')],
          ]),
        );
      }),
    );
}
