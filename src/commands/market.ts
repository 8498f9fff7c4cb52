import { Command } from 'commander';
import { z } from 'zod';
import { withChain } from '../chain/chainContext.js';
import { parseOptions, runCommand, withCommonOptions } from '../core/command.js';
import { table } from '../core/output.js';
import { deployMarket } from '../market/market.js';
import { chainOptionsFrom, chainOptionsSchema, withChainOptions } from './chainOptions.js';

const deployOptions = chainOptionsSchema.extend({
  claimTtl: z.coerce.number().int().positive().default(600),
  json: z.boolean().optional(),
});

export function marketCommand(): Command {
  const market = new Command('market').description('The proof-of-compute market contract');
  market.addCommand(
    withCommonOptions(withChainOptions(new Command('deploy')))
      .description('Deploy PocomputeMarket (tasks with escrowed rewards, paid for valid proofs)')
      .option(
        '--claim-ttl <seconds>',
        'how long a worker holds a claimed task before others may take it',
        '600',
      )
      .action((raw) =>
        runCommand(raw, async (reporter) => {
          const o = parseOptions(deployOptions, raw);
          const record = await withChain({ ...(await chainOptionsFrom(o)), reporter }, (chain) =>
            deployMarket(chain, { claimTtl: o.claimTtl, reporter }),
          );
          reporter.result({ ok: true, ...record }, () =>
            table([
              ['market', record.address],
              ['chain', record.chainId],
              ['claim ttl', `${record.claimTtl} s`],
              ['gas used', record.gasUsed],
            ]),
          );
        }),
      ),
  );
  return market;
}
