import onnxProto from 'onnx-proto';
import { PocomputeError } from '../../core/errors.js';

const { onnx } = onnxProto;

/** The inference model with some initializers replaced: how a fine-tuned model is exported. */
export function withUpdatedWeights(
  modelBytes: Uint8Array,
  updates: Record<string, ArrayLike<number>>,
): Uint8Array {
  const model = onnx.ModelProto.decode(modelBytes);
  const remaining = new Set(Object.keys(updates));
  for (const tensor of model.graph?.initializer ?? []) {
    const values = updates[tensor.name ?? ''];
    if (!values) continue;
    const expected = (tensor.dims ?? []).reduce((a: number, d) => a * Number(d), 1);
    if (values.length !== expected)
      throw new PocomputeError(
        'INTERNAL',
        `weights for ${tensor.name}: ${values.length} values, expected ${expected}`,
      );
    tensor.floatData = Array.from(values, Number);
    delete (tensor as { rawData?: Uint8Array }).rawData; // an empty raw_data would still be encoded, and win
    remaining.delete(tensor.name ?? '');
  }
  if (remaining.size)
    throw new PocomputeError('INTERNAL', `no initializer named ${[...remaining].join(', ')}`);
  return onnx.ModelProto.encode(model).finish();
}
