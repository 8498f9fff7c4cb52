import { Command } from 'commander';
import { formatEther } from 'ethers';
import { z } from 'zod';
import { withChain } from '../chain/chainContext.js';
import { defineOptions, flag, option, type OptionsOf } from '../core/cliOptions.js';
import { commonOptions, parseOptions, runCommand } from '../core/command.js';
import { table } from '../core/output.js';
import { deployMarket, listMarkets, useMarket } from '../market/market.js';
import { MAX_DURATION_SECONDS, parseEthAmount } from '../market/parseMarketOptions.js';
import { chainOptions, chainOptionsFrom } from './chainOptions.js';

const deployOptions = defineOptions(chainOptions, commonOptions, {
  claimTtl: option(
    z.coerce
      .number()
      .int()
      .positive()
      .max(MAX_DURATION_SECONDS, 'must be at most ten years in seconds')
      .default(600),
    '<seconds>',
    'how long a worker holds a claimed task before others may take it',
  ),
  claimBond: option(
    z.string().default('0.001'),
    '<eth>',
    'the smallest claim bond; a claim locks the larger of this and --claim-bond-bps of the reward, lost to the task if it lapses',
  ),
  claimBondBps: option(
    z.coerce.number().int().min(0).max(10_000).default(1_000),
    '<bps>',
    'claim bond as basis points of the reward',
  ),
  minChallengerBond: option(
    z.string().default('0.05'),
    '<eth>',
    "the smallest challenger bond an optimistic task may ask (covers the worker's answer gas)",
  ),
  default: flag("make it this chain's default market even if one is recorded"),
});
const listOptions = defineOptions(chainOptions, commonOptions);
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x address');

/** Market commands need a chain that outlives them: no embedded anvil. */
const persistentChain = async (o: OptionsOf<typeof chainOptions>) => ({
  ...(await chainOptionsFrom(o)),
  persistent: true,
});

export function marketCommand(): Command {
  const market = new Command('market').description('The proof-of-compute market contract');
  market.addCommand(
    deployOptions
      .addTo(new Command('deploy'))
      .description('Deploy PocomputeMarket (tasks with escrowed rewards, paid for valid proofs)')
      .action((raw) =>
        runCommand(raw, async (reporter) => {
          const o = deployOptions.parse(raw);
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
    listOptions
      .addTo(new Command('list'))
      .description('List the markets recorded for this chain, the default marked')
      .action((raw) =>
        runCommand(raw, async (reporter) => {
          const o = listOptions.parse(raw);
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
    listOptions
      .addTo(new Command('use'))
      .description("Make a recorded market this chain's default")
      .argument('<address>')
      .action((target: string, raw) =>
        runCommand(raw, async (reporter) => {
          const o = listOptions.parse(raw);
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
