import type { Command } from 'commander';
import { z } from 'zod';
import { openChain, type ChainContext } from '../chain/chainContext.js';
import type { Reporter } from '../core/output.js';
import { openMarket } from '../market/market.js';
import type { Contract } from 'ethers';
import { chainOptionsFrom, chainOptionsSchema, withChainOptions } from './chainOptions.js';

export const marketOptionsSchema = chainOptionsSchema.extend({
  market: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x address')
    .optional(),
  json: z.boolean().optional(),
});
export type MarketOptions = z.infer<typeof marketOptionsSchema>;

export function withMarketOptions(command: Command): Command {
  return withChainOptions(command).option(
    '--market <address>',
    'market contract (default: the one `market deploy` recorded for this chain)',
  );
}

/** Opens the chain and the market for one command, and closes the chain afterwards. */
export async function withMarket<T>(
  o: MarketOptions,
  reporter: Reporter,
  signed: boolean,
  work: (market: Contract, chain: ChainContext) => Promise<T>,
): Promise<T> {
  // persistent: a market on a chain that vanishes with the command is a trap, never a default.
  const chain = await openChain({ ...(await chainOptionsFrom(o)), reporter, persistent: true });
  try {
    return await work(await openMarket({ chain, address: o.market, withSigner: signed }), chain);
  } finally {
    await chain.close();
  }
}
