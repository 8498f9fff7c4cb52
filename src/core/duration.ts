import { PocomputeError } from './errors.js';

const UNIT_SECONDS = { '': 1, s: 1, m: 60, h: 3600, d: 86400 } as const;

/** At most ten years: anything longer is a typo, and would overflow a uint64 deadline later. */
export const MAX_DURATION_SECONDS = 10 * 365 * 86400;

/** Parses `90`, `90s`, `30m`, `1h`, `2d` into seconds; anything else is a usage error for `option`. */
export function parseDuration(text: string, option: string): number {
  const match = /^(\d{1,12})\s*([smhd]?)$/.exec(text.trim());
  const seconds = match
    ? Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS]
    : NaN;
  if (!match || !(seconds <= MAX_DURATION_SECONDS)) {
    throw new PocomputeError(
      'OPTION_INVALID',
      `${option} must be a duration like 90s, 30m, 1h or 2d, at most 3650d (got "${text}")`,
    );
  }
  return seconds;
}
