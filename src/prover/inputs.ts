import { PocomputeError } from '../core/errors.js';
import { readTextFileCapped } from '../core/files.js';
import { assertJsonDepth, parseJsonText } from '../core/json.js';
import type { TensorInfo } from './onnx/inspectModel.js';

export interface ModelInputs {
  /** One flat array per model input, in the model's input order. */
  values: number[][];
  /** EZKL's input.json. */
  ezkl: { input_data: number[][] };
}

/**
 * Reads inputs in any of the accepted forms and checks them against the model's declared inputs
 * before any proving: EZKL's {"input_data": [...]}, {"<input name>": [...]}, or a (nested) array.
 */
export async function loadInputs(path: string, declared: TensorInfo[]): Promise<ModelInputs> {
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
  return parseInputs(raw, declared, path);
}

export function parseInputs(raw: unknown, declared: TensorInfo[], source = 'inputs'): ModelInputs {
  assertJsonDepth(raw, { what: source, code: 'INPUT_INVALID' });
  const perInput = splitPerInput(raw, declared, source);
  const values = perInput.map((value, i) => {
    const flat = flattenNumbers(value, `${source}: input "${declared[i].name}"`);
    if (flat.length !== declared[i].size) {
      throw new PocomputeError(
        'INPUT_SHAPE',
        `${source}: input "${declared[i].name}" has ${flat.length} values, the model expects ${declared[i].size} (shape [${declared[i].dims.join(', ')}])`,
      );
    }
    return flat;
  });
  return { values, ezkl: { input_data: values } };
}

function splitPerInput(raw: unknown, declared: TensorInfo[], source: string): unknown[] {
  const names = declared.map((d) => d.name);
  const countError = (got: number) =>
    new PocomputeError(
      'INPUT_SHAPE',
      `${source}: ${got} input(s) given, the model expects ${declared.length} (${names.join(', ')})`,
    );
  if (Array.isArray(raw)) {
    if (declared.length === 1) return [raw];
    if (raw.length !== declared.length) throw countError(raw.length);
    return raw;
  }
  if (raw && typeof raw === 'object') {
    const record = raw as Record<string, unknown>;
    if ('input_data' in record) {
      const data = record.input_data;
      if (!Array.isArray(data))
        throw new PocomputeError('INPUT_INVALID', `${source}: "input_data" must be an array`);
      if (data.length !== declared.length) throw countError(data.length);
      return data;
    }
    const keys = Object.keys(record);
    const missing = names.filter((n) => !(n in record));
    const extra = keys.filter((k) => !names.includes(k));
    if (missing.length || extra.length) {
      throw new PocomputeError(
        'INPUT_SHAPE',
        `${source}: ${missing.length ? `missing input(s) ${missing.join(', ')}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `unknown input(s) ${extra.join(', ')}` : ''} (the model's inputs: ${names.join(', ')})`,
      );
    }
    return names.map((n) => record[n]);
  }
  throw new PocomputeError('INPUT_INVALID', `${source}: expected an object or an array of numbers`);
}

function flattenNumbers(value: unknown, where: string): number[] {
  const out: number[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const item of v) walk(item);
      return;
    }
    if (typeof v !== 'number')
      throw new PocomputeError('INPUT_INVALID', `${where}: ${JSON.stringify(v)} is not a number`);
    if (!Number.isFinite(v))
      throw new PocomputeError(
        'INPUT_INVALID',
        `${where}: inputs must be finite numbers, found ${v}`,
      );
    out.push(v);
  };
  walk(value);
  return out;
}
