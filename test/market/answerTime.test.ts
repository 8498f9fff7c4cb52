import { describe, expect, it } from 'vitest';
import { estimateProveSeconds, responseTimeShortfall } from '../../src/market/answerTime.js';
import type { EzklSettings } from '../../src/prover/optimizer/costModel.js';

const settings = (logrows: number): EzklSettings => ({
  run_args: {
    logrows,
    num_inner_cols: 2,
    decomp_base: 16384,
    decomp_legs: 2,
    input_scale: 7,
    param_scale: 7,
    scale_rebase_multiplier: 1,
    lookup_range: [-512, 512],
    bounded_log_lookup: false,
  },
  num_rows: 2 ** logrows / 2,
  total_assignments: 2 ** logrows,
  total_const_size: 0,
  required_lookups: ['ReLU'],
  required_range_checks: [[-1, 1]],
  model_input_scales: [7],
  model_output_scales: [7],
});

describe('how long a worker needs to answer a challenge', () => {
  it('estimates a never-proved circuit conservatively, growing with its rows', () => {
    const small = estimateProveSeconds(settings(10));
    const large = estimateProveSeconds(settings(15));
    expect(small).toBeGreaterThanOrEqual(10);
    expect(large).toBeGreaterThan(small);
  });

  it('refuses a response time under twice the estimate plus the margin when nothing was measured', () => {
    const reason = responseTimeShortfall({
      responseSeconds: 60,
      measuredMs: [undefined, undefined],
      estimatedSeconds: [40, 200],
    });
    expect(reason).toMatch(/too little time to answer a challenge: 60 s, proving takes ~200 s/);
    expect(reason).toMatch(/estimated from its circuit/);
    expect(
      responseTimeShortfall({
        responseSeconds: 430,
        measuredMs: [undefined, undefined],
        estimatedSeconds: [40, 200],
      }),
    ).toBeUndefined();
  });

  it('uses a measured prove time where there is one', () => {
    expect(
      responseTimeShortfall({ responseSeconds: 60, measuredMs: [5_000], estimatedSeconds: [500] }),
    ).toBeUndefined();
    expect(
      responseTimeShortfall({ responseSeconds: 60, measuredMs: [100_000], estimatedSeconds: [0] }),
    ).toMatch(/~100 s \(measured\)/);
  });
});
