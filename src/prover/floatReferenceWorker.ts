/**
 * The float reference's thread (see startFloatReference). onnxruntime starts as soon as the thread
 * does: its module loads and its WebAssembly initialises on a one-node model, before the model to
 * run arrives. The one model and input it is then sent are run, and the reference (or why there
 * is none) is posted back; if onnxruntime failed to start, nothing is (the caller then computes
 * the reference itself, and reports onnxruntime's failure as it always did).
 */
import { parentPort } from 'node:worker_threads';
import { floatReference } from './floatReference.js';
import { type FloatModel, loadOnnxRuntime, ortSession } from './onnx/runFloatModel.js';

/** An ONNX model of one Identity node on a float[1] (65 bytes). */
const IDENTITY_MODEL =
  'CAc6NwoQCgF4EgF5IghJZGVudGl0eRIBZ1oPCgF4EgoKCAgBEgQKAggBYg8KAXkSCgoICAESBAoCCAFCBAoAEA0=';

const started = (async () => {
  const ort = await loadOnnxRuntime();
  const session = await ortSession(ort, Buffer.from(IDENTITY_MODEL, 'base64'), 'identity');
  await session.release();
})().then(
  () => true,
  () => false,
);

parentPort?.once('message', async (message: { model: FloatModel; inputs: number[][] }) => {
  if (!(await started)) return parentPort?.postMessage(undefined);
  parentPort?.postMessage(await floatReference(message.model, message.inputs));
});
