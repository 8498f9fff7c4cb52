import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatEther, type Contract } from 'ethers';
import { writeJsonAtomic } from '../core/files.js';
import { PocomputeError, toPocomputeError } from '../core/errors.js';
import { homePaths } from '../core/paths.js';
import { ZERO } from './attestModel.js';
import { attestPipeline } from './attestPipeline.js';
import { challengeStage } from './challengeStage.js';
import { readResult, type OptimisticResultView } from './readResult.js';
import { settleChallenge } from './settleChallenge.js';
import { type PipelineResult, unwitnessableStage, witnessPipeline } from './witnessPipeline.js';
import { firstWrongStage, unanswerableStage } from './watchVerdict.js';
import { type BatchWatchEvent, type BatchWatchState, watchBatch } from './batchWatcher.js';
import { openBatches } from './openBatches.js';

export { firstWrongStage, unanswerableStage } from './watchVerdict.js';
import { isTransientChainError } from '../chain/provider.js';
import { sleep } from '../core/sleep.js';

/** The single task's events are a batch task's (batchWatcher.ts), plus the loop's own. */
export type WatchEvent =
  | BatchWatchEvent
  | { event: 'failed'; taskId: string; code: string; reason: string }
  | { event: 'rpc-retry'; attempt: number; reason: string };

export interface WatcherParams {
  market: Contract;
  /** The watcher's own address: it pays challenge bonds and is paid for upheld challenges. */
  watcher: string;
  networkKey: string;
  signal: AbortSignal;
  log: (event: WatchEvent) => void;
  pollMs?: number;
  stateFile?: string;
  artifactsRoots?: string[];
  maxBlockRange?: number;
  /** One pass over what has been submitted so far (tests, cron-style runs). */
  once?: boolean;
}

/**
 * The watcher's memory. `watching`: optimistic tasks with a result in its window; `mine`: the
 * stage this watcher challenged, per task (to report its outcome).
 */
interface WatcherState {
  version: 1;
  nextBlock: number;
  /** Task ids, and `batch:<id>` for batches. */
  watching: string[];
  mine: Record<string, number>;
  batches?: Record<string, BatchWatchState>;
}

/**
 * Follows optimistic results (ResultSubmitted, and batches' BatchResultSubmitted, in bounded block
 * ranges), recomputes each one's
 * outputs and boundaries from the quantized witnesses of its pipeline's stages — with this
 * machine's attested artifacts and the task's on-chain inputs, never what the submission says
 * about itself — and challenges the first wrong stage. It settles challenges left unanswered.
 */
export async function runWatcher(
  params: WatcherParams,
): Promise<{ checked: number; challenged: number; settled: number }> {
  const { market, signal } = params;
  const marketAddress = await market.getAddress();
  const stateFile =
    params.stateFile ??
    join(
      homePaths.workers(),
      `watch-${params.networkKey}-${marketAddress.slice(2, 10)}-${params.watcher.slice(2, 10)}.json`,
    );
  const state: WatcherState = existsSync(stateFile)
    ? JSON.parse(await readFile(stateFile, 'utf8'))
    : { version: 1, nextBlock: 0, watching: [], mine: {} };
  const save = () => writeJsonAtomic(stateFile, state);
  const totals = { checked: 0, challenged: 0, settled: 0 };
  const maxRange = params.maxBlockRange ?? 500;
  let failures = 0;
  while (!signal.aborted) {
    try {
      const latest = await market.runner!.provider!.getBlockNumber();
      while (state.nextBlock <= latest && !signal.aborted) {
        const to = Math.min(latest, state.nextBlock + maxRange - 1);
        for (const event of await market.queryFilter(
          market.filters.ResultSubmitted(),
          state.nextBlock,
          to,
        )) {
          const id = (event as unknown as { args: { taskId: bigint } }).args.taskId.toString();
          if (!state.watching.includes(id)) state.watching.push(id);
        }
        const batches = openBatches(market);
        for (const event of await batches.queryFilter(
          batches.filters.BatchResultSubmitted(),
          state.nextBlock,
          to,
        )) {
          const id = (event as unknown as { args: { batchId: bigint } }).args.batchId;
          const key = `batch:${id}`;
          if (!state.watching.includes(key)) state.watching.push(key);
        }
        state.nextBlock = to + 1;
        await save();
      }
      failures = 0;
    } catch (error) {
      failures++;
      params.log({
        event: 'rpc-retry',
        attempt: failures,
        reason: toPocomputeError(error).message,
      });
      await sleep(Math.min(60_000, 500 * 2 ** failures), signal);
      continue;
    }
    for (const taskId of [...state.watching]) {
      if (signal.aborted) break;
      let done: boolean;
      try {
        if (taskId.startsWith('batch:')) {
          state.batches ??= {};
          state.batches[taskId] ??= { judged: false, mine: [] };
          done = await watchBatch({
            ...params,
            key: taskId,
            state: state.batches[taskId],
            totals,
          });
        } else done = await watchTask(params, state, taskId, totals);
      } catch (error) {
        const e = toPocomputeError(error);
        if (isTransientChainError(e)) continue;
        params.log({ event: 'failed', taskId, code: e.code, reason: e.message });
        done = true;
      }
      if (done) {
        state.watching = state.watching.filter((t) => t !== taskId);
        delete state.mine[taskId];
        delete state.batches?.[taskId];
      }
      await save();
    }
    if (params.once) break;
    await sleep(params.pollMs ?? 1_000, signal);
  }
  return totals;
}

