import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PocomputeError } from '../core/errors.js';
import type { Artifacts } from '../prover/artifacts.js';
import { proveInference, type ProvingEngine } from '../prover/proveInference.js';
import { encodeCalldata, instancesAsUint256, proofBytes } from '../verifier/calldata.js';
import { dequantizeInputs } from './instanceLayout.js';

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
 * outputs), which the contract compares with the committed result.
 */
export async function proveStageAnswer(params: {
  stages: Artifacts[];
  stage: number;
  inputs: bigint[];
  workDir: string;
  engine?: ProvingEngine;
}): Promise<StageAnswer> {
  const { stages, stage, workDir } = params;
  if (stages.length !== 1)
    throw new PocomputeError(
      'OPTION_INVALID',
      `a ${stages.length}-stage pipeline needs the staged prover, which this build does not have`,
    );
  await mkdir(workDir, { recursive: true });
  const input = join(workDir, `stage-${stage}.input.json`);
  const out = join(workDir, `stage-${stage}.proof.json`);
  await writeFile(
    input,
    JSON.stringify({ input_data: dequantizeInputs(params.inputs, stages[0].manifest) }),
  );
  const started = performance.now();
  try {
    const { bundle } = await proveInference({
      target: stages[0].dir,
      input,
      out,
      engine: params.engine,
    });
    return {
      stage,
      proof: proofBytes(encodeCalldata(bundle)),
      instances: instancesAsUint256(bundle),
      proveMs: Math.round(performance.now() - started),
    };
  } finally {
    await rm(input, { force: true });
    await rm(out, { force: true });
  }
}
