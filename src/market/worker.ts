import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Contract } from 'ethers';
import { writeJsonAtomic } from '../core/files.js';
import { toPocomputeError } from '../core/errors.js';
import { homePaths } from '../core/paths.js';
import { findArtifactsByVk } from '../prover/artifactsIndex.js';
import { proveInference, type ProvingEngine } from '../prover/proveInference.js';
import { dequantizeInputs } from './instanceLayout.js';
import { readTask } from './market.js';
import { submitTaskProof } from './submitTaskProof.js';

export type WorkerEvent =
  | {
      event: 'paid';
      taskId: string;
      rewardEth: string;
      proveMs: number;
      submitGas: string;
      outputs: string[];
      txHashes: string[];
    }
  | { event: 'skipped'; taskId: string; reason: string }
  | { event: 'failed'; taskId: string; code: string; reason: string }
  | { event: 'rpc-retry'; attempt: number; reason: string };

export interface WorkerParams {
  market: Contract;
  worker: string;
  networkKey: string;
  /** Stop when this fires (SIGINT/SIGTERM in the CLI). */
  signal: AbortSignal;
  log: (event: WorkerEvent) => void;
  pollMs?: number;
  engine?: ProvingEngine;
  /** Where the worker remembers its next block and the tasks it finished. */
  stateFile?: string;
  /** Extra directories of compiled artifacts to find models in. */
  artifactsRoots?: string[];
}

interface WorkerState {
  nextBlock: number;
  handled: string[];
}

/**
 * Follows TaskPosted events from a remembered block, and for each task it can win: claims it, proves
 * it with the local engine and submits. Restarts resume where it stopped; no task is proved twice.
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
  const state: WorkerState = existsSync(stateFile)
    ? JSON.parse(await readFile(stateFile, 'utf8'))
    : { nextBlock: 0, handled: [] };
  const totals = { paid: 0, skipped: 0, failed: 0 };
  let failures = 0;
  while (!signal.aborted) {
    try {
      const latest = await market.runner!.provider!.getBlockNumber();
      if (latest >= state.nextBlock) {
        const events = await market.queryFilter(
          market.filters.TaskPosted(),
          state.nextBlock,
          latest,
        );
        for (const event of events) {
          if (signal.aborted) break;
          const taskId = (event as unknown as { args: { taskId: bigint } }).args.taskId.toString();
          if (state.handled.includes(taskId)) continue;
          const outcome = await handleTask(params, taskId);
          log(outcome);
          totals[
            outcome.event === 'paid' ? 'paid' : outcome.event === 'skipped' ? 'skipped' : 'failed'
          ]++;
          state.handled.push(taskId);
          await writeJsonAtomic(stateFile, state);
        }
        state.nextBlock = latest + 1;
        await writeJsonAtomic(stateFile, state);
      }
      failures = 0;
    } catch (error) {
      // RPC trouble: back off and try again, up to a minute between attempts.
      failures++;
      log({ event: 'rpc-retry', attempt: failures, reason: toPocomputeError(error).message });
      await sleep(Math.min(60_000, 500 * 2 ** failures), signal);
      continue;
    }
    await sleep(params.pollMs ?? 1_000, signal);
  }
  return totals;
}

async function handleTask(params: WorkerParams, taskId: string): Promise<WorkerEvent> {
  const { market } = params;
  try {
    const task = await readTask(market, taskId);
    const now = (await market.runner!.provider!.getBlock('latest'))!.timestamp;
    if (task.status !== 'open')
      return { event: 'skipped', taskId, reason: `already ${task.status}` };
    if (task.deadline <= now) return { event: 'skipped', taskId, reason: 'expired' };
    if (
      task.claimant !== '0x0000000000000000000000000000000000000000' &&
      task.claimant.toLowerCase() !== params.worker.toLowerCase() &&
      task.claimExpiry > now
    ) {
      return { event: 'skipped', taskId, reason: `claimed by ${task.claimant}` };
    }
    const model = await market.getModel(BigInt(task.modelId));
    const artifacts = await findArtifactsByVk(String(model.vkHash).slice(2), params.artifactsRoots);
    if (!artifacts)
      return {
        event: 'skipped',
        taskId,
        reason: `unknown model ${task.modelId} (not compiled here)`,
      };
    // Claim first: a lost race costs one failed claim, not a wasted proof.
    try {
      await market.getFunction('claim').staticCall(BigInt(taskId));
    } catch {
      return { event: 'skipped', taskId, reason: 'claimed by another worker' };
    }
    const claim = await market.getFunction('claim')(BigInt(taskId));
    const claimReceipt = await claim.wait().catch(() => undefined);
    if (claimReceipt?.status !== 1)
      return { event: 'skipped', taskId, reason: 'lost the claim race' };
    const claimTx: string = claimReceipt.hash;

    const inputs = dequantizeInputs(
      (await market.getTaskInputs(BigInt(taskId))) as bigint[],
      artifacts.manifest,
    );
    const work = await mkdtemp(join(tmpdir(), 'pocompute-worker-'));
    try {
      await writeFile(join(work, 'input.json'), JSON.stringify({ input_data: inputs }));
      const started = performance.now();
      const { bundle } = await proveInference({
        target: artifacts.dir,
        input: join(work, 'input.json'),
        out: join(work, 'proof.json'),
        engine: params.engine,
      });
      const proveMs = Math.round(performance.now() - started);
      const result = await submitTaskProof(market, taskId, bundle, params.worker);
      return {
        event: 'paid',
        taskId,
        rewardEth: result.rewardEth,
        proveMs,
        submitGas: result.submitGas,
        outputs: result.outputs,
        txHashes: [claimTx, result.txHash],
      };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  } catch (error) {
    const e = toPocomputeError(error);
    return { event: 'failed', taskId, code: e.code, reason: e.message };
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
