import { PocomputeError } from '../../core/errors.js';
import type { ModelInfo } from './inspectModel.js';

type Ort = typeof import('onnxruntime-node');
let ortModule: Promise<Ort> | undefined;

/**
 * onnxruntime-node is an optional dependency (its install script fetches CUDA files some networks
 * cannot reach): loaded on first use, and its absence is a clear error the caller can degrade on.
 */
function loadOnnxRuntime(): Promise<Ort> {
  ortModule ??= import('onnxruntime-node').catch((error) => {
    ortModule = undefined;
    throw new PocomputeError(
      'FLOAT_REFERENCE_UNAVAILABLE',
      `onnxruntime-node is not installed: ${(error as Error).message.split('\n')[0]}`,
      { cause: error },
    );
  });
  return ortModule;
}

/** Runs the float model with onnxruntime-node: the reference that quantization error is measured against. */
export async function runFloatModel(model: ModelInfo, inputs: number[][]): Promise<number[][]> {
  const ort = await loadOnnxRuntime();
  let session: import('onnxruntime-node').InferenceSession;
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
    const feeds: Record<string, import('onnxruntime-node').Tensor> = {};
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
