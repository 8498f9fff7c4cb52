import { z } from 'zod';
import { PocomputeError } from '../core/errors.js';
import { readJsonFile } from '../core/files.js';
import { assertJsonDepth } from '../core/json.js';
import { proofBundleSchema, requireCurrentFormat } from './bundle.js';

export const STAGED_BUNDLE_FORMAT = 'pocompute-staged-proof@2';

const finite = () => z.number().finite();
const tensorSchema = z.object({
  name: z.string(),
  dims: z.array(z.number().int().nonnegative()),
  visibility: z.enum(['public', 'hashed', 'private']),
  values: z.array(finite()).optional(),
  hash: z.array(z.string()).optional(),
});

/**
 * A staged proof: one ordinary proof bundle per stage (each verifiable on its own) plus the
 * claims that tie them together. Every claim is checked by `verifyStaged`, never trusted.
 */
export const stagedBundleSchema = z.object({
  format: z.literal(STAGED_BUNDLE_FORMAT),
  kind: z.literal('staged-inference'),
  createdAt: z.string(),
  source: z.object({ name: z.string(), sha256: z.string() }),
  stages: z.array(proofBundleSchema).min(1),
  /** The inner boundary hashes, 0x-prefixed 32-byte big-endian hex (claims). */
  boundaries: z.array(z.string().regex(/^0x[0-9a-f]{64}$/)),
  /** The model's inputs (stage 0's public inputs) and outputs (the last stage's): claims. */
  public: z.object({ inputs: z.array(tensorSchema), outputs: z.array(tensorSchema) }),
  floatReference: z.object({
    outputs: z.array(z.object({ name: z.string(), values: z.array(finite()) })),
    unavailable: z.string().optional(),
  }),
  quantization: z.array(
    z.object({ name: z.string(), maxAbsError: finite(), maxRelError: finite() }),
  ),
  jobs: z.number().int().positive(),
  timings: z.record(z.string(), finite()),
});
export type StagedBundle = z.infer<typeof stagedBundleSchema>;

export const isStagedBundleJson = (raw: unknown) =>
  Boolean(
    raw &&
      typeof raw === 'object' &&
      String((raw as { format?: unknown }).format).startsWith('pocompute-staged-proof@'),
  );

/** Checks a parsed value is a staged bundle; a malformed one is BUNDLE_INVALID naming the field. */
export function parseStagedBundle(raw: unknown, path = 'staged proof bundle'): StagedBundle {
  assertJsonDepth(raw, { what: path, code: 'BUNDLE_INVALID' });
  requireCurrentFormat(raw, path);
  const parsed = stagedBundleSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PocomputeError(
      'BUNDLE_INVALID',
      `${path} is not a pocompute staged proof bundle: ` +
        `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
  }
  return parsed.data;
}

export async function readStagedBundle(path: string): Promise<StagedBundle> {
  return parseStagedBundle(await readJsonFile(path, 'staged proof bundle', 'BUNDLE_INVALID'), path);
}
