import { isPocomputeError, PocomputeError } from '../core/errors.js';
import { type Artifacts, readArtifactFile } from '../proof/artifacts.js';
import type { CompileOptions } from '../proof/artifactsManifest.js';
import type { InputDtype } from '../proof/dtypes.js';
import { toFelts } from './poseidon.js';

/**
 * What the inputs of a circuit can hold. EZKL range-checks every input but a bool (unless
 * `run_args.ignore_range_check_inputs_outputs`) by decomposing its fixed-point integer into
 * `decomp_legs` digits of base `decomp_base` (get_rep, EZKL 21 tensor/ops.rs): a value whose
 * quantized magnitude exceeds decomp_base^decomp_legs − 1 cannot be witnessed, so no proof of it
 * can exist and the engine would only fail ("General synthesis error", or a panic).
 */
export interface InputBounds {
  /** Each input's fixed-point scale (2^scale) and EZKL input type (f32, int, bool, …). */
  scales: number[];
  types: string[];
  /** The inputs' range check; without one only the 64-bit fixed point bounds them. */
  range?: { max: bigint; why: string };
}

const HINT =
  'Pass inputs within the range the circuit was compiled for, or compile the model with a sample ' +
  'input (--input) that covers them.';

/** EZKL's RunArgs default range check (gen_settings without decomp options): 16384^2. */
const EZKL_DEFAULT_DECOMP = { base: 16384, legs: 2 };
/** The smallest input scale EZKL 21's calibrate_settings tries without `scales` (execute.rs: 11..14). */
const EZKL_MIN_CALIBRATION_SCALE = 11;

interface SettingsForBounds {
  run_args?: {
    decomp_base?: unknown;
    decomp_legs?: unknown;
    ignore_range_check_inputs_outputs?: unknown;
  };
  model_input_scales?: unknown;
  input_types?: unknown;
}

/** The bounds of a compiled circuit's inputs, from its settings.json (the file its key was made with). */
export function circuitInputBounds(settings: unknown): InputBounds {
  const s = (settings ?? {}) as SettingsForBounds;
  const scales = Array.isArray(s.model_input_scales) ? (s.model_input_scales as number[]) : [];
  const types = Array.isArray(s.input_types) ? (s.input_types as string[]) : [];
  return {
    scales,
    types: scales.map((_, i) => String(types[i] ?? 'F32').toLowerCase()),
    range:
      s.run_args?.ignore_range_check_inputs_outputs === true
        ? undefined
        : decompRange(s.run_args?.decomp_base, s.run_args?.decomp_legs),
  };
}

/**
 * The bounds every calibration EZKL tries must meet, known before compiling: the range check of
 * gen_settings (EZKL's default, or the --settings file's) at the smallest input scale calibration
 * tries (11 for float inputs, 0 for integer ones; the --settings file's own scales). A sample past
 * them fails every calibration ("could not find any suitable parameters", or a panic).
 */
export function calibrationInputBounds(options: CompileOptions, dtypes: InputDtype[]): InputBounds {
  const given = (options.settings?.run_args ?? options.settings) as
    | Record<string, unknown>
    | undefined;
  const scale = (value: unknown, fallback: number) =>
    Number.isSafeInteger(value) ? (value as number) : fallback;
  // --settings: calibrate_settings tries input ≤ param scale pairs of its two scales (default 7).
  const floatScale = given
    ? Math.min(scale(given.input_scale, 7), scale(given.param_scale, 7))
    : EZKL_MIN_CALIBRATION_SCALE;
  return {
    scales: dtypes.map((d) => (isFloat(d) ? floatScale : 0)),
    types: dtypes.map(ezklInputType),
    range: decompRange(given?.decomp_base, given?.decomp_legs, 'every calibration EZKL tries'),
  };
}

/**
 * Refuses input values the circuit cannot hold, before any engine runs: each value near the
 * bound is quantized by toFelts (EZKL's own quantiser) and compared with the range check; the
 * first one outside is INPUT_INVALID naming its input, position and value.
 */
export function requireInputsInRange(
  values: number[][],
  names: string[],
  bounds: InputBounds,
): void {
  values.forEach((tensor, i) => {
    const type = bounds.types[i] ?? 'f32';
    const scale = bounds.scales[i] ?? 0;
    if (type === 'bool') return; // EZKL constrains bools to 0/1, no range check
    const range = bounds.range;
    // Far below the bound (f32 rounding is a relative 2^-24) needs no quantizing to know.
    const near = range ? Number(range.max) * (1 - 1e-6) : 2 ** 62;
    tensor.forEach((v, j) => {
      if (Number.isFinite(v) && Math.abs(v) * 2 ** scale < near) return;
      const what = `input "${names[i] ?? i}" value ${j}`;
      toFelts([v], scale, type, { code: 'INPUT_INVALID', what, range, hint: HINT });
    });
  });
}

