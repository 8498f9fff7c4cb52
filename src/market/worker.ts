import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AbiCoder,
  formatEther,
  keccak256,
  parseEther,
  type Contract,
  type TopicFilter,
} from 'ethers';
import { writeJsonAtomic } from '../core/files.js';
import { PocomputeError, toPocomputeError } from '../core/errors.js';
import { homePaths } from '../core/paths.js';
import { readBundle } from '../proof/bundle.js';
import { proveInference } from '../prover/proveInference.js';
import { instancesAsUint256, proofBytes } from '../verifier/calldata.js';
import { attestModel, ZERO } from './attestModel.js';
import { dequantizeInputs } from './instanceLayout.js';
import { readTask, type TaskView } from './market.js';
import { handleOptimisticTask } from './optimisticWorker.js';
import { batchKey, handleBatch, isBatchKey } from './batchWorker.js';
import { openBatches } from './openBatches.js';
import { readBatch } from './readBatch.js';
import {
  claimedByOther,
  type Outcome,
  paidEvent,
  skipped,
  type WorkerParams,
  type WorkerState,
} from './workerTypes.js';
import { readResult } from './readResult.js';
import { claimTask, commitAndSubmit } from './submitTaskProof.js';
import { requireWitnessableInput } from './requireWitnessableInput.js';
import { isTransientChainError, revertName } from '../chain/provider.js';
import { sleep } from '../core/sleep.js';

export type { Outcome, WorkerEvent, WorkerParams, WorkerState } from './workerTypes.js';

/**
 * Follows TaskPosted events in bounded block ranges, and works the tasks it can win: attests the
 * model, claims with the bond, proves (the proof kept on disk until submitted) and submits, retrying
 * transient failures with backoff while its claim is live. After a restart it resumes its own live
 * claims. An unfunded key stops it with INSUFFICIENT_FUNDS (exit 4).
 */
export async function runWorker(
  params: WorkerParams,
): Promise<{ paid: number; skipped: number; failed: number }> {
  const { market, log, signal } = params;
  const marketAddress = await market.getAddress();
  const stateFile =
    params.stateFile ??
    join(
      homePaths.workers(),
      `${params.networkKey}-${marketAddress.slice(2, 10)}-${params.worker.slice(2, 10)}.json`,
    );
  const proofsDir = `${stateFile}.proofs`;
  const state = await loadState(stateFile);
  const save = () => writeJsonAtomic(stateFile, state);
  const totals = { paid: 0, skipped: 0, failed: 0 };
  const retries = new Map<string, { attempt: number; at: number }>();
  const maxRange = params.maxBlockRange ?? 500;
  let failures = 0;
  let fundsChecked = false;
  while (!signal.aborted) {
    try {
      if (!fundsChecked) {
        await requireFunds(params);
        fundsChecked = true;
      }
      const latest = await market.runner!.provider!.getBlockNumber();
      while (state.nextBlock <= latest && !signal.aborted) {
        const to = Math.min(latest, state.nextBlock + maxRange - 1);
        const events = await market.queryFilter(postedTopics(market), state.nextBlock, to);
        const batches = openBatches(market);
        const posted = await batches.queryFilter(
          batches.filters.BatchPosted(),
          state.nextBlock,
          to,
        );
        const ids = [
          ...events.map((e) =>
            (e as unknown as { args: { taskId: bigint } }).args.taskId.toString(),
          ),
          ...posted.map((e) =>
            batchKey((e as unknown as { args: { batchId: bigint } }).args.batchId.toString()),
          ),
        ];
        for (const id of ids)
          if (!(id in state.handled) && !state.pending.includes(id)) state.pending.push(id);
        state.nextBlock = to + 1;
        await save();
      }
      failures = 0;
    } catch (error) {
      const e = toPocomputeError(error);
      if (e.code === 'INSUFFICIENT_FUNDS') throw e;
      // RPC trouble: back off and try again, up to a minute between attempts.
      failures++;
      log({ event: 'rpc-retry', attempt: failures, reason: e.message });
      await sleep(Math.min(60_000, 500 * 2 ** failures), signal);
      continue;
    }
    // One round: challenges of my results first, earliest deadline first. The order is read
    // again after a task that took longer than a poll (a proof): a challenge that came meanwhile
    // must not wait behind the rest of the round.
    let order = await answerFirst(params, state);
    const seen = new Set<string>();
    for (;;) {
      const taskId = order.tasks.find((t) => !seen.has(t));
      if (taskId === undefined || signal.aborted) break;
      seen.add(taskId);
      const retry = retries.get(taskId);
      if (retry && Date.now() < retry.at) continue;
      const started = Date.now();
      const outcome = await handleTask(params, state, taskId, join(proofsDir, `${taskId}.json`));
      if (outcome.final) {
        log(outcome.event);
        // A lost bond is a failed task for the totals.
        totals[outcome.event.event === 'lost' ? 'failed' : outcome.event.event]++;
        state.pending = state.pending.filter((t) => t !== taskId);
        state.handled[taskId] =
          outcome.event.event === 'paid' ? 'paid' : `${outcome.event.event}: ${reasonOf(outcome)}`;
        delete state.optimisticLoad?.[taskId];
        retries.delete(taskId);
        await rm(join(proofsDir, `${taskId}.json`), { force: true });
        await save();
      } else {
        retries.set(taskId, nextTry(retry, outcome));
        if (outcome.event) log(outcome.event);
        await save(); // an optimistic submit is remembered before anything else happens
      }
      if (Date.now() - started > (params.pollMs ?? 1_000)) {
        order = await answerFirst(params, state);
        // Challenged since it was seen this round (an answered one is no longer challenged).
        for (const t of order.challenged) seen.delete(t);
      }
    }
    if (params.once) break;
    await sleep(params.pollMs ?? 1_000, signal);
  }
  return totals;
}

