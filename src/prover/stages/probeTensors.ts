import type onnxProto from 'onnx-proto';
import { onnx } from '../../proof/onnxProto.js';
import { PocomputeError } from '../../core/errors.js';
import type { ModelInfo } from '../../proof/inspectModel.js';
import { loadOnnxRuntime, ortSession } from '../onnx/runFloatModel.js';

/** What a tensor of the graph is at run time. */
export interface ProbedTensor {
  dims: number[];
  /** onnxruntime's element type name (float32, int64, …). */
  dtype: string;
}

/**
 * The shape and element type of every tensor a node produces, found by running the graph once in
 * onnxruntime on zeros with every node output exposed: exported graphs rarely declare the shapes of
 * their intermediate tensors (no value_info), and a stage's boundary needs a concrete one.
 */
export async function probeTensors(
  model: ModelInfo,
  decoded: onnxProto.onnx.ModelProto,
): Promise<Map<string, ProbedTensor>> {
  const ort = await loadOnnxRuntime().catch((error: PocomputeError) => {
    throw new PocomputeError(
      'FLOAT_REFERENCE_UNAVAILABLE',
      `split needs onnxruntime to find the shapes of the model's inner tensors: ${error.message}`,
      { cause: error },
    );
  });
  const probe = onnx.ModelProto.fromObject(onnx.ModelProto.toObject(decoded));
  const graph = probe.graph as onnxProto.onnx.GraphProto;
  const exposed = new Set(graph.output.map((o) => o.name));
  for (const node of graph.node)
    for (const name of node.output ?? [])
      if (name && !exposed.has(name)) {
        graph.output.push(onnx.ValueInfoProto.create({ name }));
        exposed.add(name);
      }
  const session = await ortSession(ort, onnx.ModelProto.encode(probe).finish(), model.path);
  try {
    const feeds: Record<string, import('onnxruntime-web').Tensor> = {};
    for (const input of model.inputs) {
      const dtype = input.dtype ?? 'float32';
      feeds[input.name] = zeros(ort, dtype, input.dims);
    }
    const results = await session.run(feeds);
    const found = new Map<string, ProbedTensor>();
    for (const [name, tensor] of Object.entries(results))
      found.set(name, { dims: [...tensor.dims], dtype: tensor.type });
    return found;
  } catch (error) {
    throw new PocomputeError(
      'ONNX_INVALID',
      `onnxruntime could not run ${model.path} to find its tensor shapes: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    await session.release();
  }
}

function zeros(
  ort: typeof import('onnxruntime-web'),
  dtype: string,
  dims: number[],
): import('onnxruntime-web').Tensor {
  const size = dims.reduce((a, b) => a * b, 1);
  const data =
    dtype === 'float64'
      ? new Float64Array(size)
      : dtype === 'int64'
        ? new BigInt64Array(size)
        : dtype === 'int32'
          ? new Int32Array(size)
          : dtype === 'bool' || dtype === 'uint8'
            ? new Uint8Array(size)
            : dtype === 'int8'
              ? new Int8Array(size)
              : new Float32Array(size);
  return new ort.Tensor(dtype as 'float32', data as Float32Array, dims);
}
