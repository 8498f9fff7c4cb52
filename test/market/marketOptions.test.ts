import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PocomputeError } from '../../src/core/errors.js';
import {
  MAX_AMOUNT_WEI,
  MAX_DURATION_SECONDS,
  parseDuration,
  parseEthAmount,
} from '../../src/market/parseMarketOptions.js';

/** Either a value in range, or a one-line usage error (exit 2): never a throw of another kind. */
function outcome<T>(parse: () => T): { ok: true; value: T } | { ok: false } {
  try {
    return { ok: true, value: parse() };
  } catch (error) {
    expect(error).toBeInstanceOf(PocomputeError);
    expect((error as PocomputeError).exitCode).toBe(2);
    expect((error as PocomputeError).message).not.toMatch(/\n/);
    return { ok: false };
  }
}

const numberish = fc.oneof(
  fc.string(),
  fc.double().map(String),
  fc.bigInt().map(String),
  fc
    .tuple(fc.bigInt({ min: 0n, max: 10n ** 40n }), fc.constantFrom('', 's', 'm', 'h', 'd', 'e20d'))
    .map(([n, unit]) => `${n}${unit}`),
  fc.constantFrom('1e20d', '1e30', '1e308', '-1', '0', 'NaN', 'Infinity', '0x10', ' 5m ', '1.5h'),
);

describe('market option parsers', () => {
  it('a duration is 1 s to ten years, or a usage error', () => {
    fc.assert(
      fc.property(numberish, (text) => {
        const r = outcome(() => parseDuration(text));
        if (r.ok) {
          expect(Number.isSafeInteger(r.value)).toBe(true);
          expect(r.value).toBeGreaterThanOrEqual(1);
          expect(r.value).toBeLessThanOrEqual(MAX_DURATION_SECONDS);
        }
      }),
      { numRuns: 2000 },
    );
    expect(parseDuration('5m')).toBe(300);
    expect(outcome(() => parseDuration('1e20d')).ok).toBe(false);
    expect(outcome(() => parseDuration('99999999999999999999d')).ok).toBe(false);
  });

  it('an amount is a positive wei value up to a billion ETH, or a usage error', () => {
    fc.assert(
      fc.property(numberish, fc.boolean(), (text, allowZero) => {
        const r = outcome(() => parseEthAmount(text, '--reward', allowZero));
        if (r.ok) {
          expect(r.value).toBeGreaterThanOrEqual(allowZero ? 0n : 1n);
          expect(r.value).toBeLessThanOrEqual(MAX_AMOUNT_WEI);
        }
      }),
      { numRuns: 2000 },
    );
    expect(parseEthAmount('0.05', '--reward')).toBe(50_000_000_000_000_000n);
    for (const bad of ['1e30', '1e400', '0', '-1', 'lots', `${'9'.repeat(80)}`])
      expect(outcome(() => parseEthAmount(bad, '--reward')).ok).toBe(false);
  });
});
