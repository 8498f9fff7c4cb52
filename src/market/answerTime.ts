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
 * A standing result's load on the prover: its response time, its slowest stage's prove time and,
 * for a batch, how many answers a challenge of all its (task, stage) pairs asks for and how far
 * apart the contract spaces their deadlines (PocomputeBatches: the k-th falls due at least
 * responseTime + (k − 1) × ⌊responseTime / 2⌋ after they are opened together).
 */
export interface AnswerLoad {
  responseSeconds: number;
  proveSeconds: number;
  answers?: number;
  spacingSeconds?: number;
  how?: string;
}

/** The time a batch answer takes to be mined once proved (one answer per block, 12 s blocks). */
export const ANSWER_MINE_SECONDS = 12;

/**
 * Why one more standing result would be too many to answer, or undefined. Every standing result
 * may be challenged at the same moment, and the worker proves one answer at a time, earliest
 * deadline first; so, sorted by deadline, the k-th answer must fit the time of the first k plus
 * one more (a failed attempt, re-proved) and a safety margin (a busy machine, a slow RPC,
 * a retried transaction). With nothing standing this is the single-task rule: twice the prove
 * time plus the margin. A batch's answers each take their prove time plus the time to mine one
 * (`mineSeconds`, default ANSWER_MINE_SECONDS), and fall due `spacingSeconds` apart.
 */
export function capacityShortfall(params: {
  /** The candidate task: its response time and its slowest stage's prove time (s). */
  candidate: AnswerLoad;
  /** The standing results that could be challenged together with it. */
  standing: AnswerLoad[];
  safetySeconds?: number;
  maxOpen?: number;
  mineSeconds?: number;
}): string | undefined {
  const { candidate, standing } = params;
  const safety = params.safetySeconds ?? 30;
  const mine = params.mineSeconds ?? ANSWER_MINE_SECONDS;
  if (params.maxOpen !== undefined && standing.length + 1 > params.maxOpen)
    return `already ${standing.length} standing results (the limit is ${params.maxOpen})`;
  const jobs: { deadline: number; cost: number; batch: boolean }[] = [];
  for (const r of [...standing, candidate]) {
    if (r.answers === undefined) {
      jobs.push({ deadline: r.responseSeconds, cost: r.proveSeconds, batch: false });
      continue;
    }
    const spacing = r.spacingSeconds ?? 0;
    for (let k = 0; k < r.answers; k++)
      jobs.push({
        deadline: r.responseSeconds + k * spacing,
        cost: r.proveSeconds + mine,
        batch: true,
      });
  }
  jobs.sort((a, b) => a.deadline - b.deadline);
  let busy = 0;
  let done = 0;
  for (const r of jobs) {
    busy += r.cost;
    done += 1;
    const needed = busy + r.cost + safety;
    if (r.deadline >= needed) continue;
    if (standing.length === 0 && !r.batch)
      return (
        `too little time to answer a challenge: ${candidate.responseSeconds} s, proving takes ` +
        `~${candidate.proveSeconds} s (${candidate.how ?? 'measured'}); needs at least ${needed} s`
      );
    if (standing.length === 0)
      return (
        `too little time to answer every challenge of the batch: answer ${done} of ${jobs.length} ` +
        `falls due ${r.deadline} s after they are opened together, but proving (~${candidate.proveSeconds} s each, ` +
        `${candidate.how ?? 'measured'}) and mining (${mine} s each) end at ${needed} s`
      );
    return (
      `too many results to answer at once: with ${standing.length} standing, all challenged ` +
      `together need ${needed} s for one whose response time is ${r.deadline} s`
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
