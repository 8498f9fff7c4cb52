import type { Contract } from 'ethers';
import { PocomputeError } from '../core/errors.js';
import type { Reporter } from '../core/output.js';
import type { Artifacts } from '../proof/artifacts.js';
import { findStagedArtifactsByVks } from '../prover/stages/findStagedArtifacts.js';
import { attestModel, type MarketModel } from './attestModel.js';

/** The stage model ids of a registered pipeline, in order. */
async function readPipeline(
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
 * A pipeline of N > 1 stages must be the consecutive stages 0..N−1 of one split of one source
 * model: a local trusted compilation of that split (a compileStages record) whose stage vk hashes
 * are the registered ones, in order and all of them; and each link must chain — stage i's output
 * scale and shape are stage i+1's input scale and shape, the inner boundaries hashed. Stages of
 * two splits (that may skip or repeat an op while their boundaries still chain) or of two models
 * are refused: each is a genuine stage, but together they are not the computation.
 */
async function requireOneSplit(
  pipelineId: string,
  models: MarketModel[],
  stages: Artifacts[],
  artifactsRoots?: string[],
): Promise<void> {
  const refuse = (why: string) => {
    throw new PocomputeError('VERIFIER_UNTRUSTED', `pipeline ${pipelineId}: ${why}`, {
      hint:
        'A pipeline is the stages of one split, in order: `pocompute model register <split dir> ' +
        '--input <sample>` registers them and their pipeline; compile that split here to check it.',
    });
  };
  const vks = models.map((m) => m.vkHash.slice(2));
  const split = await findStagedArtifactsByVks(vks, artifactsRoots);
  if (!split)
    refuse(
      `its ${stages.length} stages (models ${models.map((m) => m.modelId).join(', ')}) are not ` +
        `the stages 0..${stages.length - 1} of any split compiled on this machine`,
    );
  const source = split!.source.sha256;
  for (const [i, stage] of stages.entries()) {
    if (split!.stages[i].manifest.model.sha256 !== stage.manifest.model.sha256)
      refuse(`stage ${i} is not stage ${i} of the split of ${source.slice(0, 16)}…`);
    if (i + 1 === stages.length) break;
    const next = stages[i + 1].manifest;
    const here = stage.manifest;
    if (here.options.outputVisibility !== 'hashed' || next.options.inputVisibility !== 'hashed')
      refuse(`the boundary after stage ${i} is not hashed on both sides`);
    if (here.circuit.outputScales.join() !== next.circuit.inputScales.join())
      refuse(
        `stage ${i}'s output scale ${here.circuit.outputScales} is not stage ${i + 1}'s ` +
          `input scale ${next.circuit.inputScales}`,
      );
    const shape = (ts: { dims: number[] }[]) => JSON.stringify(ts.map((t) => t.dims));
    if (shape(here.model.outputs) !== shape(next.model.inputs))
      refuse(
        `stage ${i}'s output shape ${shape(here.model.outputs)} is not stage ${i + 1}'s ` +
          `input shape ${shape(next.model.inputs)}`,
      );
  }
}

/**
 * Attests every stage of a pipeline exactly as a model is attested (EZKL's verifier for the vk,
 * code unchanged since registration, the instance layout the circuit's own), and checks the ends:
 * the first stage takes its inputs public (a task commits to them) and the last gives its outputs
 * public (a result states them). The contract checked that the inner boundaries are one felt each;
 * requireOneSplit checks that the stages are one split's, in order.
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
  if (stages.length > 1)
    await requireOneSplit(String(params.pipelineId), models, stages, params.artifactsRoots);
  const last = stages[stages.length - 1].manifest.options;
  if (last.outputVisibility !== 'public')
    throw new PocomputeError(
      'VERIFIER_UNTRUSTED',
      `pipeline ${params.pipelineId}: its last stage's outputs are ${last.outputVisibility}, ` +
        'so a result could not state them',
    );
  return { pipelineId: String(params.pipelineId), models, stages };
}
