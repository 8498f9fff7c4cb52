import { z } from 'zod';
import { PocomputeError } from '../core/errors.js';
import { readJsonFile } from '../core/files.js';
import { BUNDLE_FORMAT, bundleVerifierSchema } from './bundleVerifier.js';
import { assertJsonDepth, JSON_LIMITS, parseJsonText } from '../core/json.js';
import { compileOptionsSchema } from './artifactsManifest.js';
import { EZKL_VERSION } from './engineVersion.js';

export { BUNDLE_FORMAT };

/**
 * JSON numbers a bundle states: finite only. `1e999` parses to Infinity, and an infinite claim must
 * never reach a comparison (Infinity - x is Infinity, within any relative tolerance of Infinity).
 */
const finite = () => z.number().finite();
const dimension = () => z.number().int().nonnegative();

const publicTensorSchema = z.object({
  name: z.string(),
  dims: z.array(dimension()),
  visibility: z.enum(['public', 'hashed', 'private']),
  /** Dequantized values (public tensors). */
  values: z.array(finite()).optional(),
  /** Poseidon hash felts (hashed tensors). */
  hash: z.array(z.string()).optional(),
});
export type PublicTensor = z.infer<typeof publicTensorSchema>;

/** Rows of decimal or hex strings, one per tensor, as EZKL prints them. */
const stringRows = () => z.array(z.array(z.string()));

/**
 * EZKL's readable copy of a proof's public values (`pretty_public_inputs` in its proof JSON):
 * public tensors dequantized (`rescaled_*`) and as big-endian hex felts, hashed tensors' Poseidon
 * hashes (`processed_*`). A claim like any other: `verify` compares it with the instances; a
 * proof without it (EZKL 21's WASM prover left it null) states nothing.
 */
const prettyPublicInputsSchema = z
  .object({
    rescaled_inputs: stringRows().optional(),
    inputs: stringRows().optional(),
    processed_inputs: stringRows().optional(),
    processed_params: stringRows().optional(),
    processed_outputs: stringRows().optional(),
    rescaled_outputs: stringRows().optional(),
    outputs: stringRows().optional(),
  })
  .passthrough();
export type PrettyPublicInputs = z.infer<typeof prettyPublicInputsSchema>;

/** EZKL's proof JSON: the instances it verifies against, its proof, and its readable copy. */
const ezklProofObject = () =>
  z
    .object({
      instances: z.array(z.array(z.string())),
      proof: z.unknown(),
      pretty_public_inputs: prettyPublicInputsSchema.nullable().optional(),
    })
    .passthrough();

/** A proof of inference and everything needed to check it: the format `prove` writes and `verify` reads. */
export const proofBundleSchema = z.object({
  format: z.literal(BUNDLE_FORMAT),
  kind: z.literal('inference'),
  createdAt: z.string(),
  ezklVersion: z.string(),
  model: z.object({ name: z.string(), sha256: z.string() }),
  artifacts: z.object({
    key: z.string(),
    settingsSha256: z.string(),
    vkSha256: z.string(),
    compiledSha256: z.string(),
    logrows: dimension(),
    numRows: dimension(),
  }),
  srs: z.object({
    origin: z.enum(['insecure-dev', 'file', 'public-download']),
    sha256: z.string(),
  }),
  options: compileOptionsSchema,
  /** EZKL settings.json and the circuit's Solidity verifier, so the bundle verifies anywhere. */
  settings: z.record(z.string(), z.unknown()),
  verifier: bundleVerifierSchema,
  /** EZKL's proof JSON, unchanged. */
  proof: ezklProofObject(),
  public: z.object({ inputs: z.array(publicTensorSchema), outputs: z.array(publicTensorSchema) }),
  floatReference: z.object({
    outputs: z.array(z.object({ name: z.string(), values: z.array(finite()) })),
    /** "no float reference: <reason>" when onnxruntime could not run the model (outputs empty). */
    unavailable: z.string().optional(),
  }),
  quantization: z.array(
    z.object({ name: z.string(), maxAbsError: finite(), maxRelError: finite() }),
  ),
  timings: z.record(z.string(), finite()),
  /** Each input's ONNX element type as it was read from the input file (float32, int64, bool, …). */
  inputTypes: z.array(z.object({ name: z.string(), dtype: z.string() })).optional(),
});
export type ProofBundle = z.infer<typeof proofBundleSchema>;

