import { PocomputeError } from '../core/errors.js';
import type { ArtifactsManifest } from '../prover/artifactsManifest.js';
import { clamped, wasmEngine } from '../prover/engine/wasmEngine.js';
import { dequantize, feltFromHexLE } from '../prover/felts.js';

/** How many public instances are the model's inputs, and how many its outputs (the market's model layout). */
export function instanceCounts(manifest: ArtifactsManifest): {
  numInputs: number;
  numOutputs: number;
} {
  const count = (tensors: { size: number }[], visibility: string) =>
    visibility === 'public'
      ? tensors.reduce((a, t) => a + t.size, 0)
      : visibility === 'hashed'
        ? tensors.length
        : 0;
  const numInputs = count(manifest.model.inputs, manifest.options.inputVisibility);
  const numOutputs = count(manifest.model.outputs, manifest.options.outputVisibility);
  if (numOutputs === 0)
    throw new PocomputeError(
      'OPTION_INVALID',
      'a market model needs public (or hashed) outputs: recompile with --output-visibility public',
    );
  if (manifest.options.inputVisibility !== 'public') {
    throw new PocomputeError(
      'OPTION_INVALID',
      'market tasks commit to the exact input values: compile the model with --input-visibility public',
    );
  }
  return { numInputs, numOutputs };
}

/**
 * Quantizes inputs exactly as EZKL does (its own floatToFelt, with the model's input scales and
 * types), giving the uint256 values the proof's input instances will hold.
 */
export function quantizeInputs(
  values: number[][],
  manifest: ArtifactsManifest,
  inputTypes: string[],
): bigint[] {
  const ezkl = wasmEngine() as unknown as {
    floatToFelt(input: number, scale: number, type: string): Uint8ClampedArray;
  };
  return values.flatMap((tensor, i) =>
    tensor.map((x, j) => {
      const scaled = Math.abs(x) * 2 ** manifest.circuit.inputScales[i];
      // EZKL quantizes to a 64-bit integer: a value past that is an input error, not an engine fault.
      if (!Number.isFinite(scaled) || scaled >= 2 ** 63)
        throw new PocomputeError(
          'INPUT_INVALID',
          `input ${i} value ${j} (${x}) does not fit the model's fixed point (scale 2^${manifest.circuit.inputScales[i]})`,
        );
      let felt: string;
      try {
        felt = JSON.parse(
          new TextDecoder().decode(
            ezkl.floatToFelt(
              x,
              manifest.circuit.inputScales[i],
              (inputTypes[i] ?? 'F32').toLowerCase(),
            ),
          ),
        ) as string;
      } catch (error) {
        // EZKL's own refusal of a value is about the input, so it is an input error, in its words.
        throw new PocomputeError(
          'INPUT_INVALID',
          `input ${i} value ${j} (${x}) cannot be quantized: ${(error as Error).message ?? error}`,
        );
      }
      return feltFromHexLE(felt);
    }),
  );
}

/** The float inputs a worker proves on, recovered from a task's on-chain input instances. */
export function dequantizeInputs(instances: bigint[], manifest: ArtifactsManifest): number[][] {
  let cursor = 0;
  return manifest.model.inputs.map((t, i) => {
    const slice = instances.slice(cursor, cursor + t.size);
    cursor += t.size;
    return slice.map((v) =>
      dequantize(
        v.toString(16).padStart(64, '0').match(/../g)!.reverse().join(''),
        manifest.circuit.inputScales[i],
      ),
    );
  });
}

export const feltHexToUint = (hex: string) => feltFromHexLE(hex);
export { clamped };

/** A task's verified outputs as numbers, with the model's output scales. */
export function dequantizeOutputs(outputs: bigint[], manifest: ArtifactsManifest): number[] {
  const scales = manifest.model.outputs.flatMap((t, i) =>
    Array<number>(t.size).fill(manifest.circuit.outputScales[i]),
  );
  return outputs.map((v, i) =>
    dequantize(v.toString(16).padStart(64, '0').match(/../g)!.reverse().join(''), scales[i]),
  );
}
