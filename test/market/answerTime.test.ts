import { describe, expect, it } from 'vitest';
import {
  capacityShortfall,
  estimateProveSeconds,
  slowestStage,
} from '../../src/market/answerTime.js';
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

/** A result that takes `proveSeconds` to answer and must be answered within `responseSeconds`. */
const result = (responseSeconds: number, proveSeconds: number) => ({
  responseSeconds,
  proveSeconds,
});

describe("a stage's prove time", () => {
  it('estimates a never-proved circuit conservatively, growing with its rows', () => {
    const small = estimateProveSeconds(settings(10));
    const large = estimateProveSeconds(settings(15));
    expect(small).toBeGreaterThanOrEqual(10);
    expect(large).toBeGreaterThan(small);
  });

  it('is the slowest stage: measured where measured (ms, rounded up), else the estimate', () => {
    expect(slowestStage([5_001, 2_000], [0, 0])).toEqual({ seconds: 6, how: 'measured' });
    expect(slowestStage([undefined, 2_000], [200, 0])).toEqual({
      seconds: 200,
      how: 'estimated from its circuit, never proved here',
    });
    // A measurement replaces the estimate, even a larger one.
    expect(slowestStage([100_000], [500])).toEqual({ seconds: 100, how: 'measured' });
  });
});

describe('how many results a worker can answer at once (earliest deadline first)', () => {
  it('with nothing standing, is the single-task rule: twice the prove time plus the margin', () => {
    // 2 × 40 + 30 = 110 s.
    expect(capacityShortfall({ candidate: result(110, 40), standing: [] })).toBeUndefined();
    const reason = capacityShortfall({
      candidate: { ...result(109, 40), how: 'estimated from its circuit, never proved here' },
      standing: [],
    });
    expect(reason).toBe(
      'too little time to answer a challenge: 109 s, proving takes ~40 s ' +
        '(estimated from its circuit, never proved here); needs at least 110 s',
    );
    // The margin is the worker's: 2 × 40 + 5.
    expect(
      capacityShortfall({ candidate: result(85, 40), standing: [], safetySeconds: 5 }),
    ).toBeUndefined();
    expect(
      capacityShortfall({ candidate: result(84, 40), standing: [], safetySeconds: 5 }),
    ).toMatch(/needs at least 85 s/);
  });

  it('with k standing results of the same response time, the last answered needs k + 2 prove times plus the margin', () => {
    // 10 s each, 100 s to answer: the (k+1)-th answer ends at (k+1)·10, plus one retry and 30 s.
    const standing = (k: number) => Array.from({ length: k }, () => result(100, 10));
    for (let k = 0; k <= 5; k++)
      expect(capacityShortfall({ candidate: result(100, 10), standing: standing(k) })).toBe(
        undefined,
      );
    expect(capacityShortfall({ candidate: result(100, 10), standing: standing(6) })).toBe(
      'too many results to answer at once: with 6 standing, all challenged together need 110 s ' +
        'for one whose response time is 100 s',
    );
  });

  it('orders mixed response times earliest deadline first: a short one goes first and delays the rest', () => {
    // Alone, each fits: 2 × 25 + 30 = 80 ≤ 80, 2 × 20 + 30 = 70 ≤ 90.
    expect(capacityShortfall({ candidate: result(80, 25), standing: [] })).toBeUndefined();
    expect(capacityShortfall({ candidate: result(90, 20), standing: [] })).toBeUndefined();
    // Together the 80 s one is answered first (25 s), so the 90 s one ends at 45 + 20 + 30 = 95.
    expect(capacityShortfall({ candidate: result(80, 25), standing: [result(90, 20)] })).toMatch(
      /with 1 standing, all challenged together need 95 s for one whose response time is 90 s/,
    );
    // Given 95 s, it fits, whichever of the two is the candidate.
    expect(
      capacityShortfall({ candidate: result(80, 25), standing: [result(95, 20)] }),
    ).toBeUndefined();
    expect(
      capacityShortfall({ candidate: result(95, 20), standing: [result(80, 25)] }),
    ).toBeUndefined();
    // A candidate waits for every shorter one (10 s), not for a longer one: 10 + 50 + 50 + 30.
    const standing = [result(200, 20), result(60, 10)];
    expect(capacityShortfall({ candidate: result(140, 50), standing })).toBeUndefined();
    expect(capacityShortfall({ candidate: result(139, 50), standing })).toMatch(/need 140 s/);
    // The order the standing results are listed in does not matter.
    expect(
      capacityShortfall({ candidate: result(139, 50), standing: [...standing].reverse() }),
    ).toMatch(/need 140 s/);
  });

  it('admits a set that fits exactly and refuses one more', () => {
    // Response times (k+1)·p + margin for k = 1..4, taken in any order: exactly four fit; a
    // fifth with the longest of them does not.
    const p = 7;
    const times = [1, 2, 3, 4].map((k) => (k + 1) * p + 30);
    const standing: ReturnType<typeof result>[] = [];
    for (const t of [times[2], times[0], times[3], times[1]]) {
      expect(capacityShortfall({ candidate: result(t, p), standing })).toBeUndefined();
      standing.push(result(t, p));
    }
    expect(capacityShortfall({ candidate: result(times[3], p), standing })).toMatch(
      /too many results to answer at once: with 4 standing/,
    );
  });

  it('caps the number of standing results at maxOpen, whatever the time allows', () => {
    const standing = [result(3_600, 1), result(3_600, 1)];
    expect(
      capacityShortfall({ candidate: result(3_600, 1), standing, maxOpen: 3 }),
    ).toBeUndefined();
    expect(capacityShortfall({ candidate: result(3_600, 1), standing, maxOpen: 2 })).toBe(
      'already 2 standing results (the limit is 2)',
    );
    expect(
      capacityShortfall({ candidate: result(3_600, 1), standing: [], maxOpen: 1 }),
    ).toBeUndefined();
  });
});

