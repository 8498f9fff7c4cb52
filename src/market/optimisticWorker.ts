import { formatEther, parseEther } from 'ethers';
import { toPocomputeError } from '../core/errors.js';
import { capacityShortfall, estimateArtifactsProveSeconds, slowestStage } from './answerTime.js';
import { revertName } from '../chain/provider.js';
import { chainNow } from './postTask.js';
import { ZERO } from './attestModel.js';
import { attestPipeline, type AttestedPipeline } from './attestPipeline.js';
import { finalizeResult } from './finalizeResult.js';
import { proveStageAnswer } from './proveStageAnswer.js';
import { readTask } from './market.js';
import { readResult, type OptimisticResultView } from './readResult.js';
import { respondChallenge } from './respondChallenge.js';
import { submitResult } from './submitResult.js';
import { witnessPipeline } from './witnessPipeline.js';
import {
  claimedByOther,
  type Outcome,
  paidEvent,
  skipped,
  type WorkerParams,
  type WorkerState,
} from './workerTypes.js';

/**
 * One round of an optimistic task for the worker. Not final while its result stands: each round
 * re-reads the chain, answers a challenge of its own result with the stage's proof, and finalizes
 * after the window. Proving happens only to answer a challenge; an unchallenged result is paid
 * from witnesses alone.
 */
export async function handleOptimisticTask(
  params: WorkerParams,
  state: WorkerState,
  taskId: string,
): Promise<Outcome> {
  const { market } = params;
  const me = params.worker.toLowerCase();
  const skip = (reason: string) => skipped(taskId, reason);
  const view = await readResult(market, taskId);
  const { task } = view;
  const now = (await market.runner!.provider!.getBlock('latest'))!.timestamp;
  const submittedByMe = state.optimistic[taskId] !== undefined;
  if (task.status === 'done' && task.worker.toLowerCase() === me)
    return { final: true, event: paidEvent(task, 0, '0', [], 'optimistic') };
  if (submittedByMe && (task.status !== 'submitted' || view.submitter.toLowerCase() !== me))
    // My result is no longer the standing one and was not paid: a challenge was upheld.
    return {
      final: true,
      event: {
        event: 'lost',
        taskId,
        reason: `a challenge was not answered in time: the ${formatEther(view.workerBondWei)} ETH bond went to the challenger`,
      },
    };
  if (task.status === 'done' || task.status === 'refunded') return skip(`already ${task.status}`);

  if (task.status === 'submitted') {
    if (view.submitter.toLowerCase() !== me)
      // Another worker's result: it may still be discarded, and the task reopen.
      return {
        final: false,
        retryAt: Date.now() + Math.max(1, view.windowEnd - now) * 1000,
        event: {
          event: 'waiting',
          taskId,
          reason: `a result by ${view.submitter} is in its window`,
          untilSeconds: view.windowEnd,
        },
      };
    if (view.challenger !== ZERO) return answerChallenge(params, state, view, now);
    if (now < view.windowEnd) return { final: false, retryAt: 0 };
    const finalized = await finalizeResult(market, taskId);
    const done = await readTask(market, taskId);
    return {
      final: true,
      event: paidEvent(done, 0, finalized.gasUsed, [finalized.txHash], 'optimistic'),
    };
  }

  // Open: take it if it is ours to take.
  if (task.deadline <= now) return skip('expired');
  if (task.claimant !== ZERO && task.claimExpiry > now && task.claimant.toLowerCase() !== me)
    return claimedByOther(taskId, task, now);
  if (await market.lapsedClaimant(BigInt(taskId), me))
    return skip('my claim on it lapsed; the market bars a second claim');
  const work = await whyNotTakeResult(params, state, {
    id: taskId,
    pipelineId: task.modelId,
    consumer: task.consumer,
    rewardEth: task.rewardEth,
    challengerBondWei: view.challengerBondWei,
    workerBondWei: view.workerBondWei,
    responseSeconds: view.responseSeconds,
    answers: 1,
  });
  if (typeof work === 'string') return skip(work);
  const { pipeline, proveSeconds } = work;
  const inputs = (await market.getTaskInputs(BigInt(taskId))) as bigint[];
  const result = await witnessPipeline({ stages: pipeline.stages, inputs });
  let submitted: Awaited<ReturnType<typeof submitResult>>;
  try {
    submitted = await submitResult({
      market,
      taskId,
      worker: params.worker,
      outputs: result.outputs,
      boundaries: result.boundaries,
    });
  } catch (error) {
    const e = toPocomputeError(error);
    // Another worker claimed first: its claim may lapse and the task open again.
    if (revertName(e) === 'AlreadyClaimed') return { final: false, retryAt: Date.now() + 5_000 };
    throw e;
  }
  state.optimistic[taskId] = submitted.txHash;
  state.optimisticLoad = {
    ...state.optimisticLoad,
    [taskId]: { responseSeconds: view.responseSeconds, proveSeconds },
  };
  return {
    final: false,
    retryAt: 0,
    event: {
      event: 'submitted',
      taskId,
      outputs: result.outputs.map(String),
      boundaries: result.boundaries.map(String),
      windowEnd: submitted.windowEnd,
      submitGas: submitted.submitGas,
      txHashes: [submitted.claimTxHash ?? '', submitted.txHash].filter(Boolean),
    },
  };
}

