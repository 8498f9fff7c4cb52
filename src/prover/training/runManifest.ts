import { realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { z } from 'zod';
import { PocomputeError } from '../../core/errors.js';
import { readJsonFile, requireFile, requireRegularFile } from '../../core/files.js';

const MAX_STEPS = 1000;
/** The most rows a training data file may have (the schedule shuffles them all each epoch). */
export const MAX_ROWS = 1_000_000;

/** A finite number: JSON's 1e999 parses to Infinity, which zod's number() lets through. */
const finite = () => z.number().finite();
const count = (max: number) => z.number().int().min(0).max(max);
const felt = z.string().max(80);
const felts = z.array(felt).max(64);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 hex digest');

/**
 * A file of the run, named relative to the run directory: never absolute, never through `..`.
 * Symlinks that lead out are refused when the file is opened (`runFile`).
 */
const runPath = z
  .string()
  .min(1)
  .max(512)
  .refine(
    (p) => !isAbsolute(p) && !/^[a-zA-Z]:/.test(p) && !p.includes('\0'),
    'must be a path relative to the run directory',
  )
  .refine((p) => !p.split(/[\\/]/).includes('..'), 'must not leave the run directory (..)');

const stepSchema = z.object({
  index: count(MAX_STEPS),
  proof: runPath,
  batch: runPath,
  weightsOut: runPath,
  inputWeightsHash: felts,
  batchHash: felts,
  outputWeightsHash: felts,
  lossHash: felt,
  loss: finite(),
  floatLoss: finite(),
  drift: z.object({ maxAbsWeight: finite(), loss: finite() }),
  proveMs: finite(),
});
export type RunStep = z.infer<typeof stepSchema>;

export const DATA_SCHEME = 'sha256-merkle@1';
export const SCHEDULE = 'sha256-shuffle@1';

/**
 * The training data the run commits to: a SHA-256 Merkle tree over the rows of the data file in
 * canonical quantized form, and the seed of the batch schedule (see dataCommitment.ts).
 */
const dataSchema = z.object({
  scheme: z.literal(DATA_SCHEME),
  rows: z.number().int().min(1).max(MAX_ROWS),
  merkleRoot: sha256,
  /** sha256(0x02 ‖ rows ‖ merkleRoot): the one value to publish or compare. */
  commitment: sha256,
  schedule: z.literal(SCHEDULE),
  seed: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[\w.-]+$/, 'must be letters, digits, ".", "_" or "-"'),
  /** "derived": the default seed, a hash of the commitment; "given": chosen with --seed. */
  seedSource: z.enum(['derived', 'given']),
});
export type RunData = z.infer<typeof dataSchema>;

/** A fine-tuning run: every step's proof and hashes, from the base model to the final weights. */
export const runManifestSchema = z.object({
  format: z.literal('pocompute-training-run@2'),
  createdAt: z.string().max(100),
  base: z.object({ model: runPath, sha256, weightsHash: felts }),
  options: z.object({
    trainable: z.array(count(1000)).min(1).max(1000),
    loss: z.enum(['mse', 'cross-entropy']),
    lr: finite().positive().max(10),
    batch: z.number().int().min(1).max(256),
    steps: z.number().int().min(1).max(MAX_STEPS),
  }),
  data: dataSchema,
  /** Trainable tensors in circuit order, with the scale their hashes are taken at. */
  tensors: z
    .array(
      z.object({
        name: z.string().max(512),
        dims: z.array(count(2 ** 20)).max(8),
        scale: z.number().int().min(-64).max(64),
      }),
    )
    .max(64),
  batchScales: z.array(z.number().int().min(-64).max(64)).length(2),
  lossScale: z.number().int().min(-64).max(64),
  stepModel: z.object({
    path: runPath,
    sha256,
    artifactsKey: z.string().max(200),
    vkSha256: sha256,
  }),
  steps: z.array(stepSchema).max(MAX_STEPS),
  final: z.object({ weights: runPath, weightsHash: felts }),
  srsOrigin: z.string().max(100),
});
export type RunManifest = z.infer<typeof runManifestSchema>;

export const RUN_MANIFEST = 'run.json';

/** The message of a schema failure, naming the field but never quoting the file's content. */
export function schemaProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue.path.join('.') || '(root)';
  const what =
    issue.code === 'invalid_type'
      ? `expected ${issue.expected}, got ${issue.received}`
      : issue.code === 'invalid_literal'
        ? `expected ${JSON.stringify(issue.expected)}`
        : issue.code === 'invalid_enum_value'
          ? `expected one of ${issue.options.join(', ')}`
          : issue.message;
  return `${where}: ${what}`;
}

export async function readRunManifest(dir: string): Promise<RunManifest> {
  requireFile(join(dir, RUN_MANIFEST), 'training run manifest');
  const raw = await readRunJson(dir, RUN_MANIFEST, 'training run manifest');
  const format = (raw as { format?: unknown } | null)?.format;
  if (format === 'pocompute-training-run@1')
    throw new PocomputeError(
      'RUN_INVALID',
      `${join(dir, RUN_MANIFEST)} was written by an older pocompute: it commits to no training data; train the run again`,
    );
  const parsed = runManifestSchema.safeParse(raw);
  if (!parsed.success)
    throw new PocomputeError(
      'RUN_INVALID',
      `${join(dir, RUN_MANIFEST)} is not a training run: ${schemaProblem(parsed.error)}`,
    );
  return parsed.data;
}

/**
 * The real path of a file the run names, refused (exit 2) unless it lies inside the run directory
 * once symlinks are followed: a run cannot make the verifier read /etc/passwd or a key elsewhere.
 */
export async function runFile(dir: string, path: string, what: string): Promise<string> {
  const root = await realpath(dir);
  const target = await realpath(requireFile(join(dir, path), what));
  const rel = relative(root, target);
  if (!rel || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel))
    throw new PocomputeError(
      'RUN_INVALID',
      `${what} (${path}) leads outside the run directory ${dir}`,
    );
  // Regular files only: a directory would fail as a crash, a FIFO would block the read forever.
  return requireRegularFile(target, `${what} (${path})`, 'RUN_INVALID');
}

/** Reads a JSON file of the run (size-capped by readJsonFile), inside the run directory only. */
export async function readRunJson(dir: string, path: string, what: string): Promise<unknown> {
  return readJsonFile(await runFile(dir, path, what), what, 'RUN_INVALID');
}
