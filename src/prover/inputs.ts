import { PocomputeError } from '../core/errors.js';
import { readTextFileCapped } from '../core/files.js';
import { assertJsonDepth, parseJsonText } from '../core/json.js';
import type { InputDtype } from '../proof/dtypes.js';
import type { ModelInfo, TensorInfo } from '../proof/inspectModel.js';

export interface ModelInputs {
  /** One flat array per model input, in the model's input order (booleans as 0/1). */
  values: number[][];
  /** Each input's element type, as onnxruntime names it. */
  dtypes: InputDtype[];
  /** EZKL's input.json: numbers, and JSON booleans for bool inputs (EZKL reads them as Bool). */
  ezkl: { input_data: (number | boolean)[][] };
  /**
   * Tensors in the file that are not model inputs, ignored as EZKL ignores them: graph inputs that
   * initializers back (by name), and tensors past the model's inputs (`input_data[i]`).
   */
  ignored: string[];
}

/** Graph inputs beyond the real ones (initializer-backed), when the caller knows them. */
type GraphInputs = ModelInfo['graphInputs'];

/** The range of each integer type that a JSON number (an IEEE double) holds exactly. */
const INTEGER_RANGES: Partial<Record<InputDtype, [number, number]>> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 4294967295],
  uint64: [0, Number.MAX_SAFE_INTEGER],
};
const FLOAT16_MAX = 65504;

/**
 * Reads inputs in any of the accepted forms and checks them against the model's declared inputs
 * before any proving: EZKL's {"input_data": [...]}, {"<input name>": [...]}, or a (nested) array.
 */
export async function loadInputs(
  path: string,
  declared: TensorInfo[],
  graphInputs?: GraphInputs,
): Promise<ModelInputs> {
  const text = await readTextFileCapped(path, 'input file', 'INPUT_INVALID');
  let raw: unknown;
  try {
    raw = parseJsonText(text, { what: 'input file', code: 'INPUT_INVALID' }, path);
  } catch (error) {
    const special = text.match(/-?\b(NaN|Infinity)\b/);
    if (special)
      throw new PocomputeError(
        'INPUT_INVALID',
        `${path}: inputs must be finite numbers, found ${special[0]}`,
      );
    throw error;
  }
  return parseInputs(raw, declared, path, graphInputs);
}

export function parseInputs(
  raw: unknown,
  declared: TensorInfo[],
  source = 'inputs',
  graphInputs?: GraphInputs,
): ModelInputs {
  assertJsonDepth(raw, { what: source, code: 'INPUT_INVALID' });
  const { perInput, ignored } = splitPerInput(raw, declared, source, graphInputs ?? []);
  const dtypes = declared.map((d) => inputDtype(d, source));
  const typed = perInput.map((value, i) => {
    const where = `${source}: input "${declared[i].name}" (${dtypes[i]})`;
    const flat = flattenTyped(value, dtypes[i], where);
    if (flat.length !== declared[i].size) {
      throw new PocomputeError(
        'INPUT_SHAPE',
        `${source}: input "${declared[i].name}" has ${flat.length} values, the model expects ${declared[i].size} (shape [${declared[i].dims.join(', ')}])`,
      );
    }
    return flat;
  });
  const values = typed.map((t) => t.map(Number));
  return { values, dtypes, ezkl: { input_data: typed }, ignored };
}

function inputDtype(input: TensorInfo, source: string): InputDtype {
  const dtype = input.dtype ?? 'float32';
  if (dtype.startsWith('unsupported:')) {
    throw new PocomputeError(
      'ONNX_UNSUPPORTED',
      `${source}: input "${input.name}" is of type ${dtype.slice('unsupported:'.length)}, ` +
        'which EZKL 21 cannot read (an EZKL limit: inputs are bool, float16/32/64 or integers)',
    );
  }
  return dtype as InputDtype;
}

