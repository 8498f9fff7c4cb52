import { readFile } from 'node:fs/promises';
import type { Artifacts } from '../prover/artifacts.js';
import { type EzklSettings, estimateProveCost } from '../prover/optimizer/costModel.js';

/**
 * A conservative prove-time estimate for a circuit never proved on this machine, from its
 * estimated prover work (estimateProveCost: 2^logrows × weighted committed columns): 10 s of
 * fixed cost (loading the proving key, the SRS, the witness) plus 120 s per million column-rows.
 * The circuit benchmark measures 6–104 s of prove wall time per million column-rows on a
 * 2-core machine (README, "Circuit optimiser"); 120 s is above every one of them, so the estimate
 * errs towards refusing a task, never towards a bond lost for want of time.
 */
const ESTIMATE_FIXED_SECONDS = 10;
const ESTIMATE_SECONDS_PER_MILLION = 120;

export function estimateProveSeconds(settings: EzklSettings): number {
  const { cost } = estimateProveCost(settings);
  return Math.ceil(ESTIMATE_FIXED_SECONDS + (cost / 1e6) * ESTIMATE_SECONDS_PER_MILLION);
}

/** The estimate for compiled artifacts (their settings.json). */
export async function estimateArtifactsProveSeconds(artifacts: Artifacts): Promise<number> {
  const settings = JSON.parse(
    await readFile(artifacts.path('settings.json'), 'utf8'),
  ) as EzklSettings;
  return estimateProveSeconds(settings);
}

/**
 * Why a response time is too short to answer a challenge of the slowest stage, or undefined. A
 * stage's prove time is its last measurement on this machine, else the conservative estimate;
 * the response time must be at least twice the slowest stage's plus a safety margin (a busy
 * machine, a slow RPC, a retried transaction).
 */
export function responseTimeShortfall(params: {
  responseSeconds: number;
  /** Per stage: the last measured prove time (ms), or undefined if never proved here. */
  measuredMs: (number | undefined)[];
  /** Per stage: the estimated prove time (s). */
  estimatedSeconds: number[];
  safetySeconds?: number;
}): string | undefined {
  let slowest = 0;
  let how = 'measured';
  for (const [i, measured] of params.measuredMs.entries()) {
    const seconds =
      measured !== undefined ? Math.ceil(measured / 1000) : params.estimatedSeconds[i];
    if (seconds > slowest) {
      slowest = seconds;
      how = measured !== undefined ? 'measured' : 'estimated from its circuit, never proved here';
    }
  }
  const needed = slowest * 2 + (params.safetySeconds ?? 30);
  if (params.responseSeconds >= needed) return undefined;
  return (
    `too little time to answer a challenge: ${params.responseSeconds} s, proving takes ` +
    `~${slowest} s (${how}); needs at least ${needed} s`
  );
}
