import type { Contract } from 'ethers';
import { PocomputeError } from '../core/errors.js';
import type { Reporter } from '../core/output.js';
import type { Artifacts } from '../prover/artifacts.js';
import { attestModel, type MarketModel } from './attestModel.js';

/** The stage model ids of a registered pipeline, in order. */
export async function readPipeline(
  market: Contract,
  pipelineId: bigint | number | string,
): Promise<string[]> {
  const stages = (await market.getPipeline(BigInt(pipelineId)).catch(() => {
    throw new PocomputeError(
      'OPTION_INVALID',
      `pipeline ${pipelineId} is not registered on this market`,
      { hint: 'Register one with `pocompute model pipeline <stage model ids…>`.' },
    );
  })) as bigint[];
  return stages.map(String);
}

export interface AttestedPipeline {
  pipelineId: string;
  models: MarketModel[];
  /** The local compiled artifacts of each stage, in order: what witnesses and proofs come from. */
  stages: Artifacts[];
}

/**
 * Attests every stage of a pipeline exactly as a model is attested (EZKL's verifier for the vk,
 * code unchanged since registration, the instance layout the circuit's own), and checks the ends:
 * the first stage takes its inputs public (a task commits to them) and the last gives its outputs
 * public (a result states them). The contract checked that the inner boundaries are one felt each.
 */
export async function attestPipeline(params: {
  market: Contract;
  pipelineId: bigint | number | string;
  artifactsRoots?: string[];
  reporter?: Reporter;
}): Promise<AttestedPipeline> {
  const ids = await readPipeline(params.market, params.pipelineId);
  const models: MarketModel[] = [];
  const stages: Artifacts[] = [];
  for (const [i, modelId] of ids.entries()) {
    const { model, artifacts } = await attestModel({
      market: params.market,
      modelId,
      artifactsRoots: params.artifactsRoots,
      stage: i > 0,
      reporter: params.reporter,
    });
    models.push(model);
    stages.push(artifacts);
  }
  const last = stages[stages.length - 1].manifest.options;
  if (last.outputVisibility !== 'public')
    throw new PocomputeError(
      'VERIFIER_UNTRUSTED',
      `pipeline ${params.pipelineId}: its last stage's outputs are ${last.outputVisibility}, ` +
        'so a result could not state them',
    );
  return { pipelineId: String(params.pipelineId), models, stages };
}
