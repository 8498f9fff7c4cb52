import { PocomputeError } from './errors.js';

/** The longest duration an option accepts: ten years, far inside a contract's uint64. */
export const MAX_DURATION_SECONDS = 10 * 365 * 86_400;

const UNIT_SECONDS = { '': 1, s: 1, m: 60, h: 3600, d: 86400 } as const;

/** An option value as it may appear in a one-line message: at most 40 characters. */
export const clipOptionValue = (text: string) =>
  text.length > 40 ? `${text.slice(0, 40)}…` : text;

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
      `${option} must be a duration from 1s to 3650d, like 90s, 30m, 1h or 2d (got "${clipOptionValue(text)}")`,
    );
  return seconds;
}
