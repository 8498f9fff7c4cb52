import { parseEther } from 'ethers';
import { PocomputeError } from '../core/errors.js';

/** The longest duration a market option accepts: ten years, far inside the contract's uint64. */
export const MAX_DURATION_SECONDS = 10 * 365 * 86_400;
/** The largest amount a market option accepts: a billion ETH, far inside uint256. */
export const MAX_AMOUNT_WEI = parseEther('1000000000');

const UNIT_SECONDS = { '': 1, s: 1, m: 60, h: 3600, d: 86400 } as const;

/**
 * "1h", "30m", "90s", "2d" or plain seconds, between 1 s and ten years. Anything else (exponents,
 * fractions, 1e20d) is a usage error, never a number that overflows on the chain.
 */
export function parseDuration(text: string, option = '--deadline'): number {
  const match = /^(\d{1,12})\s*([smhd]?)$/.exec(text.trim());
  const seconds = match
    ? Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS]
    : 0;
  if (!match || seconds < 1 || seconds > MAX_DURATION_SECONDS)
    throw new PocomputeError(
      'OPTION_INVALID',
      `${option} must be a duration from 1s to 3650d, like 90s, 30m, 1h or 2d (got "${clip(text)}")`,
    );
  return seconds;
}

/** An amount of ETH like 0.05: positive (or zero when allowed), at most a billion ETH. */
export function parseEthAmount(text: string, option: string, allowZero = false): bigint {
  let wei: bigint | undefined;
  try {
    if (/^\d{1,10}(\.\d{1,18})?$/.test(text.trim())) wei = parseEther(text.trim());
  } catch {
    wei = undefined;
  }
  if (wei === undefined || (allowZero ? wei < 0n : wei <= 0n) || wei > MAX_AMOUNT_WEI)
    throw new PocomputeError(
      'OPTION_INVALID',
      `${option} must be ${allowZero ? 'an' : 'a positive'} amount of ETH up to 1e9, like 0.05 (got "${clip(text)}")`,
    );
  return wei;
}

export const parseReward = (eth: string): bigint => parseEthAmount(eth, '--reward');

const clip = (text: string) => (text.length > 40 ? `${text.slice(0, 40)}…` : text);
