import { readFile } from 'node:fs/promises';
import onnxProto from 'onnx-proto';
import { PocomputeError } from '../../core/errors.js';
import { requireFile, sha256Hex } from '../../core/files.js';

const { onnx } = onnxProto;

export interface TensorInfo {
  name: string;
  /** Symbolic or unknown dimensions (a batch axis) are taken as 1, as EZKL does by default. */
  dims: number[];
  size: number;
}

export interface ModelInfo {
  path: string;
  bytes: Uint8Array;
  sha256: string;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  ops: string[];
  opset: number;
}

/** Parses an ONNX file and lists its real inputs (not initializers), outputs and ops. */
export async function inspectModel(path: string): Promise<ModelInfo> {
  const bytes = new Uint8Array(await readFile(requireFile(path, 'model')));
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
  if (!graph?.node?.length || !graph.input?.length || !graph.output?.length) {
    throw new PocomputeError(
      'ONNX_INVALID',
      `${path} is not an ONNX model: it has no graph with inputs, outputs and nodes`,
    );
  }
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  const tensor = (v: onnxProto.onnx.IValueInfoProto): TensorInfo => {
    const dims = (v.type?.tensorType?.shape?.dim ?? []).map((d) => {
      const value = Number(d.dimValue ?? 0);
      return value > 0 ? value : 1;
    });
    return { name: v.name ?? '', dims, size: dims.reduce((a, b) => a * b, 1) };
  };
  return {
    path,
    bytes,
    sha256: sha256Hex(bytes),
    inputs: graph.input.filter((v) => !initializers.has(v.name ?? '')).map(tensor),
    outputs: graph.output.map(tensor),
    ops: [...new Set(graph.node.map((n) => n.opType ?? '?'))],
    opset: Number(model.opsetImport?.find((o) => !o.domain)?.version ?? 0),
  };
}
