import { parseEther } from 'ethers';
import { clipOptionValue, MAX_DURATION_SECONDS, parseDuration } from '../core/duration.js';
import { PocomputeError } from '../core/errors.js';

export { MAX_DURATION_SECONDS, parseDuration };

/** The largest amount a market option accepts: a billion ETH, far inside uint256. */
export const MAX_AMOUNT_WEI = parseEther('1000000000');

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
      `${option} must be ${allowZero ? 'an' : 'a positive'} amount of ETH up to 1e9, like 0.05 (got "${clipOptionValue(text)}")`,
    );
  return wei;
}

export const parseReward = (eth: string): bigint => parseEthAmount(eth, '--reward');
