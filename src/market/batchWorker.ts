import { formatEther } from 'ethers';
import { toPocomputeError } from '../core/errors.js';
import { revertName } from '../chain/provider.js';
import { ZERO } from './attestModel.js';
import { attestPipeline } from './attestPipeline.js';
import { finalizeBatch, respondBatchChallenge } from './batchDisputes.js';
import { batchSpacing, whyNotTakeResult } from './optimisticWorker.js';
import { openBatches } from './openBatches.js';
import { chainNow } from './postTask.js';
import { type BatchView, readBatch } from './readBatch.js';
import { batchResultWords, MAX_RESULT_WORDS, serveBatch } from './serveBatch.js';
import {
  claimedByOther,
  type Outcome,
  skipped,
  type WorkerParams,
  type WorkerState,
} from './workerTypes.js';

/** How the worker names a batch among its pending tasks. */
export const batchKey = (batchId: string) => `batch:${batchId}`;
export const isBatchKey = (key: string) => key.startsWith('batch:');

/**
 * One round of a batch for the worker, as handleOptimisticTask for a single task: serve an open
 * batch it can answer for (every task, every stage challenged at once must fit the response time),
 * then, while its results stand, answer every open challenge of them with the stage's proof,
 * earliest deadline first, and finalize after the window. Not final until paid.
 */
export async function handleBatch(
  params: WorkerParams,
  state: WorkerState,
  key: string,
): Promise<Outcome> {
  const { market } = params;
  const me = params.worker.toLowerCase();
  const batchId = key.slice('batch:'.length);
  const skip = (reason: string) => skipped(key, reason);
  const view = await readBatch(market, batchId);
  const now = await chainNow(market.runner!.provider!);
  const mine = view.submitter.toLowerCase() === me;
  if (view.status === 'done' && mine) return paid(key, view, '0', []);
  if (view.status === 'done' || view.status === 'refunded') return skip(`already ${view.status}`);
  if (view.status === 'submitted') {
    if (!mine) return skip(`served by ${view.submitter}`);
    const answered = await answerOpenChallenges(params, state, view, key, now);
    if (answered) return answered;
    if (view.openChallenges > 0 || now < view.windowEnd)
      return { final: false, retryAt: Date.now() + 1_000 };
    const finalized = await finalizeBatch({ market, batchId });
    return paid(key, await readBatch(market, batchId), finalized.gasUsed, [finalized.txHash]);
  }

  // Open: serve it if it is ours to take.
  if (view.deadline <= now) return skip('expired');
  const words = batchResultWords(view.tasks, view.numOutputs, view.numStages);
  if (words > MAX_RESULT_WORDS)
    return skip(
      `its results are ${words} words, more than one submitResults carries (${MAX_RESULT_WORDS})`,
    );
  const claimTtl = Number(await market.claimTtl());
  if (view.claimant.toLowerCase() !== me && now + claimTtl > view.deadline)
    return skip(`its deadline is ${view.deadline - now} s away, less than a claim (${claimTtl} s)`);
  if (view.claimant !== ZERO && view.claimExpiry > now && view.claimant.toLowerCase() !== me)
    return claimedByOther(key, view, now);
  if (await openBatches(market).lapsedClaimant(BigInt(batchId), me))
    return skip('my claim on it lapsed; the market bars a second claim');
  const work = await whyNotTakeResult(params, state, {
    id: key,
    pipelineId: view.pipelineId,
    consumer: view.consumer,
    rewardEth: view.rewardPerTaskEth,
    challengerBondWei: view.challengerBondWei,
    workerBondWei: view.workerBondWei * BigInt(view.tasks),
    responseSeconds: view.responseSeconds,
    answers: view.tasks * view.numStages,
  });
  if (typeof work === 'string') return skip(work);
  let served: Awaited<ReturnType<typeof serveBatch>>;
  try {
    served = await serveBatch({ market, batchId, worker: params.worker });
  } catch (error) {
    const e = toPocomputeError(error);
    if (revertName(e) === 'AlreadyClaimed') return { final: false, retryAt: Date.now() + 5_000 };
    // A batch whose published inputs do not match its root is never served.
    if (e.code === 'BATCH_MISMATCH') return skip(e.message);
    // Too large to submit, or a deadline closer than a whole claim: refused before any bond.
    if (e.details?.refused) return skip(e.message);
    throw e;
  }
  state.optimistic[key] = served.submitTxHash;
  state.optimisticLoad = {
    ...state.optimisticLoad,
    [key]: {
      responseSeconds: view.responseSeconds,
      proveSeconds: work.proveSeconds,
      ...batchSpacing(view.responseSeconds, view.tasks * view.numStages),
    },
  };
  return {
    final: false,
    retryAt: 0,
    event: {
      event: 'submitted',
      taskId: key,
      outputs: served.outputs.flat(),
      boundaries: served.boundaries.flat(),
      windowEnd: served.windowEnd,
      submitGas: served.submitGas,
      txHashes: [served.claimTxHash ?? '', served.submitTxHash].filter(Boolean),
    },
  };
}

