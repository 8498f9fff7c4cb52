import { PocomputeError } from '../core/errors.js';
import type { Artifacts } from '../proof/artifacts.js';
import { genWitnessBytes, isWitnessFailure } from '../prover/stages/witnessStages.js';
import { dequantizeInputs } from './instanceLayout.js';
import { unwitnessableStage, witnessPipeline } from './witnessPipeline.js';

const HINT =
  'Post an input inside the range the circuit was calibrated for, or compile the model with a ' +
  'sample input (--input) that covers it and register that.';

/**
 * Refuses a task input the trusted artifacts cannot witness (EZKL's genWitness fails, e.g. a value
 * outside the calibrated range): no worker could prove it, so a zk task would only wait for its
 * deadline and an optimistic task could only be answered by a lie. Witnesses only: no proving.
 */
export async function requireWitnessableInput(params: {
  stages: Artifacts[];
  inputs: bigint[];
  /** "model 3" or "pipeline 1", for the message. */
  what: string;
  /** A zk task's model: its witness alone (an optimistic task's pipeline: every stage, linked). */
  single?: boolean;
}): Promise<void> {
  const { stages, inputs, what } = params;
  try {
    if (params.single) {
      await genWitnessBytes(
        stages[0],
        { input_data: dequantizeInputs(inputs, stages[0].manifest) },
        what,
      );
      return;
    }
    await witnessPipeline({ stages, inputs });
  } catch (error) {
    const failure = unwitnessableStage(error);
    if (!failure && !isWitnessFailure(error)) throw error;
    const reason = failure?.reason ?? (error as PocomputeError).message;
    throw new PocomputeError(
      'INPUT_INVALID',
      `EZKL cannot witness this input on ${what}${failure && stages.length > 1 ? ` (stage ${failure.stage})` : ''}, so no proof of it can exist: ${reason}`,
      { hint: HINT, cause: error },
    );
  }
}
