import type { Contract } from 'ethers';
import { describeChainError } from '../chain/provider.js';
import type { Artifacts } from '../proof/artifacts.js';
import { sendMarketTx } from './market.js';
import { openBatches } from './openBatches.js';
import { proveStageAnswer } from './proveStageAnswer.js';
import { batchTaskProof, readBatch } from './readBatch.js';

/**
 * The per-task dispute calls of a batch, the single task's (challengeStage, respondChallenge,
 * settleChallenge, finalizeResult) for one leaf of a batch.
 */

type Id = bigint | number | string;

/** Challenges one stage of one task's stated result, locking the batch's challenger bond. */
export async function challengeBatchTask(params: {
  market: Contract;
  batchId: Id;
  index: number;
  stage: number;
}) {
  const { market, index, stage } = params;
  const view = await readBatch(market, params.batchId);
  const batches = openBatches(market);
  const receipt = await sendMarketTx(batches, 'challenge', [BigInt(view.batchId), index, stage], {
    value: view.challengerBondWei,
  });
  const event = receipt.logs
    .map((l) => batches.interface.parseLog(l))
    .find((e) => e?.name === 'LeafChallenged');
  return {
    batchId: view.batchId,
    index,
    stage,
    txHash: receipt.hash,
    gasUsed: receipt.gasUsed.toString(),
    responseDeadline: Number(event!.args.responseDeadline),
  };
}

/**
 * The submitter answers a challenge of one task's stage: the stage's zk proof on the task's
 * inputs (proveStageAnswer: earlier stages witnessed only), with the task's leaf and its inclusion
 * proofs in the results root and the inputs root. Gas limit: the estimate plus a quarter, as
 * respondChallenge (the verifier runs inside a try/catch).
 */
export async function respondBatchChallenge(params: {
  market: Contract;
  batchId: Id;
  index: number;
  stage: number;
  /** The pipeline's attested stage artifacts (attestPipeline). */
  stages: Artifacts[];
}) {
  const { market, index, stage } = params;
  const proof = await batchTaskProof({ market, batchId: params.batchId, index });
  const answer = await proveStageAnswer({
    stages: params.stages,
    stage,
    inputs: proof.inputs.map(BigInt),
  });
  const leaf = {
    outputs: proof.outputs,
    boundaries: proof.boundaries,
    resultPath: proof.resultPath,
    inputPath: proof.inputPath,
  };
  const batches = openBatches(market);
  const args = [BigInt(proof.batchId), index, stage, leaf, answer.proof, answer.instances];
  let estimate: bigint;
  try {
    estimate = await batches.getFunction('respond').estimateGas(...args);
  } catch (error) {
    throw describeChainError(error, batches.interface);
  }
  const receipt = await sendMarketTx(batches, 'respond', args, {
    gasLimit: (estimate * 5n) / 4n,
  });
  return {
    batchId: proof.batchId,
    index,
    stage,
    proveMs: answer.proveMs,
    txHash: receipt.hash,
    gasUsed: receipt.gasUsed.toString(),
  };
}

/** After an unanswered challenge's deadline: the task is closed, the bonds split (anyone). */
export async function settleBatchChallenge(params: {
  market: Contract;
  batchId: Id;
  index: number;
  stage: number;
}) {
  const { index, stage } = params;
  const receipt = await sendMarketTx(openBatches(params.market), 'settleChallenge', [
    BigInt(params.batchId),
    index,
    stage,
  ]);
  return {
    batchId: String(params.batchId),
    index,
    stage,
    txHash: receipt.hash,
    gasUsed: receipt.gasUsed.toString(),
  };
}

/**
 * After the window, no challenge open: one call pays the worker for every task not closed, its
 * claim bond and the worker bonds of every task not lost (anyone may send it).
 */
export async function finalizeBatch(params: { market: Contract; batchId: Id }) {
  const batches = openBatches(params.market);
  const receipt = await sendMarketTx(batches, 'finalize', [BigInt(params.batchId)]);
  const event = receipt.logs
    .map((l) => batches.interface.parseLog(l))
    .find((e) => e?.name === 'BatchFinalized');
  return {
    batchId: String(params.batchId),
    worker: event!.args.worker as string,
    tasksPaid: Number(event!.args.tasksPaid),
    payoutWei: (event!.args.payout as bigint).toString(),
    txHash: receipt.hash,
    gasUsed: receipt.gasUsed.toString(),
  };
}

/**
 * Delivers one finalized task's result to the batch's consumer, with its inclusion proof
 * (anyone may; once per task). Consumers pull: N callbacks would not fit one block.
 */
export async function deliverBatchResult(params: { market: Contract; batchId: Id; index: number }) {
  const { market, index } = params;
  const proof = await batchTaskProof({ market, batchId: params.batchId, index });
  const batches = openBatches(market);
  const receipt = await sendMarketTx(batches, 'deliver', [
    BigInt(proof.batchId),
    index,
    proof.outputs,
    proof.boundaries,
    proof.resultPath,
  ]);
  const event = receipt.logs
    .map((l) => batches.interface.parseLog(l))
    .find((e) => e?.name === 'BatchResultDelivered');
  return {
    batchId: proof.batchId,
    index,
    consumer: (event?.args.consumer as string | undefined) ?? null,
    callbackOk: (event?.args.ok as boolean | undefined) ?? null,
    txHash: receipt.hash,
    gasUsed: receipt.gasUsed.toString(),
  };
}

/** Cancels (requester, no live claim) or refunds (anyone, after the deadline) tasks of a batch. */
export async function closeBatchTasks(params: {
  market: Contract;
  batchId: Id;
  indices: number[];
  how: 'cancel' | 'refund';
}) {
  const receipt = await sendMarketTx(openBatches(params.market), params.how, [
    BigInt(params.batchId),
    params.indices,
  ]);
  return {
    batchId: String(params.batchId),
    indices: params.indices,
    txHash: receipt.hash,
    gasUsed: receipt.gasUsed.toString(),
  };
}
