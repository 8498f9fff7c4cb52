import type { Contract } from 'ethers';
import type { Reporter } from '../core/output.js';
import { attestModel } from './attestModel.js';
import { sendMarketTx } from './market.js';

export interface RegisteredPipeline {
  pipelineId: string;
  stageModels: string[];
  numInputs: number;
  numOutputs: number;
  gasUsed: string;
}

/**
 * Registers a pipeline of already registered stage models, in order, after attesting each (a
 * pipeline is only as trustworthy as its weakest verifier). The contract checks that the instance
 * layouts chain: one felt at every inner boundary.
 */
export async function registerPipeline(params: {
  market: Contract;
  stageModels: (bigint | number | string)[];
  artifactsRoots?: string[];
  reporter?: Reporter;
}): Promise<RegisteredPipeline> {
  const { market, reporter } = params;
  for (const [i, modelId] of params.stageModels.entries())
    await attestModel({ market, modelId, artifactsRoots: params.artifactsRoots, stage: i > 0 });
  const register = () =>
    sendMarketTx(market, 'registerPipeline', [params.stageModels.map((id) => BigInt(id))]);
  const receipt = reporter
    ? await reporter.step('Registering the pipeline', register, 'registerPipeline')
    : await register();
  const event = receipt.logs
    .map((l) => market.interface.parseLog(l))
    .find((e) => e?.name === 'PipelineRegistered');
  return {
    pipelineId: event!.args.pipelineId.toString(),
    stageModels: (event!.args.stageModels as bigint[]).map(String),
    numInputs: Number(event!.args.numInputs),
    numOutputs: Number(event!.args.numOutputs),
    gasUsed: receipt.gasUsed.toString(),
  };
}
