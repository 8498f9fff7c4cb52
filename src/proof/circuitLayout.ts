import { PocomputeError } from '../core/errors.js';
import type { ArtifactsManifest } from './artifactsManifest.js';
import type { PublicTensor } from './bundle.js';
import { BN254_R, dequantize, feltFromHexLE } from './felts.js';

export type TensorVisibility = PublicTensor['visibility'];
export type ParamVisibility = 'fixed' | 'hashed' | 'private' | 'public';

/** One model input or output as the compiled circuit has it. */
export interface CircuitTensor {
  scale: number;
  /** The circuit's shape, known for public tensors (EZKL's model_instance_shapes). */
  dims?: number[];
}

/**
 * The layout of a circuit's public instances, read from EZKL's settings.json alone — the file a
 * verifier trusts together with the vk. EZKL (graph/mod.rs, prepare_public_inputs) lays them out
 * as: Poseidon hashes of hashed inputs, then of hashed params, then the public inputs, then the
 * public outputs or the hashes of hashed outputs.
 */
export interface CircuitLayout {
  inputVisibility: TensorVisibility;
  outputVisibility: TensorVisibility;
  paramVisibility: ParamVisibility;
  inputs: CircuitTensor[];
  outputs: CircuitTensor[];
  /** Poseidon hash felts of the hashed params (between the input hashes and the public inputs). */
  paramHashes: number;
  logrows: number;
  numRows: number;
  /** How many instances a proof for this circuit has. */
  instanceCount: number;
}

type SettingsShape = {
  run_args?: {
    input_visibility?: unknown;
    output_visibility?: unknown;
    param_visibility?: unknown;
    logrows?: unknown;
  };
  num_rows?: unknown;
  model_input_scales?: unknown;
  model_output_scales?: unknown;
  model_instance_shapes?: unknown;
  module_sizes?: { poseidon?: unknown };
};

/** Reads the instance layout out of EZKL settings; anything missing or odd is SETTINGS_MISMATCH. */
export function circuitLayout(settings: unknown, what = 'the settings'): CircuitLayout {
  const bad = (detail: string) =>
    new PocomputeError(
      'SETTINGS_MISMATCH',
      `${what} are not EZKL 21 settings pocompute can read: ${detail}`,
      {
        hint: 'Pass the settings.json of the artifacts directory the verifying key was made with.',
      },
    );
  if (!settings || typeof settings !== 'object' || Array.isArray(settings))
    throw bad('not a JSON object');
  const s = settings as SettingsShape;
  const runArgs = s.run_args;
  if (!runArgs || typeof runArgs !== 'object') throw bad('no run_args');
  const inputVisibility = tensorVisibility(runArgs.input_visibility, 'input_visibility', bad);
  const outputVisibility = tensorVisibility(runArgs.output_visibility, 'output_visibility', bad);
  const paramVisibility = paramVis(runArgs.param_visibility, bad);
  const inputScales = integers(s.model_input_scales, 'model_input_scales', bad);
  const outputScales = integers(s.model_output_scales, 'model_output_scales', bad);
  if (!Array.isArray(s.model_instance_shapes)) throw bad('no model_instance_shapes');
  const shapes = s.model_instance_shapes.map((d, i) =>
    integers(d, `model_instance_shapes[${i}]`, bad),
  );
  if (shapes.some((d) => d.some((n) => n < 0)))
    throw bad('a negative dimension in model_instance_shapes');
  const publicInputs = inputVisibility === 'public' ? inputScales.length : 0;
  const publicOutputs = outputVisibility === 'public' ? outputScales.length : 0;
  if (shapes.length !== publicInputs + publicOutputs) {
    throw bad(
      `model_instance_shapes has ${shapes.length} shapes for ${publicInputs} public ` +
        `input(s) and ${publicOutputs} public output(s)`,
    );
  }
  const poseidon = s.module_sizes?.poseidon;
  const hashes =
    Array.isArray(poseidon) && Array.isArray(poseidon[1])
      ? integers(poseidon[1], 'module_sizes.poseidon', bad).reduce((a, b) => a + b, 0)
      : 0;
  const inputHashes = inputVisibility === 'hashed' ? inputScales.length : 0;
  const outputHashes = outputVisibility === 'hashed' ? outputScales.length : 0;
  const paramHashes = hashes - inputHashes - outputHashes;
  if (paramHashes < 0 || (paramVisibility !== 'hashed' && paramHashes !== 0))
    throw bad(
      `module_sizes.poseidon counts ${hashes} hash(es), which the visibilities do not explain`,
    );
  const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
  const inputs = inputScales.map((scale, i) => ({
    scale,
    ...(inputVisibility === 'public' ? { dims: shapes[i] } : {}),
  }));
  const outputs = outputScales.map((scale, i) => ({
    scale,
    ...(outputVisibility === 'public' ? { dims: shapes[publicInputs + i] } : {}),
  }));
  const logrows = Number(runArgs.logrows);
  const numRows = Number(s.num_rows);
  // BN254 KZG circuits have at most 2^28 rows; a larger claim would only make an engine allocate.
  if (!Number.isInteger(logrows) || logrows < 1 || logrows > 28 || !Number.isInteger(numRows))
    throw bad('run_args.logrows/num_rows are not a circuit size (logrows 1..28)');
  return {
    inputVisibility,
    outputVisibility,
    paramVisibility,
    inputs,
    outputs,
    paramHashes,
    logrows,
    numRows,
    instanceCount: shapes.reduce((a, d) => a + size(d), 0) + hashes,
  };
}

