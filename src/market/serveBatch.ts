import type { Contract } from 'ethers';
import { PocomputeError, toPocomputeError } from '../core/errors.js';
import { revertName } from '../chain/provider.js';
import type { Reporter } from '../core/output.js';
import { ZERO } from './attestModel.js';
import { attestPipeline } from './attestPipeline.js';
import { sendMarketTx } from './market.js';
import { openBatches } from './openBatches.js';
import { chainNow } from './postTask.js';
import { type BatchView, readBatch, readBatchInputs } from './readBatch.js';
import { witnessPipeline } from './witnessPipeline.js';

/** PocomputeBatches.MAX_RESULT_WORDS: the most result words one submitResults may carry. */
export const MAX_RESULT_WORDS = 3072;
const CLAIM_MARGIN_SECONDS = 60;

/** The words submitResults carries for a batch: n × (outputs + stages − 1). */
export function batchResultWords(tasks: number, numOutputs: number, numStages: number): number {
  return tasks * (numOutputs + numStages - 1);
}

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
  if (view.status !== 'open')
    throw new PocomputeError('TX_REVERTED', `batch ${id} is ${view.status}, not open`);
  const words = batchResultWords(view.tasks, view.numOutputs, view.numStages);
  if (words > MAX_RESULT_WORDS)
    throw new PocomputeError(
      'TX_REVERTED',
      `batch ${id}: its results are ${words} words, more than one submitResults carries (${MAX_RESULT_WORDS}); not claimed`,
      { details: { refused: true } },
    );
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
  // Witnessing N tasks takes minutes: claim on a fresh read (a task cancelled meanwhile changes
  // the bond; a deadline now closer than a whole claim would be refused), and once more on a
  // bond that changed between the read and the claim.
  let claim: Awaited<ReturnType<typeof claimUnlessHeld>>;
  try {
    claim = await claimUnlessHeld(market, await readBatch(market, id), worker);
  } catch (error) {
    if (revertName(toPocomputeError(error)) !== 'WrongBond') throw error;
    claim = await claimUnlessHeld(market, await readBatch(market, id), worker);
  }
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

async function claimUnlessHeld(market: Contract, view: BatchView, worker: string) {
  const now = await chainNow(market.runner!.provider!);
  if (view.status !== 'open')
    throw new PocomputeError('TX_REVERTED', `batch ${view.batchId} is ${view.status}, not open`);
  if (view.claimant.toLowerCase() === worker.toLowerCase() && view.claimExpiry > now) return;
  if (view.claimant !== ZERO && view.claimExpiry > now)
    throw new PocomputeError(
      'TX_REVERTED',
      `batch ${view.batchId} is claimed by ${view.claimant} until ${new Date(view.claimExpiry * 1000).toISOString()}`,
      { hint: 'Wait for that claim to lapse, or serve another batch.' },
    );
  // The contract refuses a claim that would outlast the deadline (DeadlineInsideClaim); a claim
  // sent in the last seconds could be mined past that line: keep a minute in hand.
  const claimTtl = Number(await market.claimTtl());
  if (now + claimTtl + CLAIM_MARGIN_SECONDS > view.deadline)
    throw new PocomputeError(
      'TX_REVERTED',
      `batch ${view.batchId}: its deadline is ${view.deadline - now} s away, less than a claim (${claimTtl} s) and ${CLAIM_MARGIN_SECONDS} s; not claimed`,
      { details: { refused: true } },
    );
  const bond = (await market.claimBondFor(
    view.rewardPerTaskWei * BigInt(view.tasks - view.closed),
  )) as bigint;
  return sendMarketTx(openBatches(market), 'claim', [BigInt(view.batchId)], { value: bond });
}
