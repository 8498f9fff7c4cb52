import { createHash } from 'node:crypto';
import onnxProto from 'onnx-proto';
import { PocomputeError } from '../core/errors.js';
import { readFileCapped } from '../core/files.js';

const { onnx } = onnxProto;

/** What names a model in a receipt: its file's hash, its weights' hash, its output labels. */
export interface ModelIdentity {
  /** sha256 of the ONNX file (hex). */
  onnxSha256: string;
  /**
   * sha256 over the initializers (the weights), sorted by name, each as its encoded ONNX
   * TensorProto: the same weights give the same hash whatever the graph's metadata or op names.
   */
  weightsSha256: string;
  /** Output class names: the model's `labels` metadata (a JSON array of strings, or comma-separated). */
  labels?: string[];
}

/** The identity of an ONNX file's bytes; a file that is not ONNX is ONNX_INVALID (exit 2). */
export function modelIdentity(bytes: Uint8Array, what = 'the model'): ModelIdentity {
  let model: ReturnType<typeof onnx.ModelProto.decode>;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new PocomputeError(
      'ONNX_INVALID',
      `${what} is not an ONNX model: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const weights = createHash('sha256');
  const initializers = [...(model.graph?.initializer ?? [])].sort((a, b) =>
    (a.name ?? '') < (b.name ?? '') ? -1 : (a.name ?? '') > (b.name ?? '') ? 1 : 0,
  );
  for (const tensor of initializers) {
    const encoded = onnx.TensorProto.encode(tensor).finish();
    const length = Buffer.alloc(8);
    length.writeBigUInt64BE(BigInt(encoded.length));
    weights.update(length).update(encoded);
  }
  const labels = labelsOf(model.metadataProps ?? [], what);
  return {
    onnxSha256: createHash('sha256').update(bytes).digest('hex'),
    weightsSha256: weights.digest('hex'),
    ...(labels ? { labels } : {}),
  };
}

/** The identity of an ONNX file. */
export async function readModelIdentity(path: string): Promise<ModelIdentity> {
  return modelIdentity(await readFileCapped(path, 'model file', 'ONNX_INVALID'), path);
}

function labelsOf(props: { key?: string | null; value?: string | null }[], what: string) {
  const raw = props.find((p) => p.key === 'labels')?.value;
  if (raw === undefined || raw === null) return undefined;
  if (raw.trim().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed) || !parsed.every((l) => typeof l === 'string'))
      throw new PocomputeError(
        'ONNX_INVALID',
        `${what}: its "labels" metadata is not a JSON array of strings`,
        {
          hint: 'Set the ONNX metadata "labels" to a JSON array of class names (or a comma-separated list).',
        },
      );
    return parsed as string[];
  }
  return raw.split(',').map((l) => l.trim());
}
