import type onnxProto from 'onnx-proto';
import { onnx } from './onnxProto.js';
import { PocomputeError } from '../core/errors.js';
import { readFileSha256, requireRegularFile } from '../core/files.js';

import type { Dtype } from './dtypes.js';

// ONNX TensorProto.DataType codes.
const ONNX_DTYPES: Record<number, Dtype> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'unsupported:string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  14: 'unsupported:complex64',
  15: 'unsupported:complex128',
  16: 'unsupported:bfloat16',
};

export interface TensorInfo {
  name: string;
  /** Symbolic or unknown dimensions (a batch axis) are taken as 1, as EZKL does by default. */
  dims: number[];
  size: number;
  /** The declared element type (float32 when the graph leaves it out). */
  dtype?: Dtype;
}

export interface ModelInfo {
  path: string;
  bytes: Uint8Array;
  sha256: string;
  /** The real inputs: graph inputs that are not initializers. EZKL reads these, in this order. */
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  ops: string[];
  opset: number;
  /**
   * Every graph input in declared order, including those an initializer backs (old exporters list
   * weights as inputs): EZKL's input files may carry a tensor for each.
   */
  graphInputs?: { name: string; initializer: boolean }[];
}

/** Parses an ONNX file and lists its real inputs (not initializers), outputs and ops. */
export async function inspectModel(path: string): Promise<ModelInfo> {
  // A regular file only (a directory or a device would fail as a crash); no size cap: models are
  // large, and ONNX is decoded without the recursion a deep JSON file would cost.
  const read = await readFileSha256(await requireRegularFile(path, 'model', 'ONNX_INVALID'));
  const bytes = new Uint8Array(read.bytes);
  let model: onnxProto.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new PocomputeError(
      'ONNX_INVALID',
      `${path} is not an ONNX model: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const graph = model.graph;
  // A graph may have no inputs at all (a constant subgraph such as Range): EZKL proves it.
  if (!graph?.node?.length || !graph.output?.length) {
    throw new PocomputeError(
      'ONNX_INVALID',
      `${path} is not an ONNX model: it has no graph with outputs and nodes`,
    );
  }
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  const tensor = (v: onnxProto.onnx.IValueInfoProto): TensorInfo => {
    const dims = (v.type?.tensorType?.shape?.dim ?? []).map((d) => {
      const value = Number(d.dimValue ?? 0);
      return value > 0 ? value : 1;
    });
    const elemType = Number(v.type?.tensorType?.elemType ?? 1) || 1;
    const dtype = ONNX_DTYPES[elemType] ?? `unsupported:type ${elemType}`;
    return { name: v.name ?? '', dims, size: dims.reduce((a, b) => a * b, 1), dtype };
  };
  const declaredInputs = graph.input ?? [];
  return {
    path,
    bytes,
    sha256: read.sha256,
    inputs: declaredInputs.filter((v) => !initializers.has(v.name ?? '')).map(tensor),
    outputs: graph.output.map(tensor),
    ops: [...new Set(graph.node.map((n) => n.opType ?? '?'))],
    opset: Number(model.opsetImport?.find((o) => !o.domain)?.version ?? 0),
    graphInputs: declaredInputs.map((v) => ({
      name: v.name ?? '',
      initializer: initializers.has(v.name ?? ''),
    })),
  };
}
