import type { Contract } from 'ethers';
import { PocomputeError } from '../core/errors.js';
import type { ProofBundle } from '../prover/bundle.js';
import { encodeCalldata, instancesAsUint256, proofBytes } from '../verifier/calldata.js';
import { readTask, sendMarketTx } from './market.js';

export interface SubmitResult {
  taskId: string;
  worker: string;
  claimGas?: string;
  claimTxHash?: string;
  submitGas: string;
  txHash: string;
  rewardEth: string;
  outputs: string[];
}

/** Claims a task, locking the market's claim bond (returned with the reward on a valid submit). */
export async function claimTask(market: Contract, taskId: bigint | number | string) {
  const bond = (await market.claimBond()) as bigint;
  return sendMarketTx(market, 'claim', [BigInt(taskId)], { value: bond });
}

/**
 * Claims the task for `worker` unless it already holds a live claim; the claim's receipt, if one
 * was sent. The claim is mined before a proof or result is revealed.
 */
export async function ensureClaim(
  market: Contract,
  taskId: bigint | number | string,
  task: { claimant: string; claimExpiry: number },
  worker: string,
): Promise<{ gasUsed: bigint; hash: string } | undefined> {
  const now = (await market.runner!.provider!.getBlock('latest'))!.timestamp;
  if (task.claimant.toLowerCase() === worker.toLowerCase() && task.claimExpiry > now)
    return undefined;
  return claimTask(market, taskId);
}

/**
 * Claims the task for the sender (unless it already holds the claim), then submits the proof.
 * The claim is its own transaction, mined before the proof is revealed: that is what makes a proof
 * copied from the mempool worthless to anyone else.
 */
export async function submitTaskProof(
  market: Contract,
  taskId: bigint | number | string,
  bundle: ProofBundle,
  worker: string,
): Promise<SubmitResult> {
  const task = await readTask(market, taskId);
  if (task.status !== 'open')
    throw new PocomputeError('TX_REVERTED', `task ${taskId} is ${task.status}`, {
      hint: 'Only open tasks can be submitted; see `pocompute task show`.',
    });
  const claim = await ensureClaim(market, taskId, task, worker);
  const vka = undefined; // the market holds the VKA address itself
  const calldata = encodeCalldata(bundle, vka);
  const receipt = await sendMarketTx(market, 'submit', [
    BigInt(taskId),
    proofBytes(calldata),
    instancesAsUint256(bundle),
  ]);
  const done = await readTask(market, taskId);
  return {
    taskId: String(taskId),
    worker,
    claimGas: claim?.gasUsed.toString(),
    claimTxHash: claim?.hash,
    submitGas: receipt.gasUsed.toString(),
    txHash: receipt.hash,
    rewardEth: task.rewardEth,
    outputs: done.outputs,
  };
}