/** One look at a task; true when there is nothing more to watch for its current result. */
async function watchTask(
  params: WatcherParams,
  state: WatcherState,
  taskId: string,
  totals: { checked: number; challenged: number; settled: number },
): Promise<boolean> {
  const { market } = params;
  const view = await readResult(market, taskId);
  const now = (await market.runner!.provider!.getBlock('latest'))!.timestamp;
  const mine = state.mine[taskId];
  if (mine !== undefined && view.answeredStages.includes(mine) && view.challenger === ZERO) {
    params.log({
      event: 'answered',
      taskId,
      stage: mine,
      lostEth: formatEther(view.challengerBondWei),
    });
    delete state.mine[taskId];
  }
  if (view.task.status !== 'submitted') return true;
  if (view.challenger !== ZERO) {
    if (now < view.responseDeadline) return false;
    // Unanswered: anyone may settle (the bonds go to the challenger); the task reopens.
    const settled = await settleChallenge(market, taskId);
    totals.settled++;
    params.log({
      event: 'settled',
      taskId,
      stage: view.challengedStage,
      paidEth: formatEther(settled.paidWei),
      challenger: settled.challenger,
      txHash: settled.txHash,
    });
    return true;
  }
  if (now >= view.windowEnd) return true; // too late to challenge; finalizing is the worker's
  const verdict = await judge(params, view);
  if (typeof verdict === 'string') {
    params.log({ event: 'skipped', taskId, reason: verdict });
    return true;
  }
  totals.checked++;
  if (!verdict) {
    params.log({ event: 'correct', taskId, submitter: view.submitter });
    return true;
  }
  if (view.answeredStages.includes(verdict.stage))
    throw new PocomputeError(
      'INTERNAL',
      `stage ${verdict.stage} of task ${taskId} was proved, yet its result differs from the witness`,
    );
  const sent = await challengeStage(market, taskId, verdict.stage).catch((error) => {
    const e = toPocomputeError(error);
    // Someone challenged first: look again when that challenge is over.
    if (e.code === 'TX_REVERTED' && /ChallengeOpen/.test(e.message)) return undefined;
    throw e;
  });
  if (!sent) return false;
  state.mine[taskId] = verdict.stage;
  totals.challenged++;
  params.log({
    event: 'challenged',
    taskId,
    stage: verdict.stage,
    reason: verdict.reason,
    submitter: view.submitter,
    txHash: sent.txHash,
    responseDeadline: sent.responseDeadline,
  });
  return false;
}

/** The first wrong stage of the standing result, undefined if right, or why it cannot be judged. */
async function judge(params: WatcherParams, view: OptimisticResultView) {
  let stages: Awaited<ReturnType<typeof attestPipeline>>['stages'];
  try {
    stages = (
      await attestPipeline({
        market: params.market,
        pipelineId: view.task.modelId,
        artifactsRoots: params.artifactsRoots,
      })
    ).stages;
  } catch (error) {
    const e = toPocomputeError(error);
    if (e.code === 'ARTIFACTS_INVALID' || e.code === 'VERIFIER_UNTRUSTED')
      return `pipeline ${view.task.modelId} cannot be checked here: ${e.message}`;
    throw e;
  }
  const inputs = (await params.market.getTaskInputs(BigInt(view.task.taskId))) as bigint[];
  const stated = { outputs: view.outputs, boundaries: view.boundaries };
  let expected: PipelineResult;
  try {
    expected = await witnessPipeline({ stages, inputs });
  } catch (error) {
    const failure = unwitnessableStage(error);
    if (!failure) throw error;
    return unanswerableStage(stated, failure);
  }
  return firstWrongStage(stated, expected);
}
