import { type Contract, formatEther } from 'ethers';
import { PocomputeError } from '../core/errors.js';
import type { Reporter } from '../core/output.js';
import { batchResultWords, MAX_RESULT_WORDS } from './serveBatch.js';
import { ZERO } from './attestModel.js';
import { attestPipeline } from './attestPipeline.js';
import { openBatches } from './openBatches.js';
import { parseReward } from './parseMarketOptions.js';
import { type OptimisticTerms, optimisticTermsArg } from './postOptimisticTask.js';
import { chainNow, quantizeTaskInput, requireConsumerCode } from './postTask.js';
import { requireWitnessableInput } from './requireWitnessableInput.js';
import { sendMarketTx } from './market.js';

export interface PostBatchParams extends OptimisticTerms {
  market: Contract;
  pipelineId: bigint | number | string;
  /** One input file per task, in task order. */
  inputs: string[];
  /** The reward of each task (the batch escrows N times it). */
  rewardEth: string;
  /** Seconds from now (the wall clock) for the results to be submitted. */
  deadlineSeconds: number;
  /** A contract to receive each result with its inclusion proof (IBatchInferenceConsumer). */
  consumer?: string;
  reporter?: Reporter;
}

export interface PostBatchResult {
  batchId: string;
  tasks: number;
  gasUsed: string;
  gasPerTask: number;
  inputsRoot: string;
  /** Each task's input felts, as committed. */
  inputs: string[][];
  deadline: number;
}

/**
 * Posts N optimistic tasks of one pipeline in one transaction: the pipeline is attested, every
 * input quantized and witnessed (no proving) as for a single task, and the inputs sent as calldata
 * from which the contract computes the inputs root. The reward is per task.
 */
export async function postBatch(params: PostBatchParams): Promise<PostBatchResult> {
  const { market } = params;
  if (params.inputs.length === 0)
    throw new PocomputeError('OPTION_INVALID', 'a batch needs at least one --input');
  const reward = parseReward(params.rewardEth);
  const terms = optimisticTermsArg(params);
  const minBond = (await market.minChallengerBond()) as bigint;
  if (terms.challengerBond < minBond)
    throw new PocomputeError(
      'OPTION_INVALID',
      `--challenger-bond ${params.challengerBondEth} ETH is below this market's minimum (${formatEther(minBond)} ETH)`,
    );
  const provider = market.runner!.provider!;
  const { stages, models } = await attestPipeline({
    market,
    pipelineId: params.pipelineId,
    reporter: params.reporter,
  });
  // The contract refuses a batch whose results one submitResults could not carry, and a worker
  // cannot claim one whose deadline is closer than a claim: refuse both before any gas is spent.
  const words = batchResultWords(
    params.inputs.length,
    models[models.length - 1].numOutputs,
    stages.length,
  );
  if (words > MAX_RESULT_WORDS)
    throw new PocomputeError(
      'OPTION_INVALID',
      `${params.inputs.length} tasks make ${words} result words, more than one submitResults carries (${MAX_RESULT_WORDS}): post fewer tasks per batch`,
    );
  const claimTtl = Number(await market.claimTtl());
  if (params.deadlineSeconds < claimTtl)
    throw new PocomputeError(
      'OPTION_INVALID',
      `a deadline ${params.deadlineSeconds} s away is shorter than this market's claim (${claimTtl} s): no worker could claim the batch`,
    );
  const consumer = params.consumer ?? ZERO;
  await requireConsumerCode(provider, consumer);
  const felts: bigint[][] = [];
  for (const [i, input] of params.inputs.entries()) {
    const task = await quantizeTaskInput(stages[0], input);
    await requireWitnessableInput({
      stages,
      inputs: task,
      what: `pipeline ${params.pipelineId} (task ${i}: ${input})`,
    });
    felts.push(task);
  }
  const deadline = (await chainNow(provider)) + params.deadlineSeconds;
  const batches = openBatches(market);
  const n = BigInt(felts.length);
  const receipt = await sendMarketTx(
    batches,
    'postBatch',
    [BigInt(params.pipelineId), felts.flat(), deadline, consumer, terms],
    { value: reward * n },
  );
  const event = receipt.logs
    .map((l) => batches.interface.parseLog(l))
    .find((e) => e?.name === 'BatchPosted');
  return {
    batchId: event!.args.batchId.toString(),
    tasks: felts.length,
    gasUsed: receipt.gasUsed.toString(),
    gasPerTask: Math.round(Number(receipt.gasUsed) / felts.length),
    inputsRoot: event!.args.inputsRoot,
    inputs: felts.map((t) => t.map(String)),
    deadline,
  };
}