/** EZKL's own proof.json (from its Python or CLI), which verify accepts together with --artifacts. */
export const ezklProofSchema = ezklProofObject();
export type EzklProof = z.infer<typeof ezklProofSchema>;

export type ProofFile =
  | { kind: 'bundle'; bundle: ProofBundle }
  | { kind: 'ezkl-proof'; proof: EzklProof };

/** Reads a pocompute bundle, or a bare EZKL proof (told apart by the bundle's "format" field). */
export async function readProofFile(path: string): Promise<ProofFile> {
  return proofFileFromJson(await readJson(path), path);
}

/**
 * Reads one bundle (or bare EZKL proof) from standard input (`verify -`), under the same size and
 * depth caps as a file.
 */
export async function readProofStdin(
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<ProofFile> {
  const maxBytes = JSON_LIMITS.maxBytes();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      throw new PocomputeError(
        'BUNDLE_INVALID',
        `standard input is over the ${maxBytes / 1024 / 1024} MiB cap for a proof bundle`,
      );
    }
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) throw new PocomputeError('BUNDLE_INVALID', 'standard input is empty');
  const what = 'proof bundle (standard input)';
  return proofFileFromJson(parseJsonText(text, { what, code: 'BUNDLE_INVALID' }), what);
}

function proofFileFromJson(raw: unknown, path: string): ProofFile {
  if (String((raw as { format?: unknown } | null)?.format).startsWith('pocompute-staged-proof@'))
    throw new PocomputeError(
      'BUNDLE_INVALID',
      `${path} is a staged proof bundle: it is verified on its own, not among other bundles`,
      { hint: `Run \`pocompute verify ${path} --artifacts <compiled stages or split dir>\`.` },
    );
  requireCurrentFormat(raw, path);
  if (raw && typeof raw === 'object' && !('format' in raw)) {
    const proof = ezklProofSchema.safeParse(raw);
    if (proof.success) return { kind: 'ezkl-proof', proof: proof.data };
  }
  return { kind: 'bundle', bundle: parseBundle(raw, path) };
}

/** Bundles are read with the size and depth caps of readJsonFile: a bad file is exit 2, never a crash. */
function readJson(path: string): Promise<unknown> {
  return readJsonFile(path, 'proof bundle', 'BUNDLE_INVALID');
}

export async function readBundle(path: string): Promise<ProofBundle> {
  return parseBundle(await readJson(path), path);
}

/**
 * A bundle or EZKL proof made with another EZKL release is refused by name (BUNDLE_OUTDATED, exit
 * 2), never checked against this release's verifier: format 1 bundles are EZKL 21.0.0's.
 */
export function requireCurrentFormat(raw: unknown, path: string): void {
  const value = (raw ?? {}) as { format?: unknown; ezklVersion?: unknown; version?: unknown };
  const made =
    value.format === 'pocompute-proof@1' || value.format === 'pocompute-staged-proof@1'
      ? typeof value.ezklVersion === 'string'
        ? value.ezklVersion
        : '21.0.0'
      : typeof value.ezklVersion === 'string'
        ? value.ezklVersion
        : typeof value.version === 'string' && !('format' in value)
          ? value.version
          : undefined;
  if (made !== undefined && made !== EZKL_VERSION)
    throw new PocomputeError(
      'BUNDLE_OUTDATED',
      `${path} was proved with EZKL ${made}; this pocompute verifies EZKL ${EZKL_VERSION} proofs`,
      {
        hint: `Prove again with this pocompute (\`pocompute prove <model.onnx> --input <input.json>\`), or verify it with a pocompute release built on EZKL ${made}.`,
      },
    );
}

/** Checks a parsed value is a bundle (schema and nesting depth); the message names the field. */
export function parseBundle(raw: unknown, path = 'proof bundle'): ProofBundle {
  assertJsonDepth(raw, { what: path, code: 'BUNDLE_INVALID' });
  requireCurrentFormat(raw, path);
  const parsed = proofBundleSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PocomputeError(
      'BUNDLE_INVALID',
      `${path} is not a pocompute proof bundle: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
  }
  return parsed.data;
}

export const b64 = {
  encode: (bytes: Uint8Array) => Buffer.from(bytes).toString('base64'),
  decode: (text: string) => new Uint8Array(Buffer.from(text, 'base64')),
};