/**
 * When to try a task again. Backoff counts consecutive failures only (a `retry` outcome): a round
 * that waits or makes progress resets it. The outcome's own retryAt is honoured (a later one
 * wins), so a deadline-aware caller can ask for an immediate retry (0) — a re-proof at once.
 */
export function nextTry(
  previous: { attempt: number; at: number } | undefined,
  outcome: Extract<Outcome, { final: false }>,
  now = Date.now(),
): { attempt: number; at: number } {
  if (outcome.event?.event !== 'retry') return { attempt: 0, at: outcome.retryAt };
  const attempt = (previous?.attempt ?? 0) + 1;
  outcome.event.attempt = attempt;
  const backoff =
    outcome.retryAt === 0
      ? 0
      : Math.min(outcome.maxBackoffMs ?? 30_000, 1_000 * 2 ** (attempt - 1));
  return { attempt, at: Math.max(outcome.retryAt, now + backoff) };
}

/**
 * The order of one round: challenges of my standing results first, earliest response deadline
 * first (they cost a bond if late), then everything else in the order found.
 */
async function answerFirst(
  params: WorkerParams,
  state: WorkerState,
): Promise<{ tasks: string[]; challenged: string[] }> {
  const deadlines = new Map<string, number>();
  for (const taskId of state.pending) {
    if (state.optimistic[taskId] === undefined) continue;
    try {
      if (isBatchKey(taskId)) {
        // A batch of mine under challenge: first (its answers are ordered within the batch).
        const batch = await readBatch(params.market, taskId.slice('batch:'.length));
        if (batch.openChallenges > 0) deadlines.set(taskId, 0);
        continue;
      }
      const view = await readResult(params.market, taskId);
      if (view.challenger !== ZERO && view.submitter.toLowerCase() === params.worker.toLowerCase())
        deadlines.set(taskId, view.responseDeadline);
    } catch {
      // read again when the task's own round comes
    }
  }
  const challenged = [...deadlines.keys()].sort((a, b) => deadlines.get(a)! - deadlines.get(b)!);
  return {
    tasks: [...challenged, ...state.pending.filter((t) => !deadlines.has(t))],
    challenged,
  };
}

/** zk and optimistic tasks in one query per block range (topic 0 is either event). */
const postedTopics = (market: Contract): TopicFilter => [
  ['TaskPosted', 'OptimisticTaskPosted'].map((name) => market.interface.getEvent(name)!.topicHash),
];

const reasonOf = (o: Extract<Outcome, { final: true }>) =>
  'reason' in o.event ? o.event.reason : '';

async function loadState(stateFile: string): Promise<WorkerState> {
  const fresh: WorkerState = {
    version: 2,
    nextBlock: 0,
    pending: [],
    handled: {},
    proveMs: {},
    optimistic: {},
  };
  if (!existsSync(stateFile)) return fresh;
  const raw = JSON.parse(await readFile(stateFile, 'utf8'));
  // Version 1 kept only a list of handled task ids.
  if (Array.isArray(raw.handled))
    return {
      ...fresh,
      nextBlock: raw.nextBlock ?? 0,
      handled: Object.fromEntries(raw.handled.map((t: string) => [t, 'handled'])),
    };
  return { ...fresh, ...raw };
}