/**
 * The challenges of a batch seen so far, read incrementally: each round scans only the blocks
 * after the last one read, keeps the (task, stage) pairs not yet known answered or settled with
 * the deadline their event states, and checks on chain only the one it is about to answer.
 */
interface ChallengeBook {
  scannedTo: number;
  open: Map<string, { index: number; stage: number; deadline: number; challenger: string }>;
}
const books = new Map<string, ChallengeBook>();
/** The attested stages of a pipeline, per market: attested once, not once per answer. */
const attested = new Map<string, Awaited<ReturnType<typeof attestPipeline>>>();

/** Answers the open challenge of my batch with the earliest deadline, if any is still in time. */
async function answerOpenChallenges(
  params: WorkerParams,
  state: WorkerState,
  view: BatchView,
  key: string,
  now: number,
): Promise<Outcome | undefined> {
  if (view.openChallenges === 0) return undefined;
  const { market } = params;
  const batches = openBatches(market);
  const id = BigInt(view.batchId);
  const bookKey = `${await market.getAddress()}:${key}`;
  const book = books.get(bookKey) ?? { scannedTo: view.resultsBlock - 1, open: new Map() };
  books.set(bookKey, book);
  // Challenges come after the results: read from their block on, in bounded ranges, once.
  const latest = await market.runner!.provider!.getBlockNumber();
  const range = params.maxBlockRange ?? 500;
  for (let from = book.scannedTo + 1; from <= latest; from += range) {
    const to = Math.min(latest, from + range - 1);
    for (const log of await batches.queryFilter(batches.filters.LeafChallenged(id), from, to)) {
      const a = (
        log as unknown as {
          args: { index: bigint; stage: bigint; challenger: string; responseDeadline: bigint };
        }
      ).args;
      book.open.set(`${a.index}:${a.stage}`, {
        index: Number(a.index),
        stage: Number(a.stage),
        deadline: Number(a.responseDeadline),
        challenger: a.challenger,
      });
    }
    book.scannedTo = to;
  }
  // Earliest deadline first; a pair found closed on chain leaves the book.
  let next: { index: number; stage: number; deadline: number; challenger: string } | undefined;
  for (const candidate of [...book.open.values()].sort((a, b) => a.deadline - b.deadline)) {
    const pairKey = `${candidate.index}:${candidate.stage}`;
    if (candidate.deadline <= now) {
      book.open.delete(pairKey);
      continue;
    }
    const c = await batches.getChallenge(id, candidate.index, candidate.stage);
    if (c.challenger === ZERO) {
      book.open.delete(pairKey);
      continue;
    }
    // A pair challenged again after a settle carries a new deadline.
    next = { ...candidate, deadline: Number(c.responseDeadline), challenger: c.challenger };
    break;
  }
  if (!next) return undefined;
  params.log({
    event: 'challenged',
    taskId: `${key}:${next.index}`,
    stage: next.stage,
    challenger: next.challenger,
    responseDeadline: next.deadline,
  });
  try {
    const pipelineKey = `${bookKey}:${view.pipelineId}`;
    const pipeline =
      attested.get(pipelineKey) ??
      (await attestPipeline({
        market,
        pipelineId: view.pipelineId,
        artifactsRoots: params.artifactsRoots,
      }));
    attested.set(pipelineKey, pipeline);
    const { stages } = pipeline;
    const sent = await respondBatchChallenge({
      market,
      batchId: view.batchId,
      index: next.index,
      stage: next.stage,
      stages,
    });
    state.proveMs[stages[next.stage].manifest.key] = sent.proveMs;
    book.open.delete(`${next.index}:${next.stage}`);
    return {
      final: false,
      retryAt: 0,
      event: {
        event: 'answered',
        taskId: `${key}:${next.index}`,
        stage: next.stage,
        proveMs: sent.proveMs,
        respondGas: sent.gasUsed,
        txHash: sent.txHash,
      },
    };
  } catch (error) {
    const e = toPocomputeError(error);
    const leftMs = (next.deadline - now) * 1000;
    return {
      final: false,
      retryAt: Date.now() + 1_000,
      maxBackoffMs: Math.max(1_000, leftMs / 4),
      event: { event: 'retry', taskId: key, attempt: 0, code: e.code, reason: e.message },
    };
  }
}

function paid(key: string, view: BatchView, gas: string, txHashes: string[]): Outcome {
  const tasksPaid = view.tasks - view.closed;
  return {
    final: true,
    event: {
      event: 'paid',
      mode: 'optimistic',
      taskId: key,
      rewardEth: formatEther(view.rewardPerTaskWei * BigInt(tasksPaid)),
      proveMs: 0,
      submitGas: gas,
      outputs: [],
      txHashes,
    },
  };
}
