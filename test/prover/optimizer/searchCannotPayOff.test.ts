import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DECOMPOSITIONS, INNER_COLUMNS } from '../../../src/prover/optimizer/candidates.js';
import {
  type EzklSettings,
  estimateProveCost,
  sizeBound,
} from '../../../src/prover/optimizer/costModel.js';
import { COST_MARGIN, searchCannotPayOff } from '../../../src/prover/optimizer/optimizeCircuit.js';

/** EZKL-calibrated settings: the rows and the range-check table set logrows as EZKL does. */
function calibrated(p: {
  rows: number;
  cols?: number;
  decomp?: [number, number];
  lookupSpan?: number;
}): EzklSettings {
  const cols = p.cols ?? 2;
  const [base, legs] = p.decomp ?? [16384, 2];
  const longest = Math.max(base, p.lookupSpan ?? 0);
  const logrows = Math.max(Math.ceil(Math.log2(p.rows + 6)), Math.ceil(Math.log2(longest + 6)));
  return {
    run_args: {
      logrows,
      num_inner_cols: cols,
      decomp_base: base,
      decomp_legs: legs,
      input_scale: 13,
      param_scale: 13,
      scale_rebase_multiplier: 1,
      lookup_range: p.lookupSpan ? [-(p.lookupSpan >> 1), (p.lookupSpan >> 1) - 1] : [0, 0],
      bounded_log_lookup: false,
    },
    num_rows: p.rows,
    total_assignments: p.rows * cols,
    total_const_size: 3279,
    required_lookups: p.lookupSpan ? ['ReLU'] : [],
    required_range_checks: [
      [-1, 1],
      [0, base - 1],
    ],
    model_input_scales: [13],
    model_output_scales: [13],
  };
}

describe('the optimiser skips its search when EZKL settings are row-bound', () => {
  it("calls the 784-56-10 MLP's EZKL settings row-bound (28,256 rows at 2^15, table 16,384)", () => {
    const settings = calibrated({ rows: 28_256 });
    expect(settings.run_args.logrows).toBe(15);
    expect(sizeBound(settings)).toMatchObject({ by: 'rows', longestTable: 16_384 });
    expect(searchCannotPayOff(settings)).toBe(true);
  });

  it("calls the mlp fixture's table-bound (518 rows at 2^15, set by the 2^14 table) and searches", () => {
    const settings = calibrated({ rows: 518 });
    expect(sizeBound(settings).by).toBe('table');
    expect(searchCannotPayOff(settings)).toBe(false);
  });

  it('is table-bound when a lookup table is longer than the rows, even if the rows need 2^logrows', () => {
    const settings = calibrated({ rows: 20_000, lookupSpan: 2 ** 15 - 6 });
    expect(sizeBound(settings).by).toBe('table');
    expect(searchCannotPayOff(settings)).toBe(false);
  });

  it('still searches a row-bound circuit whose rows just overflow half its size (wrapping may pay)', () => {
    // 2^14 + 1 rows at 2^15 with a small table: at 2^13 the advice wraps into 3 blocks, estimated
    // 0.75× — a candidate the search must try (and prove) rather than skip.
    const settings = calibrated({ rows: 2 ** 14 + 1, decomp: [256, 4] });
    expect(sizeBound(settings).by).toBe('rows');
    expect(searchCannotPayOff(settings)).toBe(false);
  });

  it('skips only where no candidate EZKL would size could be estimated ≥ 25% cheaper', () => {
    // Whenever the search is skipped, every layout variant (another decomposition: more legs, so
    // at least as many rows; other inner columns: the same assignments over more or fewer
    // columns), as EZKL would calibrate it, costs more than COST_MARGIN × EZKL's, as do the
    // logrows-below variants of the baseline (checked by searchCannotPayOff itself).
    fc.assert(
      fc.property(
        fc.integer({ min: 12, max: 20 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom(...INNER_COLUMNS),
        fc.constantFrom(...INNER_COLUMNS),
        fc.constantFrom(...DECOMPOSITIONS),
        fc.double({ min: 1, max: 1.5, noNaN: true }),
        (k, at, cols, otherCols, decomp, moreRows) => {
          const rows = Math.floor(2 ** (k - 1) - 6 + at * 2 ** (k - 1)) + 1;
          const baseline = calibrated({ rows, cols });
          if (!searchCannotPayOff(baseline)) return;
          const variant = calibrated({
            rows: Math.ceil((rows * cols * moreRows) / otherCols),
            cols: otherCols,
            decomp: decomp as [number, number],
          });
          expect(estimateProveCost(variant).cost).toBeGreaterThan(
            COST_MARGIN * estimateProveCost(baseline).cost,
          );
        },
      ),
      { numRuns: 5000 },
    );
  });
});
