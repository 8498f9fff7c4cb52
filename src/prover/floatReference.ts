import type { ProofBundle } from '../proof/bundle.js';
import type { ModelInfo } from '../proof/inspectModel.js';
import { floatReferenceThread } from './floatReferenceThread.js';
import { type FloatModel, runFloatModel } from './onnx/runFloatModel.js';
import { quantizationError } from './publicValues.js';

export type FloatReference = { outputs: number[][] } | { unavailable: string };

/** What computes a float reference: floatReference itself, or a runner's thread (run). */
export type FloatReferenceSource = (
  model: ModelInfo,
  inputs: number[][],
) => Promise<FloatReference>;

/**
 * The float model's outputs on the same input, or why there are none. The reference is an extra
 * report, not part of the proof: a model that onnxruntime cannot load or run (an int8 MatMul it has
 * no kernel for, say) but that EZKL proves is still proved.
 */
export async function floatReference(
  model: FloatModel,
  inputs: number[][],
): Promise<FloatReference> {
  try {
    return { outputs: await runFloatModel(model, inputs) };
  } catch (error) {
    return { unavailable: `no float reference: ${(error as Error).message}` };
  }
}

export interface FloatReferenceRunner {
  /** Whether it runs in its own thread (else `run` holds this one while it computes). */
  threaded: boolean;
  /**
   * floatReference(model, inputs): the first call's in the thread, and the same promise again for
   * the same model and inputs (a first prove's compile calibrates on the input it then proves);
   * other inputs are computed in this thread.
   */
  run: FloatReferenceSource;
  /** Ends the thread (whether or not `run` was called). */
  close(): void;
}

/**
 * A float reference run in its own thread (started now, or by the CLI as `prove` began):
 * onnxruntime's start-up (loading and initialising its WebAssembly, ~250 ms of CPU whatever the
 * model) runs beside this thread, which meanwhile checks files and drives EZKL, rather than
 * holding it. The reference is floatReference's (same runtime, same single WebAssembly thread,
 * same values); when no thread can run it (from the TypeScript sources, or a thread that fails),
 * it is computed here instead.
 */
export function startFloatReference(): FloatReferenceRunner {
  let worker = floatReferenceThread();
  const close = () => {
    void worker?.terminate();
    worker = undefined;
  };
  let first: { model: ModelInfo; inputs: string; reference: Promise<FloatReference> } | undefined;
  const inThread = (model: ModelInfo, inputs: number[][]): Promise<FloatReference> => {
    const thread = worker;
    if (!thread) return floatReference(model, inputs);
    return new Promise<FloatReference>((resolve) => {
      const done = (reference: FloatReference | undefined) => {
        thread.off('message', done);
        thread.off('error', failed);
        thread.off('exit', failed);
        close();
        resolve(reference ?? floatReference(model, inputs));
      };
      const failed = () => done(undefined);
      thread.on('message', done);
      thread.on('error', failed);
      thread.on('exit', failed);
      thread.ref();
      const { path, bytes, inputs: tensors, outputs } = model;
      thread.postMessage({ model: { path, bytes, inputs: tensors, outputs }, inputs });
    });
  };
  return {
    threaded: worker !== undefined,
    close,
    run: (model, inputs) => {
      const key = JSON.stringify(inputs);
      if (!first) {
        first = { model, inputs: key, reference: inThread(model, inputs) };
        return first.reference;
      }
      const same = first.model.sha256 === model.sha256 && first.inputs === key;
      return same ? first.reference : floatReference(model, inputs);
    },
  };
}

/**
 * The bundle's float reference and quantization error, output by output. Outputs whose sizes differ
 * between the float model and the circuit cannot be compared: then there is no reference either.
 */
export function compareToFloat(
  names: string[],
  proved: number[][],
  float: FloatReference,
): Pick<ProofBundle, 'floatReference' | 'quantization'> {
  if ('unavailable' in float)
    return { floatReference: { outputs: [], unavailable: float.unavailable }, quantization: [] };
  const mismatch = names.findIndex((_, i) => proved[i]?.length !== float.outputs[i]?.length);
  if (mismatch >= 0) {
    const unavailable =
      `no float reference: onnxruntime's output "${names[mismatch]}" has ` +
      `${float.outputs[mismatch]?.length ?? 0} values, the circuit's ${proved[mismatch]?.length ?? 0}`;
    return { floatReference: { outputs: [], unavailable }, quantization: [] };
  }
  return {
    floatReference: { outputs: names.map((name, i) => ({ name, values: float.outputs[i] })) },
    quantization: names.map((name, i) => quantizationError(name, proved[i], float.outputs[i])),
  };
}
