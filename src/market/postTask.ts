import type { Contract } from 'ethers';
import { PocomputeError } from '../core/errors.js';
import { findArtifactsByVk } from '../prover/artifactsIndex.js';
import { loadInputs } from '../prover/inputs.js';
import { quantizeInputs } from './instanceLayout.js';
import { parseReward, sendMarketTx } from './market.js';
import { readFile } from 'node:fs/promises';

export interface PostTaskParams {
  market: Contract;
  modelId: bigint | number | string;
  input: string;
  rewardEth: string;
  /** Seconds from now. */
  deadlineSeconds: number;
  consumer?: string;
}

/**
 * Posts a task with its reward in escrow. The input is committed as the exact field elements the
 * proof's input instances will hold (quantized with the model's own scales by EZKL's floatToFelt).
 */
export async function postTask(
  params: PostTaskParams,
): Promise<{ taskId: string; gasUsed: string; inputs: string[]; deadline: number }> {
  const { market } = params;
  const model = await market.getModel(BigInt(params.modelId)).catch(() => {
    throw new PocomputeError(
      'OPTION_INVALID',
      `model ${params.modelId} is not registered on this market`,
      { hint: 'Register it with `pocompute model register <model.onnx>`.' },
    );
  });
  const artifacts = await findArtifactsByVk(String(model.vkHash).slice(2));
  if (!artifacts) {
    throw new PocomputeError(
      'ARTIFACTS_INVALID',
      `model ${params.modelId} (vk ${String(model.vkHash).slice(2, 18)}…) is not compiled on this machine`,
      {
        hint: 'Compile the same model locally (`pocompute compile <model.onnx> --input <sample>`) so its input scales are known.',
      },
    );
  }
  const inputs = await loadInputs(params.input, artifacts.manifest.model.inputs);
  const settings = JSON.parse(await readFile(artifacts.path('settings.json'), 'utf8')) as {
    input_types?: string[];
  };
  const felts = quantizeInputs(inputs.values, artifacts.manifest, settings.input_types ?? []);
  const now = (await market.runner!.provider!.getBlock('latest'))!.timestamp;
  const deadline = now + params.deadlineSeconds;
  const receipt = await sendMarketTx(
    market,
    'postTask',
    [
      BigInt(params.modelId),
      felts,
      deadline,
      params.consumer ?? '0x0000000000000000000000000000000000000000',
    ],
    { value: parseReward(params.rewardEth) },
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

/** "1h", "30m", "90s" or plain seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!match)
    throw new PocomputeError(
      'OPTION_INVALID',
      `--deadline must be a duration like 90s, 30m, 1h or 2d (got "${text}")`,
    );
  return (
    Number(match[1]) *
    { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd']
  );
}
