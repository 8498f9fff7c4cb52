import { type Contract, formatEther, ZeroHash } from 'ethers';
import { describeChainError } from '../chain/provider.js';
import { PocomputeError } from '../core/errors.js';
import {
  batchIncludes,
  batchInputLeaf,
  batchPath,
  batchResultLeaf,
  chunk,
  requireRoot,
} from './batchTree.js';
import { ZERO } from './attestModel.js';
import { TASK_STATUS } from './market.js';
import { openBatches } from './openBatches.js';

export interface BatchView {
  batchId: string;
  pipelineId: string;
  /** open, submitted (results in their window), done (finalized), refunded (every task closed). */
  status: (typeof TASK_STATUS)[number];
  tasks: number;
  requester: string;
  rewardPerTaskEth: string;
  rewardPerTaskWei: bigint;
  deadline: number;
  consumer: string;
  windowSeconds: number;
  responseSeconds: number;
  /** Per task; a claim on the batch locks N of them with the results. */
  workerBondWei: bigint;
  challengerBondWei: bigint;
  inputsRoot: string;
  claimant: string;
  claimExpiry: number;
  claimBondWei: bigint;
  /** Tasks cancelled, refunded or lost (never paid to the worker). */
  closed: number;
  /** Tasks whose challenge went unanswered. */
  lost: number;
  openChallenges: number;
  windowEnd: number;
  submitter: string;
  resultsRoot: string;
  numInputs: number;
  numOutputs: number;
  numStages: number;
  /** The blocks of the BatchPosted and BatchResultSubmitted events (0: no results yet). */
  postedBlock: number;
  resultsBlock: number;
}

/** A batch's state on the chain. */
export async function readBatch(
  market: Contract,
  batchId: bigint | number | string,
): Promise<BatchView> {
  const batches = openBatches(market);
  let b: Awaited<ReturnType<typeof batches.getBatch>>;
  try {
    b = await batches.getBatch(BigInt(batchId));
  } catch (error) {
    throw describeChainError(error, batches.interface);
  }
  return {
    batchId: String(batchId),
    pipelineId: b.pipelineId.toString(),
    status: TASK_STATUS[Number(b.status)],
    tasks: Number(b.n),
    requester: b.requester,
    rewardPerTaskEth: formatEther(b.rewardPerTask),
    rewardPerTaskWei: BigInt(b.rewardPerTask),
    deadline: Number(b.deadline),
    consumer: b.consumer,
    windowSeconds: Number(b.terms.window),
    responseSeconds: Number(b.terms.responseTime),
    workerBondWei: BigInt(b.terms.workerBond),
    challengerBondWei: BigInt(b.terms.challengerBond),
    inputsRoot: b.inputsRoot,
    claimant: b.claimant,
    claimExpiry: Number(b.claimExpiry),
    claimBondWei: BigInt(b.claimBond),
    closed: Number(b.closed),
    lost: Number(b.lost),
    openChallenges: Number(b.openChallenges),
    windowEnd: Number(b.windowEnd),
    submitter: b.submitter,
    resultsRoot: b.resultsRoot,
    numInputs: Number(b.numInputs),
    numOutputs: Number(b.numOutputs),
    numStages: Number(b.numStages),
    postedBlock: Number(b.postedBlock),
    resultsBlock: Number(b.resultsBlock),
  };
}

/** The batch's event of that name, read from the one block the batch records for it. */
async function batchEvent(market: Contract, name: string, batchId: bigint, block: number) {
  const batches = openBatches(market);
  const logs = await batches.queryFilter(batches.filters[name](batchId), block, block);
  return logs.at(-1) as (typeof logs)[number] & { args: Record<string, unknown> };
}

/**
 * Each task's input felts, read from the BatchPosted event and checked against the inputs root
 * the chain holds: a batch whose published inputs do not hash to it is refused (BATCH_MISMATCH).
 */
export async function readBatchInputs(market: Contract, view: BatchView): Promise<bigint[][]> {
  const id = BigInt(view.batchId);
  const event = await batchEvent(market, 'BatchPosted', id, view.postedBlock);
  if (!event)
    throw new PocomputeError(
      'BATCH_MISMATCH',
      `batch ${id}: no BatchPosted event carries its inputs`,
    );
  const inputs = chunk((event.args.inputs as bigint[]).map(BigInt), view.numInputs, view.tasks);
  verifyBatchInputs(view, inputs);
  return inputs;
}

