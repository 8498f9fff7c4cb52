import type { Artifacts } from '../proof/artifacts.js';
import { proveStage } from '../prover/stages/proveStage.js';
import { proofBytes } from '../verifier/calldata.js';
import { stagedOf, witnessPipeline } from './witnessPipeline.js';

export interface StageAnswer {
  stage: number;
  /** The proof bytes the stage's verifier takes. */
  proof: string;
  instances: bigint[];
  proveMs: number;
}

/**
 * The zk proof of one stage of a pipeline run on the task's inputs: what answers a challenge of
 * that stage. Its public values are the stage's ends (inputs or boundary hash, boundary hash or
 * outputs), which the contract compares with the committed result. The stages before it are only
 * witnessed (to get its input), never proved.
 */
export async function proveStageAnswer(params: {
  stages: Artifacts[];
  stage: number;
  inputs: bigint[];
}): Promise<StageAnswer> {
  const { stages, stage } = params;
  const { witness } = await witnessPipeline({ stages, inputs: params.inputs });
  const started = performance.now();
  const proved = await proveStage(stagedOf(stages), stage, {
    input: witness.stageInputs[stage],
    witness: witness.witnesses[stage],
  });
  return {
    stage,
    proof: proofBytes({ proof: proved.proof }),
    instances: proved.instances,
    proveMs: Math.round(performance.now() - started),
  };
}