/** Proves the challenged stage and answers, or gives up if the response deadline has passed. */
async function answerChallenge(
  params: WorkerParams,
  state: WorkerState,
  view: OptimisticResultView,
  blockNow: number,
): Promise<Outcome> {
  let now = blockNow;
  const { market } = params;
  const taskId = view.task.taskId;
  const stage = view.challengedStage;
  // The next block's time, not the last one's (an idle chain's last block lags the clock): past
  // the deadline no answer can be mined, so stop trying — the challenger settles, the next round
  // says lost.
  now = Math.max(now, await chainNow(market.runner!.provider!));
  if (now >= view.responseDeadline) return { final: false, retryAt: Date.now() + 5_000 };
  params.log({
    event: 'challenged',
    taskId,
    stage,
    challenger: view.challenger,
    responseDeadline: view.responseDeadline,
  });
  try {
    const pipeline = await attestPipeline({
      market,
      pipelineId: view.task.modelId,
      artifactsRoots: params.artifactsRoots,
    });
    const inputs = (await market.getTaskInputs(BigInt(taskId))) as bigint[];
    const answer = await proveStageAnswer({
      stages: pipeline.stages,
      stage,
      inputs,
    });
    state.proveMs[pipeline.stages[stage].manifest.key] = answer.proveMs;
    const sent = await respondChallenge(market, taskId, answer);
    return {
      final: false,
      retryAt: 0,
      event: {
        event: 'answered',
        taskId,
        stage,
        proveMs: answer.proveMs,
        respondGas: sent.gasUsed,
        txHash: sent.txHash,
      },
    };
  } catch (error) {
    const e = toPocomputeError(error);
    // Keep trying while the deadline holds (the next round re-reads the challenge), never
    // backing off for more than a quarter of the time left.
    const leftMs = (view.responseDeadline - now) * 1000;
    return {
      final: false,
      retryAt: Date.now() + 1_000,
      maxBackoffMs: Math.max(1_000, leftMs / 4),
      event: { event: 'retry', taskId, attempt: 0, code: e.code, reason: e.message },
    };
  }
}

/** What a worker weighs before stating results with a bond: a single task's, or a batch's. */
export interface ResultTerms {
  /** The task id, or `batch:<id>`: its load is left out of the standing ones. */
  id: string;
  pipelineId: string;
  consumer: string;
  /** Per task. */
  rewardEth: string;
  challengerBondWei: bigint;
  /** All the worker bonds it would lock. */
  workerBondWei: bigint;
  responseSeconds: number;
  /**
   * How many stage proofs could be demanded at once, all due within one response time: 1 for a
   * single task (one challenge at a time), N × stages for a batch (every task, every stage).
   */
  answers: number;
}

/** The reason not to take an optimistic task (or batch), or its attested pipeline. */
/**
 * A batch's answers as the contract schedules them: challenged all at once, the k-th falls due
 * responseTime + (k − 1) × ⌊responseTime / 2⌋ after (PocomputeBatches.challenge).
 */
export function batchSpacing(responseSeconds: number, answers: number) {
  return { answers, spacingSeconds: Math.floor(responseSeconds / 2) };
}

export async function whyNotTakeResult(
  params: WorkerParams,
  state: WorkerState,
  task: ResultTerms,
): Promise<{ pipeline: AttestedPipeline; proveSeconds: number } | string> {
  let pipeline: AttestedPipeline;
  try {
    pipeline = await attestPipeline({
      market: params.market,
      pipelineId: task.pipelineId,
      artifactsRoots: params.artifactsRoots,
    });
  } catch (error) {
    const e = toPocomputeError(error);
    if (e.code === 'ARTIFACTS_INVALID') return `pipeline ${task.pipelineId}: ${e.message}`;
    if (e.code === 'VERIFIER_UNTRUSTED') return `pipeline fails attestation: ${e.message}`;
    throw e;
  }
  const provider = params.market.runner!.provider!;
  if (task.consumer !== ZERO && (await provider.getCode(task.consumer)) === '0x')
    return `consumer ${task.consumer} has no code`;
  const reward = parseEther(task.rewardEth);
  if (params.minRewardWei !== undefined && reward < params.minRewardWei)
    return `reward ${task.rewardEth} ETH is below the minimum ${formatEther(params.minRewardWei)} ETH`;
  const minBond =
    params.minChallengerBondWei ?? ((await params.market.minChallengerBond()) as bigint);
  if (task.challengerBondWei < minBond)
    return `challenger bond ${formatEther(task.challengerBondWei)} ETH is below the minimum ${formatEther(minBond)} ETH: a false challenge would not pay for the answer`;
  const balance = await provider.getBalance(params.worker);
  if (balance <= task.workerBondWei)
    return `the worker bond (${formatEther(task.workerBondWei)} ETH) is more than this key holds`;
  // Every challenge must be answerable, all of them at once: the slowest stage's prove time
  // (measured here, else a conservative estimate from its circuit) for this result and for each
  // of my standing ones must fit their response times, answered earliest deadline first.
  const measuredMs = pipeline.stages.map((s) => state.proveMs[s.manifest.key]);
  const estimatedSeconds: number[] = [];
  for (const [i, stage] of pipeline.stages.entries())
    estimatedSeconds.push(
      measuredMs[i] === undefined ? await estimateArtifactsProveSeconds(stage) : 0,
    );
  const slowest = slowestStage(measuredMs, estimatedSeconds);
  const shortfall = capacityShortfall({
    candidate: {
      responseSeconds: task.responseSeconds,
      proveSeconds: slowest.seconds,
      how: slowest.how,
      ...(task.answers > 1 ? batchSpacing(task.responseSeconds, task.answers) : {}),
    },
    standing: Object.entries(state.optimisticLoad ?? {})
      .filter(([id]) => id !== task.id && state.optimistic[id] !== undefined)
      .map(([, load]) => load),
    safetySeconds: params.safetySeconds,
    maxOpen: params.maxOpenResults,
  });
  if (shortfall) return shortfall;
  return { pipeline, proveSeconds: slowest.seconds };
}
