import { type Contract, formatEther } from 'ethers';
import { toPocomputeError } from '../core/errors.js';
import { ZERO } from './attestModel.js';
import { attestPipeline } from './attestPipeline.js';
import { challengeBatchTask, settleBatchChallenge } from './batchDisputes.js';
import { openBatches } from './openBatches.js';
import { chainNow } from './postTask.js';
import { readBatch, readBatchInputs, readBatchResults } from './readBatch.js';
import { firstWrongStage, unanswerableStage } from './watchVerdict.js';
import { type PipelineResult, unwitnessableStage, witnessPipeline } from './witnessPipeline.js';

/** What the watcher logs about a batch (the single task's events, for `batch:<id>:<index>`). */
export type BatchWatchEvent =
  | { event: 'correct'; taskId: string; submitter: string }
  | {
      event: 'challenged';
      taskId: string;
      stage: number;
      reason: string;
      submitter: string;
      txHash: string;
      responseDeadline: number;
    }
  | {
      event: 'settled';
      taskId: string;
      stage: number;
      paidEth: string;
      challenger: string;
      txHash: string;
    }
  | { event: 'answered'; taskId: string; stage: number; lostEth: string }
  | { event: 'skipped'; taskId: string; reason: string };

/** The watcher's memory of a batch: judged once; the (task, stage) pairs it challenged. */
export interface BatchWatchState {
  judged: boolean;
  mine: { index: number; stage: number }[];
}

/**
 * One look at a batch's standing results (true when there is nothing more to watch): judges every
 * task once — its inputs and results read from the batch's events and checked against the roots,
 * the results recomputed from this machine's attested stage witnesses — and challenges the first
 * wrong stage of every wrong task (challenges of a batch never block each other); settles its
 * challenges left unanswered and reports the answered ones.
 */
export async function watchBatch(params: {
  market: Contract;
  watcher: string;
  artifactsRoots?: string[];
  key: string;
  state: BatchWatchState;
  log: (event: BatchWatchEvent) => void;
  totals: { checked: number; challenged: number; settled: number };
}): Promise<boolean> {
  const { market, key, state, log, totals } = params;
  const batchId = key.slice('batch:'.length);
  const batches = openBatches(market);
  const view = await readBatch(market, batchId);
  const now = await chainNow(market.runner!.provider!);
  for (const c of [...state.mine]) {
    const challenge = await batches.getChallenge(BigInt(batchId), c.index, c.stage);
    const name = `${key}:${c.index}`;
    if (challenge.challenger === ZERO) {
      if (challenge.answered)
        log({
          event: 'answered',
          taskId: name,
          stage: c.stage,
          lostEth: formatEther(view.challengerBondWei),
        });
      state.mine = state.mine.filter((m) => m !== c);
    } else if (now >= Number(challenge.responseDeadline)) {
      // Unanswered: that task is closed; its bond share and the challenger bond come back here.
      const settled = await settleBatchChallenge({ market, batchId, ...c });
      totals.settled++;
      log({
        event: 'settled',
        taskId: name,
        stage: c.stage,
        paidEth: formatEther(view.challengerBondWei + view.workerBondWei - view.workerBondWei / 2n),
        challenger: params.watcher,
        txHash: settled.txHash,
      });
      state.mine = state.mine.filter((m) => m !== c);
    }
  }
  if (view.status !== 'submitted') return state.mine.length === 0;
  if (state.judged || now >= view.windowEnd) return state.mine.length === 0;
  const verdicts = await judgeBatch(params.market, view.pipelineId, batchId, params.artifactsRoots);
  if (typeof verdicts === 'string') {
    log({ event: 'skipped', taskId: key, reason: verdicts });
    return true;
  }
  totals.checked++;
  state.judged = true;
  const wrong = verdicts.filter((v) => v.verdict !== undefined);
  if (wrong.length === 0) log({ event: 'correct', taskId: key, submitter: view.submitter });
  for (const { index, verdict } of wrong) {
    if (await batches.isClosed(BigInt(batchId), index)) continue;
    const stage = verdict!.stage;
    const open = await batches.getChallenge(BigInt(batchId), index, stage);
    if (open.challenger !== ZERO) continue; // someone challenged it already: it will be caught
    const sent = await challengeBatchTask({ market, batchId, index, stage }).catch((error) => {
      const e = toPocomputeError(error);
      if (e.code === 'TX_REVERTED' && /ChallengeOpen|TaskClosed/.test(e.message)) return undefined;
      throw e;
    });
    if (!sent) continue;
    state.mine.push({ index, stage });
    totals.challenged++;
    log({
      event: 'challenged',
      taskId: `${key}:${index}`,
      stage,
      reason: verdict!.reason,
      submitter: view.submitter,
      txHash: sent.txHash,
      responseDeadline: sent.responseDeadline,
    });
  }
  return state.mine.length === 0;
}

/** Every task's verdict (its first wrong stage, or undefined), or why the batch cannot be judged. */
async function judgeBatch(
  market: Contract,
  pipelineId: string,
  batchId: string,
  artifactsRoots?: string[],
) {
  let stages: Awaited<ReturnType<typeof attestPipeline>>['stages'];
  try {
    stages = (await attestPipeline({ market, pipelineId, artifactsRoots })).stages;
  } catch (error) {
    const e = toPocomputeError(error);
    if (e.code === 'ARTIFACTS_INVALID' || e.code === 'VERIFIER_UNTRUSTED')
      return `pipeline ${pipelineId} cannot be checked here: ${e.message}`;
    throw e;
  }
  const view = await readBatch(market, batchId);
  const inputs = await readBatchInputs(market, view);
  const results = await readBatchResults(market, view);
  const verdicts = [];
  for (const [index, task] of inputs.entries()) {
    const stated = { outputs: results.outputs[index], boundaries: results.boundaries[index] };
    let expected: PipelineResult;
    try {
      expected = await witnessPipeline({ stages, inputs: task });
    } catch (error) {
      const failure = unwitnessableStage(error);
      if (!failure) throw error;
      verdicts.push({ index, verdict: unanswerableStage(stated, failure) });
      continue;
    }
    verdicts.push({ index, verdict: firstWrongStage(stated, expected) });
  }
  return verdicts;
}