/**
 * EZKL's failure to witness an input, explained: when an input is the cause (unwitnessableInput),
 * INPUT_INVALID naming it, EZKL's words kept. Any other failure is returned as it was.
 */
export async function explainWitnessFailure(
  error: unknown,
  values: number[][],
  names: string[],
  artifacts: Artifacts,
): Promise<unknown> {
  if (!isPocomputeError(error, 'ENGINE_FAILED')) return error;
  const culprit = await unwitnessableInput(values, names, artifacts);
  if (!culprit) return error;
  return new PocomputeError(
    'INPUT_INVALID',
    `${culprit}, and EZKL cannot witness it: ${error.message}`,
    { hint: HINT, cause: error },
  );
}

/**
 * Which input value a circuit cannot witness, said in one clause: the first outside the circuit's
 * range check, else the one furthest outside the range of its calibration sample (intermediate
 * values then overflow the range checks and lookups calibrated for that sample). Undefined when
 * every value is within both: the input is then not known to be the cause.
 */
export async function unwitnessableInput(
  values: number[][],
  names: string[],
  artifacts: Artifacts,
): Promise<string | undefined> {
  try {
    const settings = JSON.parse((await readArtifactFile(artifacts, 'settings.json')).toString());
    requireInputsInRange(values, names, circuitInputBounds(settings));
  } catch (error) {
    if (isPocomputeError(error, 'INPUT_INVALID')) return error.message;
  }
  const outside = furthestOutside(values, await calibrationSample(artifacts));
  if (!outside) return undefined;
  const { i, j, lo, hi } = outside;
  return (
    `input "${names[i] ?? i}" value ${j} (${values[i][j]}) is outside the range the circuit ` +
    `was calibrated for ([${lo}, ${hi}], its calibration sample)`
  );
}

/** The value furthest outside its input's calibration range (relative to that range's size). */
function furthestOutside(
  values: number[][],
  sample: number[][],
): { i: number; j: number; lo: number; hi: number } | undefined {
  let worst: { i: number; j: number; lo: number; hi: number; by: number } | undefined;
  values.forEach((tensor, i) => {
    const calibrated = sample[i] ?? [];
    if (calibrated.length === 0) return;
    // reduce, not Math.min(...): a sample of an image model has more values than a call takes.
    const lo = calibrated.reduce((a, b) => Math.min(a, b));
    const hi = calibrated.reduce((a, b) => Math.max(a, b));
    const size = Math.max(hi - lo, Math.abs(lo), Math.abs(hi), 1e-9);
    tensor.forEach((v, j) => {
      const by = (v > hi ? v - hi : v < lo ? lo - v : 0) / size;
      if (by > 0 && (!worst || by > worst.by)) worst = { i, j, lo, hi, by };
    });
  });
  return worst && { i: worst.i, j: worst.j, lo: worst.lo, hi: worst.hi };
}

/** The artifacts' calibration sample (EZKL input_data, hash-checked against the manifest). */
async function calibrationSample(artifacts: Artifacts): Promise<number[][]> {
  try {
    const text = (await readArtifactFile(artifacts, 'calibration.json')).toString('utf8');
    const data = (JSON.parse(text) as { input_data?: unknown }).input_data;
    return Array.isArray(data)
      ? data.map((t) => (Array.isArray(t) ? t.flat(Infinity).map(Number) : []))
      : [];
  } catch {
    return []; // no sample to compare with: the engine's error stands
  }
}

function decompRange(base: unknown, legs: unknown, who = 'EZKL'): { max: bigint; why: string } {
  const b = Number.isSafeInteger(base) && (base as number) > 1 ? (base as number) : undefined;
  const l = Number.isSafeInteger(legs) && (legs as number) > 0 ? (legs as number) : undefined;
  const { base: B, legs: L } = b && l ? { base: b, legs: l } : EZKL_DEFAULT_DECOMP;
  return {
    max: BigInt(B) ** BigInt(L) - 1n,
    why: `${who} range-checks inputs with ${L} digits of base ${B}`,
  };
}

const isFloat = (dtype: InputDtype) => dtype.startsWith('float');

/** EZKL's name for an input type (InputType::from_str). */
function ezklInputType(dtype: InputDtype): string {
  if (dtype === 'bool') return 'bool';
  if (dtype === 'float16') return 'f16';
  if (dtype === 'float64') return 'f64';
  return isFloat(dtype) ? 'f32' : 'int';
}