/** An unfunded key cannot claim (bond) or submit (gas): say so once, up front, as exit 4. */
async function requireFunds(params: WorkerParams): Promise<void> {
  const provider = params.market.runner!.provider!;
  const balance = await provider.getBalance(params.worker);
  const bond = (await params.market.minClaimBond()) as bigint;
  if (balance <= bond)
    throw new PocomputeError(
      'INSUFFICIENT_FUNDS',
      `worker ${params.worker} holds ${formatEther(balance)} ETH: it needs the claim bond ` +
        `(${formatEther(bond)} ETH) plus gas for a claim and a submit`,
      { hint: 'Fund the worker account (or run it with a funded key), then start it again.' },
    );
}

async function handleTask(
  params: WorkerParams,
  state: WorkerState,
  taskId: string,
  proofPath: string,
): Promise<Outcome> {
  const { market } = params;
  const me = params.worker.toLowerCase();
  const skip = (reason: string) => skipped(taskId, reason);
  let claimLive = false;
  try {
    if (isBatchKey(taskId)) return await handleBatch(params, state, taskId);
    const task = await readTask(market, taskId);
    if (task.mode === 'optimistic') return await handleOptimisticTask(params, state, taskId);
    const now = (await market.runner!.provider!.getBlock('latest'))!.timestamp;
    if (task.status === 'done' && task.worker.toLowerCase() === me)
      // Submitted before a crash or an outage: the chain says it was paid.
      return { final: true, event: paidEvent(task, 0, '0', []) };
    if (task.status !== 'open') return skip(`already ${task.status}`);
    const mine = task.claimant.toLowerCase() === me && task.claimExpiry > now;
    if (!mine) {
      if (task.deadline <= now) return skip('expired');
      if (task.claimant !== ZERO && task.claimExpiry > now) {
        if (task.claimant.toLowerCase() === me) return skip('my claim lapsed');
        return claimedByOther(taskId, task, now);
      }
      if (task.claimant.toLowerCase() === me || (await market.lapsedClaimant(BigInt(taskId), me)))
        return skip('my claim on it lapsed; the market bars a second claim');
    }
    const reason = await whyNotWork(params, state, task, now, mine);
    if (typeof reason === 'string') return skip(reason);
    const { artifacts } = reason;

    let claimTx = '';
    if (!mine) {
      try {
        const receipt = await claimTask(market, taskId);
        claimTx = receipt.hash;
      } catch (error) {
        const e = toPocomputeError(error);
        // Another claim was mined first (a rival, or a copy of this very claim): it may lapse.
        if (revertName(e) === 'AlreadyClaimed')
          return {
            final: false,
            retryAt: Date.now() + 5_000,
            event: { event: 'waiting', taskId, reason: e.message, untilSeconds: 0 },
          };
        if (e.code === 'TX_REVERTED') return skip(`claim refused: ${e.message}`);
        throw e;
      }
    }
    claimLive = true;
    const claimed = await readTask(market, taskId);
    const inputs = (await market.getTaskInputs(BigInt(taskId))) as bigint[];
    params.log({
      event: 'claimed',
      taskId,
      claimExpiry: claimed.claimExpiry,
      txHash: claimTx,
      resumed: mine,
    });

    // The proof is kept on disk until it is submitted: a restart or an outage never re-proves.
    let proveMs = 0;
    let bundle = existsSync(proofPath)
      ? await readBundle(proofPath).catch(() => undefined)
      : undefined;
    if (bundle && !sameInputs(bundle, inputs, task.inputHash)) bundle = undefined;
    if (!bundle) {
      await mkdir(join(proofPath, '..'), { recursive: true });
      const inputFile = `${proofPath}.input.json`;
      await writeFile(
        inputFile,
        JSON.stringify({ input_data: dequantizeInputs(inputs, artifacts.manifest) }),
      );
      const started = performance.now();
      bundle = (
        await proveInference({
          target: artifacts.dir,
          input: inputFile,
          out: proofPath,
        })
      ).bundle;
      proveMs = Math.round(performance.now() - started);
      state.proveMs[artifacts.manifest.key] = proveMs;
      await rm(inputFile, { force: true });
    }
    let sent: Awaited<ReturnType<typeof commitAndSubmit>>;
    try {
      sent = await commitAndSubmit(
        market,
        taskId,
        proofBytes(bundle),
        instancesAsUint256(bundle),
        params.worker,
      );
    } catch (error) {
      const e = toPocomputeError(error);
      if (!REPROVE_ON.includes(revertName(e) ?? '')) throw e;
      // This proof cannot be mine (it was public before my commitment): a fresh proof is, and
      // the claim is still live. Re-prove at once.
      await rm(proofPath, { force: true });
      return {
        final: false,
        retryAt: 0,
        event: { event: 'retry', taskId, attempt: 0, code: e.code, reason: e.message },
      };
    }
    const done = await readTask(market, taskId);
    const gas = (sent.commit?.gasUsed ?? 0n) + sent.submit.gasUsed;
    return {
      final: true,
      event: paidEvent(done, proveMs, gas.toString(), [
        claimTx,
        sent.commit?.hash ?? '',
        sent.submit.hash,
      ]),
    };
  } catch (error) {
    const e = toPocomputeError(error);
    if (e.code === 'INSUFFICIENT_FUNDS') throw e;
    if (isTransientChainError(e) || state.optimistic[taskId]) {
      // An optimistic result of mine stands until it is paid or lost: never abandoned.
      // Worth another try: the next round re-reads the task, so an expired claim ends it there.
      // Retried with backoff (a retryAt of 0 would mean at once, every round), kept short for a
      // result of mine: a challenge of it may be open.
      return {
        final: false,
        retryAt: Date.now(),
        ...(state.optimistic[taskId] ? { maxBackoffMs: 5_000 } : {}),
        event: { event: 'retry', taskId, attempt: 0, code: e.code, reason: e.message },
      };
    }
    return {
      final: true,
      event: {
        event: 'failed',
        taskId,
        code: e.code,
        reason: claimLive ? e.message : `before claiming: ${e.message}`,
      },
    };
  }
}