/**
 * Refuses a circuit whose weights are not constants bound by its verifying key. With hashed (or
 * public/private) params a proof verifies for any weights: only comparing the published hash
 * with a trusted one would bind them, and pocompute does not do that, so such settings are never
 * a verdict's key material.
 */
export function requireFixedParams(layout: CircuitLayout, what = 'the settings'): void {
  if (layout.paramVisibility === 'fixed') return;
  throw new PocomputeError(
    'SETTINGS_MISMATCH',
    `${what} have run_args.param_visibility ${layout.paramVisibility}: the proof does not bind ` +
      'the weights (a hash of the weights proves nothing unless it is compared with a published ' +
      'one, which pocompute does not do yet)',
    { hint: 'Verify against artifacts compiled with --param-visibility fixed (the default).' },
  );
}

function tensorVisibility(
  value: unknown,
  field: string,
  bad: (detail: string) => Error,
): TensorVisibility {
  if (value === 'Public') return 'public';
  if (value === 'Private') return 'private';
  if (isPublicHash(value)) return 'hashed';
  throw bad(`run_args.${field} ${JSON.stringify(value)?.slice(0, 60)} is not supported`);
}

function paramVis(value: unknown, bad: (detail: string) => Error): ParamVisibility {
  if (value === 'Fixed') return 'fixed';
  if (value === 'Private') return 'private';
  if (value === 'Public') return 'public';
  if (isPublicHash(value)) return 'hashed';
  throw bad(`run_args.param_visibility ${JSON.stringify(value)?.slice(0, 60)} is not supported`);
}

/** EZKL writes `hashed` (a public hash) as {"Hashed": {"hash_is_public": true, "outlets": []}}. */
function isPublicHash(value: unknown): boolean {
  const hashed = (value as { Hashed?: { hash_is_public?: unknown } } | null)?.Hashed;
  return typeof value === 'object' && hashed?.hash_is_public === true;
}

function integers(value: unknown, field: string, bad: (detail: string) => Error): number[] {
  if (!Array.isArray(value) || !value.every((v) => Number.isSafeInteger(v)))
    throw bad(`${field} is not a list of integers`);
  return value as number[];
}

/** Names (and dims, for tensors the settings give no shape for) labelling a circuit's tensors. */
export interface TensorLabels {
  inputs: { name: string; dims: number[] }[];
  outputs: { name: string; dims: number[] }[];
}

/** Positional labels, for a verifier that trusts settings but has no model to name tensors from. */
export function positionalLabels(layout: CircuitLayout): TensorLabels {
  return {
    inputs: layout.inputs.map((t, i) => ({ name: `input_${i}`, dims: t.dims ?? [] })),
    outputs: layout.outputs.map((t, i) => ({ name: `output_${i}`, dims: t.dims ?? [] })),
  };
}

/**
 * Checks every instance is a canonical field element (64 hex digits, little-endian, below BN254's
 * r): anything else is a malformed bundle (exit 2), caught before it reaches an engine or a chain.
 */
