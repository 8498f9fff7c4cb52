import onnxProto from 'onnx-proto';
import { PocomputeError } from '../../core/errors.js';

const { onnx } = onnxProto;

export interface DenseLayer {
  index: number;
  weightName: string;
  biasName: string;
  inFeatures: number;
  outFeatures: number;
  /** Gemm transB=1: the weight is stored [out, in] instead of [in, out]. */
  transB: boolean;
  weights: Float32Array;
  bias: Float32Array;
  activation: 'relu' | 'none';
}

export interface MlpSpec {
  inputName: string;
  inFeatures: number;
  outputName: string;
  layers: DenseLayer[];
}

/** Reads an inference MLP (Gemm layers with ReLU between them) into a list of dense layers. */
export function readMlp(modelBytes: Uint8Array): MlpSpec {
  let model: onnxProto.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(modelBytes);
  } catch (error) {
    throw new PocomputeError('ONNX_INVALID', `not an ONNX model: ${(error as Error).message}`);
  }
  const graph = model.graph;
  if (!graph) throw new PocomputeError('ONNX_INVALID', 'not an ONNX model: it has no graph');
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const nodes = graph.node ?? [];
  // A leading Flatten(axis=1) of the input (what torch exports for nn.Flatten) changes nothing on
  // the [batch, features] rows a step or an evaluation feeds in.
  const flatten =
    nodes[0]?.opType === 'Flatten' &&
    Number(nodes[0].attribute?.find((a) => a.name === 'axis')?.i ?? 1) === 1
      ? nodes[0]
      : undefined;
  const unsupported = nodes
    .slice(flatten ? 1 : 0)
    .map((n) => n.opType ?? '')
    .filter((op) => op !== 'Gemm' && op !== 'Relu');
  if (unsupported.length) {
    throw new PocomputeError(
      'ONNX_UNSUPPORTED',
      `only dense (Gemm) layers with ReLU can be fine-tuned; this model has ${[...new Set(unsupported)].join(', ')}`,
    );
  }
  const input = (graph.input ?? []).find((i) => !initializers.has(i.name ?? ''));
  if (!input) throw new PocomputeError('ONNX_INVALID', 'the model has no input');
  const layers: DenseLayer[] = [];
  if (flatten && flatten.input?.[0] !== input.name)
    throw new PocomputeError('ONNX_UNSUPPORTED', 'the Flatten does not read the model input');
  let current = flatten ? (flatten.output?.[0] ?? '') : (input.name ?? '');
  for (let i = flatten ? 1 : 0; i < nodes.length; i++) {
    const node = nodes[i];
    if (node.opType !== 'Gemm' || node.input?.[0] !== current)
      throw new PocomputeError(
        'ONNX_UNSUPPORTED',
        `node ${node.name ?? i} is not a dense layer on the previous layer's output`,
      );
    const attr = (name: string) => node.attribute?.find((a) => a.name === name);
    if (
      Number(attr('transA')?.i ?? 0) !== 0 ||
      (attr('alpha') && attr('alpha')!.f !== 1) ||
      (attr('beta') && attr('beta')!.f !== 1)
    ) {
      throw new PocomputeError(
        'ONNX_UNSUPPORTED',
        `Gemm ${node.name ?? i}: only transA=0, alpha=beta=1 are supported`,
      );
    }
    const [w, b] = [initializers.get(node.input[1]), initializers.get(node.input[2] ?? '')];
    if (!w || !b)
      throw new PocomputeError(
        'ONNX_UNSUPPORTED',
        `Gemm ${node.name ?? i}: weight and bias must be constants`,
      );
    const transB = Number(attr('transB')?.i ?? 0) === 1;
    const dims = (w.dims ?? []).map(Number);
    const [inFeatures, outFeatures] = transB ? [dims[1], dims[0]] : [dims[0], dims[1]];
    const next = nodes[i + 1];
    const relu = next?.opType === 'Relu' && next.input?.[0] === node.output?.[0];
    layers.push({
      index: layers.length,
      weightName: w.name ?? '',
      biasName: b.name ?? '',
      inFeatures,
      outFeatures,
      transB,
      weights: tensorFloats(w),
      bias: tensorFloats(b),
      activation: relu ? 'relu' : 'none',
    });
    current = relu ? next.output![0] : node.output![0];
    if (relu) i++;
  }
  const output = graph.output?.[0]?.name ?? '';
  if (current !== output)
    throw new PocomputeError('ONNX_UNSUPPORTED', 'the dense layers do not end at the model output');
  return {
    inputName: input.name ?? '',
    inFeatures: layers[0].inFeatures,
    outputName: output,
    layers,
  };
}

function tensorFloats(t: onnxProto.onnx.ITensorProto): Float32Array {
  if (t.floatData?.length) return Float32Array.from(t.floatData);
  const raw = t.rawData ?? new Uint8Array();
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
}
