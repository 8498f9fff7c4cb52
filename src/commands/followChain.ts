import type { Contract } from 'ethers';
import type { ChainContext } from '../chain/chainContext.js';
import { z } from 'zod';
import { defineOptions, option } from '../core/cliOptions.js';
import type { Reporter } from '../core/output.js';
import { stopsGracefullyOnSignals } from '../core/tempDirs.js';
import { type MarketOptions, withMarket } from './marketOptions.js';

/**
 * Options of the commands that follow the market until stopped (`worker`, `watch`, besides the
 * market's): `what` they look for, and what their extra artifacts directory holds.
 */
export const followOptions = (what: string, artifacts: string) =>
  defineOptions({
    pollMs: option(
      z.coerce.number().int().min(100).default(1000),
      '<ms>',
      `how often to look for new ${what}`,
    ),
    artifactsRoot: option(z.string().optional(), '<dir>', artifacts),
    stateFile: option(
      z.string().optional(),
      '<file>',
      'where it keeps its progress (default: under ~/.pocompute/workers)',
    ),
    maxBlockRange: option(
      z.coerce.number().int().min(1).max(100_000).default(500),
      '<blocks>',
      'widest block range per event query',
    ),
  });

/** What a follower runs with: the market, its own signed address, a stop signal and an event log. */
export interface Follow<E> {
  market: Contract;
  chain: ChainContext;
  address: string;
  signal: AbortSignal;
  log: (event: E) => void;
}

/**
 * Opens the market with the signing key and runs `follow` until Ctrl-C / SIGTERM (work in progress
 * is finished, not cut short), printing one line per event — JSON lines under --json, timestamped
 * plain lines otherwise — and the totals.
 */
export async function followUntilStopped<E extends object, T extends object>(params: {
  options: MarketOptions;
  reporter: Reporter;
  /** Who follows, for the first line: "worker", "watcher". */
  role: string;
  describe: (event: E) => string;
  follow: (context: Follow<E>) => Promise<T>;
  summary: (totals: T) => string;
}): Promise<void> {
  const { reporter } = params;
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  stopsGracefullyOnSignals();
  const log = (e: E) => {
    if (reporter.json)
      process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...e })}\n`);
    else process.stdout.write(`${new Date().toISOString()} ${params.describe(e)}\n`);
  };
  const totals = await withMarket(params.options, reporter, true, async (market, chain) => {
    const { address } = await chain.signer();
    reporter.info(
      `${params.role} ${address} on market ${await market.getAddress()} (chain ${chain.chainId})`,
    );
    return params.follow({ market, chain, address, signal: controller.signal, log });
  });
  if (reporter.json) process.stdout.write(`${JSON.stringify({ event: 'stopped', ...totals })}\n`);
  else reporter.info(`stopped: ${params.summary(totals)}`);
}
