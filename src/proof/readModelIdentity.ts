import { readFileCapped } from '../core/files.js';
import { type ModelIdentity, modelIdentity } from './modelIdentity.js';

/** The identity of an ONNX file (Node only: it reads the file; modelIdentity is browser-safe). */
export async function readModelIdentity(path: string): Promise<ModelIdentity> {
  return modelIdentity(await readFileCapped(path, 'model file', 'ONNX_INVALID'), path);
}