describe('a batch: every (task, stage) challenged in one block (issue 19 review)', () => {
  // The review's case: 1 s proofs, 256 tasks × 2 stages, a 1,100 s response time.
  const batch = (
    responseSeconds: number,
    proveSeconds: number,
    answers: number,
    spacing: number,
  ) => ({
    responseSeconds,
    proveSeconds,
    answers,
    spacingSeconds: spacing,
  });

  it('counts the time to mine each answer, not only to prove it: 512 answers due together do not fit 1,100 s', () => {
    // The old contract: every deadline the same (no spacing). 512 × (1 + 12) s ≫ 1,100 s.
    expect(capacityShortfall({ candidate: batch(1100, 1, 512, 0), standing: [] })).toMatch(
      /too little time to answer every challenge of the batch: answer 82 of 512/,
    );
  });

  it('takes the batch when the contract spaces the deadlines ⌊responseTime / 2⌋ apart', () => {
    expect(
      capacityShortfall({ candidate: batch(1100, 1, 512, 550), standing: [] }),
    ).toBeUndefined();
  });

  it('refuses it when one answer (prove + mine) takes longer than the spacing', () => {
    // 540 s + 12 s > 550 s: the queue of answers falls behind its deadlines.
    expect(capacityShortfall({ candidate: batch(1100, 540, 8, 550), standing: [] })).toMatch(
      /too little time to answer every challenge of the batch/,
    );
    expect(
      capacityShortfall({ candidate: batch(1100, 500, 8, 550), standing: [] }),
    ).toBeUndefined();
  });

  it('counts a standing batch against a new single task', () => {
    // Alone each fits: the batch's 4 answers (20 s + 12 s mined) due at 100, 130, 160, 190 s.
    expect(capacityShortfall({ candidate: batch(100, 20, 4, 30), standing: [] })).toBeUndefined();
    expect(capacityShortfall({ candidate: result(100, 10), standing: [] })).toBeUndefined();
    expect(
      capacityShortfall({ candidate: result(100, 10), standing: [batch(100, 20, 4, 30)] }),
    ).toMatch(/too many results to answer at once: with 1 standing/);
  });
});
