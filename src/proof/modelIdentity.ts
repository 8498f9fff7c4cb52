// No `node:` import: the receipt page computes a dropped model's identity with this same code
// (readModelIdentity, which reads a file, is in readModelIdentity.ts).
import { sha256 } from 'ethers';
import onnxProto from 'onnx-proto';
import { PocomputeError } from '../core/errors.js';

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
  const initializers = [...(model.graph?.initializer ?? [])].sort((a, b) =>
    (a.name ?? '') < (b.name ?? '') ? -1 : (a.name ?? '') > (b.name ?? '') ? 1 : 0,
  );
  // Each initializer as its 8-byte big-endian length and its encoding, hashed as one stream.
  const parts = initializers.map((tensor) => onnx.TensorProto.encode(tensor).finish());
  const stream = new Uint8Array(parts.reduce((n, p) => n + 8 + p.length, 0));
  const view = new DataView(stream.buffer);
  let at = 0;
  for (const part of parts) {
    view.setBigUint64(at, BigInt(part.length));
    stream.set(part, at + 8);
    at += 8 + part.length;
  }
  const labels = labelsOf(model.metadataProps ?? [], what);
  return {
    onnxSha256: hex(bytes),
    weightsSha256: hex(stream),
    ...(labels ? { labels } : {}),
  };
}

/** sha256 as bare lowercase hex (ethers' sha256 is browser-safe; it returns 0x-prefixed hex). */
function hex(bytes: Uint8Array): string {
  return sha256(bytes).slice(2);
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
