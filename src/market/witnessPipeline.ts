import { PocomputeError } from '../core/errors.js';
import type { Artifacts } from '../proof/artifacts.js';
import type { StagedArtifacts } from '../proof/stagedArtifacts.js';
import { stageInstanceLayout } from '../proof/stageInstanceLayout.js';
import {
  isWitnessFailure,
  type WitnessStagesResult,
  witnessStages,
} from '../prover/stages/witnessStages.js';
import { dequantizeInputs } from './instanceLayout.js';

export interface PipelineResult {
  /** The last stage's public outputs, as the uint256 the chain holds. */
  outputs: bigint[];
  /** The N−1 inner boundaries: Poseidon hash of stage i's output, as the uint256 the chain holds. */
  boundaries: bigint[];
}

/** A pipeline's attested local stage artifacts as the staged prover takes them. */
export function stagedOf(stages: Artifacts[]): StagedArtifacts {
  return {
    dir: stages[0].dir,
    source: { name: stages[0].manifest.model.name, sha256: stages[0].manifest.model.sha256 },
    stages: stages.map((s) => ({ ...s, cached: true })),
  };
}

/**
 * The result an optimistic worker states and a watcher checks, from the quantized witnesses of
 * the stages alone (witnessStages, no proving): exactly the public values the stage proofs would
 * have. A 1-stage pipeline is an ordinary model: public inputs, public outputs.
 */
export async function witnessPipeline(params: {
  stages: Artifacts[];
  inputs: bigint[];
}): Promise<PipelineResult & { witness: WitnessStagesResult }> {
  const { stages, inputs } = params;
  const n = stages.length;
  // The task holds field elements; EZKL takes floats, which it quantizes again.
  const witness = await witnessStages(stagedOf(stages), {
    input_data: dequantizeInputs(inputs, stages[0].manifest),
  });
  const quantized = witness.instances[0].slice(0, inputs.length);
  if (quantized.some((v, i) => v !== inputs[i]))
    throw new PocomputeError(
      'INPUT_INVALID',
      'the task inputs do not survive dequantization: EZKL would compute on another input',
      { details: { witnessFailedAtStage: 0, boundaries: [] } },
    );
  const lastModel = stages[n - 1].manifest.model;
  const layout = stageInstanceLayout(n - 1, n, {
    inputElements: stages[0].manifest.model.inputs.reduce((a, t) => a + t.size, 0),
    outputElements: lastModel.outputs.reduce((a, t) => a + t.size, 0),
  });
  const [start, end] = layout.publicOutputs!;
  return {
    outputs: witness.instances[n - 1].slice(start, end),
    boundaries: witness.boundaries.map((b) => BigInt(b)),
    witness,
  };
}

/** Where the trusted pipeline cannot witness a task's inputs: no proof of that stage can exist. */
export interface UnwitnessableStage {
  /** The first stage EZKL cannot witness on the correct input (0: the task's input itself). */
  stage: number;
  /** The correct inner boundaries before it, as the uint256 the chain holds. */
  boundaries: bigint[];
  reason: string;
}

/**
 * The stage a pipeline's witness failed at, when the failure is the input's (EZKL's genWitness
 * refused it, or the task's field elements are no quantized float), else undefined (an IO or
 * engine failure says nothing about the task).
 */
export function unwitnessableStage(error: unknown): UnwitnessableStage | undefined {
  const inputInvalid = error instanceof PocomputeError && error.code === 'INPUT_INVALID';
  if (!inputInvalid && !isWitnessFailure(error)) return undefined;
  const details = (error as PocomputeError).details ?? {};
  const stage = details.witnessFailedAtStage;
  if (typeof stage !== 'number') return undefined;
  return {
    stage,
    boundaries: ((details.boundaries as string[] | undefined) ?? []).map((b) => BigInt(b)),
    reason: (error as PocomputeError).message,
  };
}
