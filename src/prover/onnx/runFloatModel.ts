import * as ort from 'onnxruntime-node';
import { PocomputeError } from '../../core/errors.js';
import type { ModelInfo } from './inspectModel.js';

/** Runs the float model with onnxruntime-node: the reference that quantization error is measured against. */
export async function runFloatModel(model: ModelInfo, inputs: number[][]): Promise<number[][]> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(model.bytes);
  } catch (error) {
    throw new PocomputeError(
      'ONNX_INVALID',
      `onnxruntime cannot load ${model.path}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  try {
    const feeds: Record<string, ort.Tensor> = {};
    model.inputs.forEach((input, i) => {
      feeds[input.name] = new ort.Tensor('float32', Float32Array.from(inputs[i]), input.dims);
    });
    const results = await session.run(feeds);
    return model.outputs.map((o) => Array.from(results[o.name].data as Float32Array, Number));
  } catch (error) {
    throw new PocomputeError(
      'INPUT_SHAPE',
      `onnxruntime could not run ${model.path} on these inputs: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    await session.release();
  }
}
