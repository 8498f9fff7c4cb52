import { formatEther, type Contract } from 'ethers';
import { PocomputeError } from '../core/errors.js';
import type { Reporter } from '../core/output.js';
import { ZERO } from './attestModel.js';
import { attestPipeline } from './attestPipeline.js';
import { sendMarketTx } from './market.js';
import { parseEthAmount, parseReward } from './parseMarketOptions.js';
import { chainNow, quantizeTaskInput, requireConsumerCode } from './postTask.js';
import { requireWitnessableInput } from './requireWitnessableInput.js';

/** The contract's bounds on an optimistic task's windows (seconds). */
const OPTIMISTIC_BOUNDS = {
  window: [60, 30 * 86_400],
  responseTime: [60, 7 * 86_400],
} as const;

export interface OptimisticTerms {
  /** Seconds a result can be challenged (paused while a challenge is open). */
  windowSeconds: number;
  /** Seconds the worker has to answer a challenge with the stage's proof. */
  responseSeconds: number;
  workerBondEth: string;
  challengerBondEth: string;
}

export interface PostOptimisticTaskParams extends OptimisticTerms {
  market: Contract;
  pipelineId: bigint | number | string;
  input: string;
  rewardEth: string;
  /** Seconds from now (the wall clock) for a result to be submitted. */
  deadlineSeconds: number;
  consumer?: string;
  reporter?: Reporter;
}

/** The terms as the contract takes them, each checked against its bounds (usage errors). */
export function optimisticTermsArg(terms: OptimisticTerms) {
  for (const [name, option, value] of [
    ['window', '--window', terms.windowSeconds],
    ['responseTime', '--response-time', terms.responseSeconds],
  ] as const) {
    const [min, max] = OPTIMISTIC_BOUNDS[name];
    if (!Number.isInteger(value) || value < min || value > max)
      throw new PocomputeError(
        'OPTION_INVALID',
        `${option} must be between ${min} s and ${max / 86_400} days (got ${value} s)`,
      );
  }
  return {
    window: terms.windowSeconds,
    responseTime: terms.responseSeconds,
    workerBond: parseEthAmount(terms.workerBondEth, '--worker-bond'),
    challengerBond: parseEthAmount(terms.challengerBondEth, '--challenger-bond'),
  };
}

/**
 * Posts an optimistic task on a pipeline: every stage is attested first (a dispute is only as
 * good as the verifier that settles it), the input is committed as field elements as for a zk task.
 */
export async function postOptimisticTask(
  params: PostOptimisticTaskParams,
): Promise<{ taskId: string; gasUsed: string; inputs: string[]; deadline: number }> {
  const { market } = params;
  const reward = parseReward(params.rewardEth);
  const terms = optimisticTermsArg(params);
  const minBond = (await market.minChallengerBond()) as bigint;
  if (terms.challengerBond < minBond)
    throw new PocomputeError(
      'OPTION_INVALID',
      `--challenger-bond ${params.challengerBondEth} ETH is below this market's minimum (${formatEther(minBond)} ETH)`,
      {
        hint: "A false challenge must pay for the worker's answer (a stage proof's gas): ask at least the minimum.",
      },
    );
  const provider = market.runner!.provider!;
  const { stages } = await attestPipeline({
    market,
    pipelineId: params.pipelineId,
    reporter: params.reporter,
  });
  const consumer = params.consumer ?? ZERO;
  await requireConsumerCode(provider, consumer);
  const felts = await quantizeTaskInput(stages[0], params.input);
  // No proof can exist for an input EZKL cannot witness: only a lie could answer such a task.
  await requireWitnessableInput({ stages, inputs: felts, what: `pipeline ${params.pipelineId}` });
  const deadline = (await chainNow(provider)) + params.deadlineSeconds;
  const receipt = await sendMarketTx(
    market,
    'postOptimisticTask',
    [BigInt(params.pipelineId), felts, deadline, consumer, terms],
    { value: reward },
  );
  const event = receipt.logs
    .map((l) => market.interface.parseLog(l))
    .find((e) => e?.name === 'OptimisticTaskPosted');
  return {
    taskId: event!.args.taskId.toString(),
    gasUsed: receipt.gasUsed.toString(),
    inputs: felts.map(String),
    deadline,
  };
}
