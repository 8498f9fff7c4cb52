import { Command } from 'commander';
import { formatEther } from 'ethers';
import { z } from 'zod';
import { withChain } from '../chain/chainContext.js';
import { parseOptions, runCommand, withCommonOptions } from '../core/command.js';
import { table } from '../core/output.js';
import { deployMarket, listMarkets, useMarket } from '../market/market.js';
import { MAX_DURATION_SECONDS, parseEthAmount } from '../market/parseMarketOptions.js';
import { chainOptionsFrom, chainOptionsSchema, withChainOptions } from './chainOptions.js';

const deployOptions = chainOptionsSchema.extend({
  claimTtl: z.coerce
    .number()
    .int()
    .positive()
    .max(MAX_DURATION_SECONDS, 'must be at most ten years in seconds')
    .default(600),
  claimBond: z.string().default('0.001'),
  claimBondBps: z.coerce.number().int().min(0).max(10_000).default(1_000),
  minChallengerBond: z.string().default('0.05'),
  default: z.boolean().optional(),
  json: z.boolean().optional(),
});
const listOptions = chainOptionsSchema.extend({ json: z.boolean().optional() });
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x address');

/** Market commands need a chain that outlives them: no embedded anvil. */
const persistentChain = async (o: z.infer<typeof chainOptionsSchema>) => ({
  ...(await chainOptionsFrom(o)),
  persistent: true,
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
      .option(
        '--claim-bond <eth>',
        'the smallest claim bond; a claim locks the larger of this and --claim-bond-bps of the reward, lost to the task if it lapses',
        '0.001',
      )
      .option('--claim-bond-bps <bps>', 'claim bond as basis points of the reward', '1000')
      .option(
        '--min-challenger-bond <eth>',
        "the smallest challenger bond an optimistic task may ask (covers the worker's answer gas)",
        '0.05',
      )
      .option('--default', "make it this chain's default market even if one is recorded")
      .action((raw) =>
        runCommand(raw, async (reporter) => {
          const o = parseOptions(deployOptions, raw);
          const claimBondWei = parseEthAmount(o.claimBond, '--claim-bond', true);
          const minChallengerBondWei = parseEthAmount(
            o.minChallengerBond,
            '--min-challenger-bond',
            true,
          );
          const record = await withChain({ ...(await persistentChain(o)), reporter }, (chain) =>
            deployMarket(chain, {
              claimTtl: o.claimTtl,
              claimBondWei,
              claimBondBps: o.claimBondBps,
              minChallengerBondWei,
              makeDefault: o.default,
              reporter,
            }),
          );
          reporter.result({ ok: true, ...record }, () =>
            table([
              ['market', record.address],
              ['chain', record.chainId],
              ['claim ttl', `${record.claimTtl} s`],
              [
                'claim bond',
                `${(record.claimBondBps ?? 0) / 100}% of the reward, at least ${formatEther(record.claimBondWei)} ETH`,
              ],
              ['min challenger bond', `${formatEther(record.minChallengerBondWei ?? 0)} ETH`],
              [
                'default',
                record.isDefault
                  ? 'yes: commands without --market use it'
                  : `no, still ${record.defaultMarket} (\`pocompute market use\` changes it)`,
              ],
              ['gas used', record.gasUsed],
            ]),
          );
        }),
      ),
  );
  market.addCommand(
    withCommonOptions(withChainOptions(new Command('list')))
      .description('List the markets recorded for this chain, the default marked')
      .action((raw) =>
        runCommand(raw, async (reporter) => {
          const o = parseOptions(listOptions, raw);
          const markets = await withChain({ ...(await persistentChain(o)), reporter }, listMarkets);
          reporter.result({ ok: true, markets }, () =>
            table(
              markets.map((m) => [
                m.isDefault ? '*' : '',
                m.address,
                `${m.claimTtl} s`,
                `${formatEther(m.claimBondWei ?? '0')} ETH`,
              ]),
              ['default', 'market', 'claim ttl', 'claim bond'],
            ),
          );
        }),
      ),
  );
  market.addCommand(
    withCommonOptions(withChainOptions(new Command('use')))
      .description("Make a recorded market this chain's default")
      .argument('<address>')
      .action((target: string, raw) =>
        runCommand(raw, async (reporter) => {
          const o = parseOptions(listOptions, raw);
          const record = await withChain({ ...(await persistentChain(o)), reporter }, (chain) =>
            useMarket(chain, parseOptions(address, target)),
          );
          reporter.result(
            { ok: true, default: record.address },
            () => `default market: ${record.address}`,
          );
        }),
      ),
  );
  return market;
}
