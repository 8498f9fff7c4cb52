import { PocomputeError } from '../core/errors.js';
import type { ArtifactsManifest } from '../proof/artifactsManifest.js';
import { dequantize, feltFromHexLE } from '../proof/felts.js';
import { toFelts } from '../prover/poseidon.js';

/**
 * How many public instances are the model's inputs, and how many its outputs (the market's model
 * layout). A pipeline stage past the first may take its input hashed (the boundary's Poseidon hash).
 */
export function instanceCounts(
  manifest: ArtifactsManifest,
  options: { stage?: boolean } = {},
): {
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
  if (manifest.options.inputVisibility !== 'public' && !options.stage) {
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
  return values.flatMap((tensor, i) =>
    toFelts(tensor, manifest.circuit.inputScales[i], inputTypes[i] ?? 'F32', {
      what: `input ${i} value`,
    }).map(feltFromHexLE),
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

/** A task's verified outputs as numbers, with the model's output scales. */
export function dequantizeOutputs(outputs: bigint[], manifest: ArtifactsManifest): number[] {
  const scales = manifest.model.outputs.flatMap((t, i) =>
    Array<number>(t.size).fill(manifest.circuit.outputScales[i]),
  );
  return outputs.map((v, i) =>
    dequantize(v.toString(16).padStart(64, '0').match(/../g)!.reverse().join(''), scales[i]),
  );
}
