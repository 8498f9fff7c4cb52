import { PocomputeError } from '../../core/errors.js';
import type { InputDtype } from '../../proof/dtypes.js';
import type { ModelInfo } from '../../proof/inspectModel.js';

type Ort = typeof import('onnxruntime-web');
type OrtTensor = import('onnxruntime-web').Tensor;
export type OrtSession = import('onnxruntime-web').InferenceSession;
let ortModule: Promise<Ort> | undefined;

/**
 * The float model runs in onnxruntime-web: ONNX Runtime's CPU kernels compiled to WebAssembly, an
 * ordinary dependency with no install script (onnxruntime-node's downloads a CUDA provider from
 * outside the registry, and npm silently dropped it where that host is unreachable, taking the
 * optimiser's float reference with it). One thread: Node gets no worker pool to shut down. Loaded on
 * first use; a failure to load is FLOAT_REFERENCE_UNAVAILABLE, which callers degrade on.
 */
export function loadOnnxRuntime(): Promise<Ort> {
  ortModule ??= import('onnxruntime-web')
    .then((ort) => {
      ort.env.wasm.numThreads = 1;
      ort.env.logLevel = 'error';
      return ort;
    })
    .catch((error) => {
      ortModule = undefined;
      throw new PocomputeError(
        'FLOAT_REFERENCE_UNAVAILABLE',
        `onnxruntime-web does not load: ${(error as Error).message.split('\n')[0]}`,
        { cause: error },
      );
    });
  return ortModule;
}

/** An onnxruntime session of these model bytes; one it cannot load is ONNX_INVALID, naming the file. */
export async function ortSession(ort: Ort, bytes: Uint8Array, path: string): Promise<OrtSession> {
  try {
    // Severity 3 (errors): its warnings (an initializer listed as a graph input) are not ours to print.
    return await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  } catch (error) {
    throw new PocomputeError(
      'ONNX_INVALID',
      `onnxruntime cannot load ${path}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** What the float run reads of a model. */
export type FloatModel = Pick<ModelInfo, 'path' | 'bytes' | 'inputs' | 'outputs'>;

/** Runs the float model with onnxruntime: the reference that quantization error is measured against. */
export async function runFloatModel(model: FloatModel, inputs: number[][]): Promise<number[][]> {
  const ort = await loadOnnxRuntime();
  const session = await ortSession(ort, model.bytes, model.path);
  try {
    const feeds: Record<string, OrtTensor> = {};
    model.inputs.forEach((input, i) => {
      const dtype = (input.dtype ?? 'float32') as InputDtype;
      feeds[input.name] = new ort.Tensor(dtype, typedArray(dtype, inputs[i]), input.dims);
    });
    const results = await session.run(feeds);
    return model.outputs.map((o) => numbersOf(results[o.name]));
  } catch (error) {
    throw new PocomputeError(
      'INPUT_SHAPE',
      `onnxruntime could not run ${model.path} on these inputs: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    await session.release();
  }
}

/** The typed array onnxruntime expects for each element type (bools as 0/1 bytes). */
function typedArray(dtype: InputDtype, values: number[]): OrtTensor['data'] {
  switch (dtype) {
    case 'float16':
      return Uint16Array.from(values, toFloat16Bits);
    case 'float32':
      return Float32Array.from(values);
    case 'float64':
      return Float64Array.from(values);
    case 'int8':
      return Int8Array.from(values);
    case 'int16':
      return Int16Array.from(values);
    case 'int32':
      return Int32Array.from(values);
    case 'int64':
      return BigInt64Array.from(values, BigInt);
    case 'uint8':
    case 'bool':
      return Uint8Array.from(values);
    case 'uint16':
      return Uint16Array.from(values);
    case 'uint32':
      return Uint32Array.from(values);
    case 'uint64':
      return BigUint64Array.from(values, BigInt);
  }
}

/** An output tensor as plain numbers, whatever its element type. */
function numbersOf(tensor: OrtTensor): number[] {
  if (tensor.type === 'float16' && tensor.data instanceof Uint16Array)
    return Array.from(tensor.data, fromFloat16Bits);
  return Array.from(tensor.data as ArrayLike<number | bigint | boolean>, Number);
}

/** IEEE 754 half precision, round to nearest even. */
export function toFloat16Bits(value: number): number {
  const f32 = new Float32Array([value]);
  const bits = new Uint32Array(f32.buffer)[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let rounded = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    if (rest > half || (rest === half && rounded & 1)) rounded++;
    return sign | rounded;
  }
  let rounded = mantissa >>> 13;
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && rounded & 1)) rounded++;
  return (sign | (e << 10)) + rounded;
}

export function fromFloat16Bits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}
