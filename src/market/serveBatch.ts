import type { Contract } from 'ethers';
import { PocomputeError } from '../core/errors.js';
import type { Reporter } from '../core/output.js';
import { ZERO } from './attestModel.js';
import { attestPipeline } from './attestPipeline.js';
import { sendMarketTx } from './market.js';
import { openBatches } from './openBatches.js';
import { chainNow } from './postTask.js';
import { type BatchView, readBatch, readBatchInputs } from './readBatch.js';
import { witnessPipeline } from './witnessPipeline.js';

export interface ServeBatchResult {
  batchId: string;
  tasks: number;
  claimTxHash?: string;
  claimGas: string;
  submitTxHash: string;
  submitGas: string;
  windowEnd: number;
  resultsRoot: string;
  outputs: string[][];
  boundaries: string[][];
}

/**
 * A worker serves a batch: attests its pipeline, reads every task's inputs from the batch's
 * calldata and refuses a batch whose inputs do not match its root (BATCH_MISMATCH), computes each
 * result from the stages' witnesses (no proving), claims the batch unless it holds a live claim,
 * and states the N results in one transaction with N worker bonds.
 */
export async function serveBatch(params: {
  market: Contract;
  batchId: bigint | number | string;
  worker: string;
  reporter?: Reporter;
}): Promise<ServeBatchResult> {
  const { market, worker } = params;
  const batches = openBatches(market);
  const view = await readBatch(market, params.batchId);
  const id = BigInt(view.batchId);
  const now = await chainNow(market.runner!.provider!);
  if (view.status !== 'open')
    throw new PocomputeError('TX_REVERTED', `batch ${id} is ${view.status}, not open`);
  const { stages } = await attestPipeline({
    market,
    pipelineId: view.pipelineId,
    reporter: params.reporter,
  });
  const inputs = await readBatchInputs(market, view);
  const outputs: bigint[][] = [];
  const boundaries: bigint[][] = [];
  for (const task of inputs) {
    const result = await witnessPipeline({ stages, inputs: task });
    outputs.push(result.outputs);
    boundaries.push(result.boundaries);
  }
  const claim = await claimUnlessHeld(market, view, worker, now);
  const receipt = await sendMarketTx(
    batches,
    'submitResults',
    [id, outputs.flat(), boundaries.flat()],
    { value: view.workerBondWei * BigInt(view.tasks) },
  );
  const event = receipt.logs
    .map((l) => batches.interface.parseLog(l))
    .find((e) => e?.name === 'BatchResultSubmitted');
  return {
    batchId: view.batchId,
    tasks: view.tasks,
    claimTxHash: claim?.hash,
    claimGas: claim?.gasUsed.toString() ?? '0',
    submitTxHash: receipt.hash,
    submitGas: receipt.gasUsed.toString(),
    windowEnd: Number(event!.args.windowEnd),
    resultsRoot: event!.args.resultsRoot,
    outputs: outputs.map((o) => o.map(String)),
    boundaries: boundaries.map((b) => b.map(String)),
  };
}

async function claimUnlessHeld(market: Contract, view: BatchView, worker: string, now: number) {
  if (view.claimant.toLowerCase() === worker.toLowerCase() && view.claimExpiry > now) return;
  if (view.claimant !== ZERO && view.claimExpiry > now)
    throw new PocomputeError(
      'TX_REVERTED',
      `batch ${view.batchId} is claimed by ${view.claimant} until ${new Date(view.claimExpiry * 1000).toISOString()}`,
      { hint: 'Wait for that claim to lapse, or serve another batch.' },
    );
  const bond = (await market.claimBondFor(
    view.rewardPerTaskWei * BigInt(view.tasks - view.closed),
  )) as bigint;
  return sendMarketTx(openBatches(market), 'claim', [BigInt(view.batchId)], { value: bond });
}
