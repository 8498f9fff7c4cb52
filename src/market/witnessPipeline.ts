import { PocomputeError } from '../core/errors.js';
import type { Artifacts } from '../prover/artifacts.js';
import { readArtifactFile } from '../prover/artifacts.js';
import { WasmThread } from '../prover/engine/wasmThread.js';
import { feltFromHexLE } from '../prover/felts.js';
import { dequantizeInputs } from './instanceLayout.js';

export interface PipelineResult {
  /** The last stage's public outputs, as the uint256 the chain holds. */
  outputs: bigint[];
  /** The N−1 inner boundaries: Poseidon hash of stage i's output, as the uint256 the chain holds. */
  boundaries: bigint[];
}

/**
 * The result an optimistic worker states and a watcher checks, from the quantized witnesses of
 * the stages alone (no proving): exactly the values the stage proofs would expose as public.
 */
export async function witnessPipeline(params: {
  stages: Artifacts[];
  inputs: bigint[];
}): Promise<PipelineResult> {
  const { stages, inputs } = params;
  if (stages.length !== 1)
    throw new PocomputeError(
      'OPTION_INVALID',
      `a ${stages.length}-stage pipeline needs the staged prover, which this build does not have`,
    );
  const witness = await witnessModel(stages[0], inputs);
  return { outputs: witness.outputs.flat().map(feltFromHexLE), boundaries: [] };
}

/**
 * EZKL's witness (WASM gen_witness, no Python) of one compiled model on input instances. The
 * inputs are dequantized for EZKL, which quantizes them again: the witness's inputs must be the
 * given field elements, or the result would be of another input.
 */
async function witnessModel(
  artifacts: Artifacts,
  inputs: bigint[],
): Promise<{ inputs: string[][]; outputs: string[][] }> {
  const thread = new WasmThread();
  try {
    const compiled = await readArtifactFile(artifacts, 'model.compiled');
    const input = { input_data: dequantizeInputs(inputs, artifacts.manifest) };
    const bytes = await thread.run({
      op: 'genWitness',
      compiled,
      input: new TextEncoder().encode(JSON.stringify(input)),
    });
    const witness = JSON.parse(new TextDecoder().decode(bytes));
    const quantized = (witness.inputs as string[][]).flat().map(feltFromHexLE);
    if (quantized.length !== inputs.length || quantized.some((v, i) => v !== inputs[i]))
      throw new PocomputeError(
        'INPUT_INVALID',
        'the task inputs do not survive dequantization: EZKL would prove another input',
      );
    return witness;
  } finally {
    await thread.close();
  }
}
