import type { CompileOptions } from './artifactsManifest.js';
import type { PublicTensor } from './bundle.js';
import { dequantize } from './felts.js';
import type { TensorInfo } from './onnx/inspectModel.js';

export interface InstanceLayout {
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  inputScales: number[];
  outputScales: number[];
  options: Pick<CompileOptions, 'inputVisibility' | 'outputVisibility'>;
}

/**
 * Reads the public values out of a proof's instances: EZKL lays out the public inputs, then the
 * public outputs, each flattened; a hashed tensor contributes one Poseidon hash felt. Verify uses
 * this to recompute what a bundle claims, so a bundle's stated outputs are never taken on trust.
 */
export function publicValuesFromInstances(
  instances: string[],
  layout: InstanceLayout,
): { inputs: PublicTensor[]; outputs: PublicTensor[] } {
  let cursor = 0;
  const take = (
    tensors: TensorInfo[],
    scales: number[],
    visibility: CompileOptions['inputVisibility'],
  ): PublicTensor[] =>
    tensors.map((t, i) => {
      const base = { name: t.name, dims: t.dims, visibility };
      if (visibility === 'public') {
        const felts = instances.slice(cursor, cursor + t.size);
        cursor += t.size;
        return { ...base, values: felts.map((f) => dequantize(f, scales[i])) };
      }
      if (visibility === 'hashed') {
        const hash = instances.slice(cursor, cursor + 1);
        cursor += 1;
        return { ...base, hash };
      }
      return base;
    });
  const inputs = take(layout.inputs, layout.inputScales, layout.options.inputVisibility);
  const outputs = take(layout.outputs, layout.outputScales, layout.options.outputVisibility);
  return { inputs, outputs };
}

export function quantizationError(
  name: string,
  quantized: number[],
  float: number[],
): { name: string; maxAbsError: number; maxRelError: number } {
  let maxAbsError = 0;
  let maxRelError = 0;
  quantized.forEach((q, i) => {
    const abs = Math.abs(q - float[i]);
    maxAbsError = Math.max(maxAbsError, abs);
    maxRelError = Math.max(maxRelError, abs / Math.max(Math.abs(float[i]), 1e-6));
  });
  return { name, maxAbsError, maxRelError };
}