/** Throws BATCH_MISMATCH unless `inputs` (task after task) are what the batch's root commits. */
export function verifyBatchInputs(view: BatchView, inputs: bigint[][]): void {
  const id = BigInt(view.batchId);
  if (inputs.length !== view.tasks || inputs.some((t) => t.length !== view.numInputs))
    throw new PocomputeError(
      'BATCH_MISMATCH',
      `batch ${id}: the published inputs are not ${view.tasks} tasks of ${view.numInputs} felts`,
    );
  requireRoot(
    `batch ${id} inputs`,
    view.inputsRoot,
    inputs.map((t, i) => batchInputLeaf(id, i, t)),
  );
}

export interface BatchResults {
  outputs: bigint[][];
  boundaries: bigint[][];
}

/** The stated results, from the BatchResultSubmitted event, checked against the results root. */
export async function readBatchResults(market: Contract, view: BatchView): Promise<BatchResults> {
  const id = BigInt(view.batchId);
  const event =
    view.submitter === '0x0000000000000000000000000000000000000000'
      ? undefined
      : await batchEvent(market, 'BatchResultSubmitted', id, view.resultsBlock);
  if (!event)
    throw new PocomputeError(
      'BATCH_MISMATCH',
      `batch ${id} has no results yet (status ${view.status})`,
      {
        hint: 'A batch has results once its worker submitted them (`pocompute task claim-batch`).',
      },
    );
  const results = {
    outputs: chunk((event.args.outputs as bigint[]).map(BigInt), view.numOutputs, view.tasks),
    boundaries: chunk(
      (event.args.boundaries as bigint[]).map(BigInt),
      view.numStages - 1,
      view.tasks,
    ),
  };
  requireRoot(`batch ${id} results`, view.resultsRoot, resultLeaves(id, results));
  return results;
}

function resultLeaves(id: bigint, results: BatchResults): string[] {
  return results.outputs.map((o, i) => batchResultLeaf(id, i, o, results.boundaries[i]));
}

export interface BatchTaskProof {
  batchId: string;
  index: number;
  inputs: string[];
  outputs: string[];
  boundaries: string[];
  resultsRoot: string;
  resultLeaf: string;
  /** The leaf's siblings from the bottom up: what `isFinalResult`/`deliver` take. */
  resultPath: string[];
  inputsRoot: string;
  inputPath: string[];
  /** Closed (cancelled, refunded or lost): never paid, and not a final result. */
  closed: boolean;
  /** Final: the batch is finalized, the task not closed, and the chain says the leaf is included. */
  final: boolean;
}

/**
 * One task of a batch with its inclusion proofs: its inputs in the inputs root and its result in
 * the results root, checked here and, once the batch is finalized, by the chain (`isFinalResult`).
 */
export async function batchTaskProof(params: {
  market: Contract;
  batchId: bigint | number | string;
  index: number;
  view?: BatchView;
}): Promise<BatchTaskProof> {
  const { market, index } = params;
  const view = params.view ?? (await readBatch(market, params.batchId));
  const id = BigInt(view.batchId);
  if (!Number.isInteger(index) || index < 0 || index >= view.tasks)
    throw new PocomputeError(
      'OPTION_INVALID',
      `batch ${id} has tasks 0..${view.tasks - 1} (got ${index})`,
    );
  const inputs = await readBatchInputs(market, view);
  const inputPath = batchPath(
    inputs.map((t, i) => batchInputLeaf(id, i, t)),
    index,
  );
  const batches = openBatches(market);
  const closed = (await batches.isClosed(id, index)) as boolean;
  if (view.submitter === ZERO)
    // No results yet: the task's inputs and their inclusion proof only.
    return {
      batchId: view.batchId,
      index,
      inputs: inputs[index].map(String),
      outputs: [],
      boundaries: [],
      resultsRoot: view.resultsRoot,
      resultLeaf: ZeroHash,
      resultPath: [],
      inputsRoot: view.inputsRoot,
      inputPath,
      closed,
      final: false,
    };
  const results = await readBatchResults(market, view);
  const leaves = resultLeaves(id, results);
  const resultPath = batchPath(leaves, index);
  if (!batchIncludes(view.resultsRoot, view.tasks, index, leaves[index], resultPath))
    throw new PocomputeError('INTERNAL', `batch ${id}: computed path does not verify`);
  const final = (await batches.isFinalResult(
    id,
    index,
    results.outputs[index],
    results.boundaries[index],
    resultPath,
  )) as boolean;
  return {
    batchId: view.batchId,
    index,
    inputs: inputs[index].map(String),
    outputs: results.outputs[index].map(String),
    boundaries: results.boundaries[index].map(String),
    resultsRoot: view.resultsRoot,
    resultLeaf: leaves[index],
    resultPath,
    inputsRoot: view.inputsRoot,
    inputPath,
    closed,
    final,
  };
}