function splitPerInput(
  raw: unknown,
  declared: TensorInfo[],
  source: string,
  graphInputs: NonNullable<GraphInputs>,
): { perInput: unknown[]; ignored: string[] } {
  const names = declared.map((d) => d.name);
  const backed = graphInputs.filter((g) => g.initializer).map((g) => g.name);
  const expected = declared.length ? ` (${names.join(', ')})` : '';
  const orBacked = backed.length
    ? `, or ${graphInputs.length} counting the inputs initializers back (${backed.join(', ')})`
    : '';
  const countError = (got: number) =>
    new PocomputeError(
      'INPUT_SHAPE',
      `${source}: ${got} input(s) given, the model expects ${declared.length}${expected}${orBacked}`,
    );
  // A tensor for every graph input, as EZKL's input format allows: keep the real inputs' tensors.
  const byPosition = (list: unknown[]) => {
    if (list.length === declared.length) return { perInput: list, ignored: [] };
    if (backed.length && list.length === graphInputs.length) {
      return {
        perInput: list.filter((_, i) => !graphInputs[i].initializer),
        ignored: backed,
      };
    }
    // EZKL reads the model's inputs from the first tensors and ignores the rest: exporters write
    // the tensors of inputs that became initializers, and a graph without inputs one empty tensor.
    if (list.length > declared.length) {
      return {
        perInput: list.slice(0, declared.length),
        ignored: list.slice(declared.length).map((_, i) => `input_data[${declared.length + i}]`),
      };
    }
    throw countError(list.length);
  };
  if (Array.isArray(raw)) {
    if (declared.length === 1) return { perInput: [raw], ignored: [] };
    return byPosition(raw);
  }
  if (raw && typeof raw === 'object') {
    const record = raw as Record<string, unknown>;
    if ('input_data' in record) {
      const data = record.input_data;
      if (!Array.isArray(data))
        throw new PocomputeError('INPUT_INVALID', `${source}: "input_data" must be an array`);
      return byPosition(data);
    }
    const keys = Object.keys(record);
    const missing = names.filter((n) => !(n in record));
    const extra = keys.filter((k) => !names.includes(k) && !backed.includes(k));
    if (missing.length || extra.length) {
      const problems = [
        ...(missing.length ? [`missing input(s) ${missing.join(', ')}`] : []),
        ...(extra.length ? [`unknown input(s) ${extra.join(', ')}`] : []),
      ];
      throw new PocomputeError(
        'INPUT_SHAPE',
        `${source}: ${problems.join('; ')} (the model's inputs: ${names.join(', ') || 'none'})`,
      );
    }
    return {
      perInput: names.map((n) => record[n]),
      ignored: keys.filter((k) => backed.includes(k)),
    };
  }
  throw new PocomputeError('INPUT_INVALID', `${source}: expected an object or an array of numbers`);
}

/**
 * Flattens one input and checks each value against its element type, as EZKL will read it: floats
 * are finite (float16 within its range), integers are integers within their type's range, bools are
 * JSON booleans or 0/1. Bools stay JSON booleans; everything else is a number.
 */
function flattenTyped(value: unknown, dtype: InputDtype, where: string): (number | boolean)[] {
  const out: (number | boolean)[] = [];
  const range = INTEGER_RANGES[dtype];
  const invalid = (message: string) => new PocomputeError('INPUT_INVALID', `${where}: ${message}`);
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const item of v) walk(item);
      return;
    }
    if (dtype === 'bool') {
      if (typeof v === 'boolean') out.push(v);
      else if (v === 0 || v === 1) out.push(v === 1);
      else throw invalid(`${JSON.stringify(v)} is not a boolean (true, false, 0 or 1)`);
      return;
    }
    if (typeof v !== 'number') throw invalid(`${JSON.stringify(v)} is not a number`);
    if (!Number.isFinite(v)) throw invalid(`inputs must be finite numbers, found ${v}`);
    if (range) {
      if (!Number.isInteger(v)) throw invalid(`${v} is not an integer`);
      if (v < range[0] || v > range[1])
        throw invalid(`${v} is out of range [${range[0]}, ${range[1]}]`);
    } else if (dtype === 'float16' && Math.abs(v) > FLOAT16_MAX) {
      throw invalid(`${v} does not fit in a float16 (largest ${FLOAT16_MAX})`);
    }
    out.push(v);
  };
  walk(value);
  return out;
}