export function assertFelts(instances: string[], what = 'the proof'): void {
  instances.forEach((felt, i) => {
    const ok = typeof felt === 'string' && /^(0x)?[0-9a-fA-F]{64}$/.test(felt);
    if (!ok || feltFromHexLE(felt) >= BN254_R) {
      throw new PocomputeError(
        'BUNDLE_INVALID',
        `${what}: instance ${i} (${String(felt).slice(0, 20)}…) is not a BN254 field element`,
        { hint: 'Instances are 32-byte little-endian hex felts below r, as EZKL writes them.' },
      );
    }
  });
}

/**
 * The public tensors a proof binds, read from its instances with a layout from trusted settings:
 * values are dequantized with the settings' scales, shapes of public tensors are the circuit's.
 * Returns undefined when the instance count does not fit the layout (the proof is for another
 * circuit, and will not verify against the key either).
 */
export function publicTensorsFromInstances(
  instances: string[],
  layout: CircuitLayout,
  labels: TensorLabels,
): { inputs: PublicTensor[]; outputs: PublicTensor[] } | undefined {
  if (instances.length !== layout.instanceCount) return undefined;
  assertFelts(instances);
  let hashCursor = 0;
  const inputHashes = layout.inputVisibility === 'hashed' ? layout.inputs.length : 0;
  let cursor = inputHashes + layout.paramHashes;
  const read = (
    tensors: CircuitTensor[],
    names: TensorLabels['inputs'],
    visibility: TensorVisibility,
  ): PublicTensor[] =>
    tensors.map((t, i) => {
      const base = { name: names[i]?.name ?? '', dims: t.dims ?? names[i]?.dims ?? [], visibility };
      if (visibility === 'public') {
        const size = (t.dims ?? []).reduce((a, b) => a * b, 1);
        const felts = instances.slice(cursor, cursor + size);
        cursor += size;
        return { ...base, values: felts.map((f) => dequantize(f, t.scale)) };
      }
      if (visibility === 'hashed') {
        // Input hashes lead the instances; output hashes follow the public inputs.
        const at = tensors === layout.inputs ? hashCursor++ : cursor++;
        return { ...base, hash: [instances[at]] };
      }
      return base;
    });
  const inputs = read(layout.inputs, labels.inputs, layout.inputVisibility);
  const outputs = read(layout.outputs, labels.outputs, layout.outputVisibility);
  return { inputs, outputs };
}

/**
 * The instances (little-endian hex felts) of each public input and public output tensor, in
 * order, with the layout of publicTensorsFromInstances; undefined when the count does not fit.
 */
export function publicFeltsFromInstances(
  instances: string[],
  layout: CircuitLayout,
): { inputs: string[][]; outputs: string[][] } | undefined {
  if (instances.length !== layout.instanceCount) return undefined;
  let cursor =
    (layout.inputVisibility === 'hashed' ? layout.inputs.length : 0) + layout.paramHashes;
  const read = (tensors: CircuitTensor[], visibility: TensorVisibility) =>
    visibility !== 'public'
      ? []
      : tensors.map((t) => {
          const size = (t.dims ?? []).reduce((a, b) => a * b, 1);
          cursor += size;
          return instances.slice(cursor - size, cursor);
        });
  const inputs = read(layout.inputs, layout.inputVisibility);
  return { inputs, outputs: read(layout.outputs, layout.outputVisibility) };
}

/** Tensor names from an artifacts manifest; public tensors' shapes from the circuit's settings. */
export function labelsFromManifest(
  manifest: Pick<ArtifactsManifest, 'model'>,
  layout: CircuitLayout,
): TensorLabels {
  const named = (tensors: { name: string; dims: number[] }[], circuit: CircuitTensor[]) =>
    circuit.map((c, i) => ({
      name: tensors[i]?.name ?? '',
      dims: c.dims ?? tensors[i]?.dims ?? [],
    }));
  return {
    inputs: named(manifest.model.inputs, layout.inputs),
    outputs: named(manifest.model.outputs, layout.outputs),
  };
}

/**
 * The public tensors a bundle states, as `prove` writes them: layout from the compiled circuit's
 * settings (not the ONNX-declared shapes), names from the manifest, values from the instances.
 */
export function bundlePublicTensors(
  proof: { instances: string[][] },
  settings: unknown,
  manifest: Pick<ArtifactsManifest, 'model'>,
): { inputs: PublicTensor[]; outputs: PublicTensor[] } | undefined {
  const layout = circuitLayout(settings, 'the compiled settings');
  return publicTensorsFromInstances(
    proof.instances[0] ?? [],
    layout,
    labelsFromManifest(manifest, layout),
  );
}