/** The reason not to take a task, or the compiled model to prove it with. */
async function whyNotWork(
  params: WorkerParams,
  state: WorkerState,
  task: TaskView,
  now: number,
  mine: boolean,
) {
  const provider = params.market.runner!.provider!;
  let attested: Awaited<ReturnType<typeof attestModel>>;
  try {
    attested = await attestModel({
      market: params.market,
      modelId: task.modelId,
      artifactsRoots: params.artifactsRoots,
    });
  } catch (error) {
    const e = toPocomputeError(error);
    if (e.code === 'ARTIFACTS_INVALID') return `unknown model ${task.modelId} (not compiled here)`;
    if (e.code === 'VERIFIER_UNTRUSTED') return `verifier fails attestation: ${e.message}`;
    throw e;
  }
  if (mine) return attested; // resuming: the claim is already paid for
  // An input no proof can carry (out of the circuit's range, not a field element) would cost the
  // claim bond: witness it first, before any bond is at stake.
  try {
    await requireWitnessableInput({
      stages: [attested.artifacts],
      inputs: (await params.market.getTaskInputs(BigInt(task.taskId))) as bigint[],
      what: `model ${task.modelId}`,
      single: true,
    });
  } catch (error) {
    const e = toPocomputeError(error);
    if (e.code === 'INPUT_INVALID') return `input cannot be proved: ${e.message}`;
    throw e;
  }
  if (task.consumer !== ZERO && (await provider.getCode(task.consumer)) === '0x')
    return `consumer ${task.consumer} has no code`;
  const reward = parseEther(task.rewardEth);
  if (params.minRewardWei !== undefined && reward < params.minRewardWei)
    return `reward ${task.rewardEth} ETH is below the minimum ${formatEther(params.minRewardWei)} ETH`;
  const expected = state.proveMs[attested.artifacts.manifest.key];
  if (expected !== undefined) {
    const claimTtl = Number(await params.market.claimTtl());
    const window = Math.min(claimTtl, task.deadline - now);
    const needed = Math.ceil(expected / 1000) * 2 + (params.safetySeconds ?? 30);
    if (window < needed)
      return `too little time: a claim would last ${window} s, proving takes ~${Math.ceil(expected / 1000)} s`;
  }
  return attested;
}

/** Reveals refused because the proof is not this claimant's to reveal: a fresh proof is. */
const REPROVE_ON = ['ProofAlreadyPaid', 'CommitmentMismatch'];

function sameInputs(
  bundle: Awaited<ReturnType<typeof readBundle>>,
  inputs: bigint[],
  inputHash: string,
): boolean {
  const instances = instancesAsUint256(bundle);
  const coder = AbiCoder.defaultAbiCoder();
  return (
    instances.length > inputs.length &&
    keccak256(coder.encode(['uint256[]'], [instances.slice(0, inputs.length)])) === inputHash
  );
}
