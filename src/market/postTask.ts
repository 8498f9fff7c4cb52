import type { Contract } from 'ethers';
import { readFile } from 'node:fs/promises';
import { PocomputeError } from '../core/errors.js';
import type { Reporter } from '../core/output.js';
import type { Artifacts } from '../proof/artifacts.js';
import { loadInputs } from '../prover/inputs.js';
import { attestModel, ZERO } from './attestModel.js';
import { quantizeInputs } from './instanceLayout.js';
import { sendMarketTx } from './market.js';
import { parseReward } from './parseMarketOptions.js';
import { requireWitnessableInput } from './requireWitnessableInput.js';

export { parseDuration } from './parseMarketOptions.js';

export interface PostTaskParams {
  market: Contract;
  modelId: bigint | number | string;
  input: string;
  rewardEth: string;
  /** Seconds from now (the wall clock). */
  deadlineSeconds: number;
  consumer?: string;
  reporter?: Reporter;
}

/**
 * Posts a task with its reward in escrow, after attesting the model's verifier (a requester must not
 * pay for proofs checked by a verifier that says yes to anything). The input is committed as the
 * exact field elements the proof's input instances will hold (EZKL's floatToFelt, the model's scales).
 */
export async function postTask(
  params: PostTaskParams,
): Promise<{ taskId: string; gasUsed: string; inputs: string[]; deadline: number }> {
  const { market } = params;
  const reward = parseReward(params.rewardEth);
  const provider = market.runner!.provider!;
  const { artifacts } = await attestModel({
    market,
    modelId: params.modelId,
    reporter: params.reporter,
  });
  const consumer = params.consumer ?? ZERO;
  await requireConsumerCode(provider, consumer);
  const felts = await quantizeTaskInput(artifacts, params.input);
  await requireWitnessableInput({
    stages: [artifacts],
    inputs: felts,
    what: `model ${params.modelId}`,
    single: true,
  });
  const deadline = (await chainNow(provider)) + params.deadlineSeconds;
  const receipt = await sendMarketTx(
    market,
    'postTask',
    [BigInt(params.modelId), felts, deadline, consumer],
    { value: reward },
  );
  const event = receipt.logs
    .map((l) => market.interface.parseLog(l))
    .find((e) => e?.name === 'TaskPosted');
  return {
    taskId: event!.args.taskId.toString(),
    gasUsed: receipt.gasUsed.toString(),
    inputs: felts.map(String),
    deadline,
  };
}

/** A consumer must have code: else it could never receive the outputs. */
export async function requireConsumerCode(
  provider: NonNullable<Contract['runner']>['provider'],
  consumer: string,
): Promise<void> {
  if (consumer !== ZERO && (await provider!.getCode(consumer)) === '0x')
    throw new PocomputeError(
      'OPTION_INVALID',
      `--consumer ${consumer} has no code on this chain: it could never receive the outputs`,
      { hint: 'Pass the address of a deployed IInferenceConsumer contract, or no --consumer.' },
    );
}

/**
 * A task's input file as the exact field elements the proof's input instances will hold (EZKL's
 * floatToFelt with the model's input scales and types).
 */
export async function quantizeTaskInput(artifacts: Artifacts, input: string): Promise<bigint[]> {
  const inputs = await loadInputs(input, artifacts.manifest.model.inputs);
  const settings = JSON.parse(await readFile(artifacts.path('settings.json'), 'utf8')) as {
    input_types?: string[];
  };
  return quantizeInputs(inputs.values, artifacts.manifest, settings.input_types ?? []);
}

/**
 * Now, in seconds: the wall clock. The latest block's time lags it on an idle chain (anvil mines
 * only on transactions), so a deadline from it is short; a chain whose clock was moved ahead of
 * the wall clock (a test chain) is the one case where its own time is used.
 */
export async function chainNow(provider: NonNullable<Contract['runner']>['provider']) {
  const wall = Math.floor(Date.now() / 1000);
  const latest = (await provider!.getBlock('latest'))?.timestamp ?? 0;
  return Math.max(wall, latest);
}
