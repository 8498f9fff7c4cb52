import type { Contract } from 'ethers';
import type { ChainContext } from '../chain/chainContext.js';
import type { Reporter } from '../core/output.js';
import { compileStages } from '../prover/stages/compileStages.js';
import { registerModel, type RegisteredModel } from './market.js';
import { registerPipeline, type RegisteredPipeline } from './registerPipeline.js';

/**
 * Registers a split model (`pocompute split`) for optimistic tasks in one go: compiles its stages
 * (cached), registers each as a model — verifier deployed or reused, attested — and the pipeline.
 */
export async function registerStagedModel(params: {
  chain: ChainContext;
  market: Contract;
  /** The directory `pocompute split` wrote. */
  staged: string;
  /** A sample input of the whole model (calibrates the stages). */
  input: string;
  reporter?: Reporter;
}): Promise<{ stages: RegisteredModel[]; pipeline: RegisteredPipeline }> {
  const { chain, market, reporter } = params;
  const compiled = await compileStages({ staged: params.staged, input: params.input, reporter });
  const stages: RegisteredModel[] = [];
  for (const [i, artifacts] of compiled.stages.entries())
    stages.push(await registerModel({ chain, market, artifacts, stage: i > 0, reporter }));
  const pipeline = await registerPipeline({
    market,
    stageModels: stages.map((s) => s.modelId),
    reporter,
  });
  return { stages, pipeline };
}
