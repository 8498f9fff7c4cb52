import type { ProofBundle } from '../proof/bundle.js';
import type { ModelInfo } from '../proof/inspectModel.js';
import { runFloatModel } from './onnx/runFloatModel.js';
import { quantizationError } from './publicValues.js';

export type FloatReference = { outputs: number[][] } | { unavailable: string };

/**
 * The float model's outputs on the same input, or why there are none. The reference is an extra
 * report, not part of the proof: a model that onnxruntime cannot load or run (an int8 MatMul it has
 * no kernel for, say) but that EZKL proves is still proved.
 */
export async function floatReference(
  model: ModelInfo,
  inputs: number[][],
): Promise<FloatReference> {
  try {
    return { outputs: await runFloatModel(model, inputs) };
  } catch (error) {
    return { unavailable: `no float reference: ${(error as Error).message}` };
  }
}

/**
 * The bundle's float reference and quantization error, output by output. Outputs whose sizes differ
 * between the float model and the circuit cannot be compared: then there is no reference either.
 */
export function compareToFloat(
  names: string[],
  proved: number[][],
  float: FloatReference,
): Pick<ProofBundle, 'floatReference' | 'quantization'> {
  if ('unavailable' in float)
    return { floatReference: { outputs: [], unavailable: float.unavailable }, quantization: [] };
  const mismatch = names.findIndex((_, i) => proved[i]?.length !== float.outputs[i]?.length);
  if (mismatch >= 0) {
    const unavailable =
      `no float reference: onnxruntime's output "${names[mismatch]}" has ` +
      `${float.outputs[mismatch]?.length ?? 0} values, the circuit's ${proved[mismatch]?.length ?? 0}`;
    return { floatReference: { outputs: [], unavailable }, quantization: [] };
  }
  return {
    floatReference: { outputs: names.map((name, i) => ({ name, values: float.outputs[i] })) },
    quantization: names.map((name, i) => quantizationError(name, proved[i], float.outputs[i])),
  };
}
