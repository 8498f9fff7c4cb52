import { AbiCoder, keccak256, ZeroHash, type Contract } from 'ethers';
import { PocomputeError } from '../core/errors.js';
import type { ProofBundle } from '../proof/bundle.js';
import { instancesAsUint256, proofBytes } from '../verifier/calldata.js';
import { readTask, sendMarketTx, type TaskView } from './market.js';

export interface SubmitResult {
  taskId: string;
  worker: string;
  claimGas?: string;
  claimTxHash?: string;
  commitGas?: string;
  commitTxHash?: string;
  submitGas: string;
  txHash: string;
  rewardEth: string;
  outputs: string[];
}

/**
 * What a claimant commits before it reveals a proof (the contract's ProofCommitment.commitment):
 * the proof bound to the task and to the claimant, so a copy of the reveal fits nobody else.
 */
export function proofCommitment(
  taskId: bigint | number | string,
  claimant: string,
  proof: string,
): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ['uint256', 'address', 'bytes32'],
      [BigInt(taskId), claimant, keccak256(proof)],
    ),
  );
}

/**
 * Claims a task, locking the task's claim bond (returned with the reward on a valid submit); with
 * a commitment, the proof is committed in the same transaction.
 */
export async function claimTask(
  market: Contract,
  taskId: bigint | number | string,
  commitment: string = ZeroHash,
) {
  const task = await readTask(market, taskId);
  return sendMarketTx(market, 'claim', [BigInt(taskId), commitment], {
    value: task.claimBondWei,
  });
}

/**
 * Claims the task for `worker` unless it already holds a live claim; the claim's receipt, if one
 * was sent. The claim is mined before a proof or result is revealed.
 */
export async function ensureClaim(
  market: Contract,
  taskId: bigint | number | string,
  task: Pick<TaskView, 'claimant' | 'claimExpiry'>,
  worker: string,
  commitment?: string,
): Promise<{ gasUsed: bigint; hash: string } | undefined> {
  if (await holdsLiveClaim(market, task, worker)) return undefined;
  return claimTask(market, taskId, commitment);
}

async function holdsLiveClaim(
  market: Contract,
  task: Pick<TaskView, 'claimant' | 'claimExpiry'>,
  worker: string,
) {
  const now = (await market.runner!.provider!.getBlock('latest'))!.timestamp;
  return task.claimant.toLowerCase() === worker.toLowerCase() && task.claimExpiry > now;
}

/**
 * Commits the proof for a task the worker holds a claim on (the claim itself carries the
 * commitment when it is made with the proof in hand), then reveals it once the commitment is
 * mined: only the committed claimant can be paid for this proof, and a proof public before the
 * commitment is not the claimant's.
 */
export async function commitAndSubmit(
  market: Contract,
  taskId: bigint | number | string,
  proof: string,
  instances: bigint[],
  worker: string,
): Promise<{
  commit?: { gasUsed: bigint; hash: string };
  submit: { gasUsed: bigint; hash: string };
}> {
  const commitment = proofCommitment(taskId, worker, proof);
  const task = await readTask(market, taskId);
  let commit: { gasUsed: bigint; hash: string } | undefined;
  if (task.commitment !== commitment || task.commitBlock === 0)
    commit = await sendMarketTx(market, 'commitProof', [BigInt(taskId), commitment]);
  // Sent after the commitment's receipt, the reveal cannot land in the commitment's block.
  const submit = await sendMarketTx(market, 'submit', [BigInt(taskId), proof, instances]);
  return { commit, submit };
}

/**
 * Claims the task for the sender (committing the proof in the same transaction) unless it already
 * holds the claim, commits if it has not, then reveals the proof. A proof copied from the mempool
 * is worthless to anyone else: the reveal matches only this worker's earlier commitment.
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
  const proof = proofBytes(bundle);
  const instances = instancesAsUint256(bundle);
  const claim = await ensureClaim(
    market,
    taskId,
    task,
    worker,
    proofCommitment(taskId, worker, proof),
  );
  const { commit, submit } = await commitAndSubmit(market, taskId, proof, instances, worker);
  const done = await readTask(market, taskId);
  return {
    taskId: String(taskId),
    worker,
    claimGas: claim?.gasUsed.toString(),
    claimTxHash: claim?.hash,
    commitGas: commit?.gasUsed.toString(),
    commitTxHash: commit?.hash,
    submitGas: submit.gasUsed.toString(),
    txHash: submit.hash,
    rewardEth: task.rewardEth,
    outputs: done.outputs,
  };
}
