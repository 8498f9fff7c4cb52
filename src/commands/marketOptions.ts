import { z } from 'zod';
import { openChain, type ChainContext } from '../chain/chainContext.js';
import { defineOptions, option, type OptionsOf } from '../core/cliOptions.js';
import type { Reporter } from '../core/output.js';
import { openMarket } from '../market/market.js';
import type { Contract } from 'ethers';
import { chainOptions, chainOptionsFrom } from './chainOptions.js';

/** The options of every command that uses the market: the chain's, and the market's address. */
export const marketOptions = defineOptions(chainOptions, {
  market: option(
    z
      .string()
      .regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x address')
      .optional(),
    '<address>',
    'market contract (default: the one `market deploy` recorded for this chain)',
  ),
});
export type MarketOptions = OptionsOf<typeof marketOptions>;

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
