import { readFile } from 'node:fs/promises';
import type { Artifacts } from '../proof/artifacts.js';
import { type EzklSettings, estimateProveCost } from '../prover/optimizer/costModel.js';

/**
 * A conservative prove-time estimate for a circuit never proved on this machine, from its
 * estimated prover work (estimateProveCost: 2^logrows × weighted committed columns): 10 s of
 * fixed cost (loading the proving key, the SRS, the witness) plus 120 s per million column-rows.
 * The circuit benchmark measures 6–104 s of prove wall time per million column-rows on a
 * 2-core machine (docs/commands.md, "The circuit optimiser"); 120 s is above every one of them, so the estimate
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
 * Why one more standing result would be too many to answer, or undefined. Every standing result
 * may be challenged at the same moment, and the worker proves one answer at a time, earliest
 * deadline first; so, sorted by response time, the k-th must fit the prove times of the first k
 * plus one more (a failed attempt, re-proved) and a safety margin (a busy machine, a slow RPC,
 * a retried transaction). With nothing standing this is the single-task rule: twice the prove
 * time plus the margin.
 */
export function capacityShortfall(params: {
  /** The candidate task: its response time and its slowest stage's prove time (s). */
  candidate: { responseSeconds: number; proveSeconds: number; how?: string };
  /** The standing results that could be challenged together with it. */
  standing: { responseSeconds: number; proveSeconds: number }[];
  safetySeconds?: number;
  maxOpen?: number;
}): string | undefined {
  const { candidate, standing } = params;
  const safety = params.safetySeconds ?? 30;
  if (params.maxOpen !== undefined && standing.length + 1 > params.maxOpen)
    return `already ${standing.length} standing results (the limit is ${params.maxOpen})`;
  const all = [...standing, candidate].sort((a, b) => a.responseSeconds - b.responseSeconds);
  let busy = 0;
  for (const r of all) {
    busy += r.proveSeconds;
    const needed = busy + r.proveSeconds + safety;
    if (r.responseSeconds >= needed) continue;
    if (standing.length === 0)
      return (
        `too little time to answer a challenge: ${candidate.responseSeconds} s, proving takes ` +
        `~${candidate.proveSeconds} s (${candidate.how ?? 'measured'}); needs at least ${needed} s`
      );
    return (
      `too many results to answer at once: with ${standing.length} standing, all challenged ` +
      `together need ${needed} s for one whose response time is ${r.responseSeconds} s`
    );
  }
  return undefined;
}

/** The slowest stage's prove time (s): measured here, else the estimate from its circuit. */
export function slowestStage(
  measuredMs: (number | undefined)[],
  estimatedSeconds: number[],
): { seconds: number; how: string } {
  let seconds = 0;
  let how = 'measured';
  for (const [i, measured] of measuredMs.entries()) {
    const s = measured !== undefined ? Math.ceil(measured / 1000) : estimatedSeconds[i];
    if (s > seconds) {
      seconds = s;
      how = measured !== undefined ? 'measured' : 'estimated from its circuit, never proved here';
    }
  }
  return { seconds, how };
}
