import { z } from 'zod';
import type { Dtype } from './dtypes.js';
import { circuitChoiceSchema, DEFAULT_BUDGET_SECONDS } from './circuitChoice.js';

export const visibilitySchema = z.enum(['public', 'hashed', 'private']);
/**
 * Why `hashed` parameters are not offered: a proof with hashed weights verifies for any weights,
 * and only a verifier that compares the published hash with one it trusts learns which were used.
 * pocompute does not compare it yet, so `fixed` (weights in the circuit, bound by the vk) is the
 * only visibility it offers.
 */
export const HASHED_PARAMS_REFUSED =
  'only fixed parameters are offered: a hash of the weights proves nothing unless the verifier ' +
  'compares it with a published one, which pocompute does not do yet';
export const HASHED_PARAMS_HINT =
  'Use --param-visibility fixed (the default): the weights are constants of the circuit, bound by ' +
  'the verifying key.';
export const paramVisibilitySchema = z
  .unknown()
  .superRefine((v, ctx) => {
    if (v !== 'fixed')
      ctx.addIssue({
        code: 'custom',
        message: HASHED_PARAMS_REFUSED,
        params: { hint: HASHED_PARAMS_HINT },
      });
  })
  .pipe(z.literal('fixed'));

/** What changes the circuit: part of the artifacts' content hash. */
export const compileOptionsSchema = z.object({
  inputVisibility: visibilitySchema.default('public'),
  outputVisibility: visibilitySchema.default('public'),
  paramVisibility: paramVisibilitySchema.default('fixed'),
  /** EZKL's calibration preset: the circuit itself with `optimizer: 'off'`, else the baseline. */
  calibrationTarget: z.enum(['resources', 'accuracy']).default('resources'),
  /** `search`: the circuit optimiser (src/prover/optimizer/); `off`: EZKL's preset as is. */
  optimizer: z.enum(['search', 'off']).default('search'),
  /** Largest relative output error the optimiser accepts; default: that of EZKL's preset. */
  maxError: z.number().positive().optional(),
  /** The optimiser's time budget, in seconds. */
  optimizerBudget: z.number().positive().default(DEFAULT_BUDGET_SECONDS),
  /** Circuit settings to use instead (`--settings`): EZKL settings or run_args, by content. */
  settings: z.record(z.string(), z.unknown()).optional(),
});
export type CompileOptions = z.infer<typeof compileOptionsSchema>;

const tensorSchema = z.object({
  name: z.string(),
  dims: z.array(z.number()),
  size: z.number(),
  /** The ONNX element type (inspectModel's name for it); absent in older manifests: float32. */
  dtype: z.custom<Dtype>((v) => typeof v === 'string').optional(),
});

export const ARTIFACT_FILES = [
  'model.onnx',
  'calibration.json',
  'settings.json',
  'model.compiled',
  'vk.key',
  'pk.key',
  'verifier.json',
] as const;

export const artifactsManifestSchema = z.object({
  format: z.literal('pocompute-artifacts@2'),
  key: z.string(),
  /** The hash of everything but the calibration sample: artifacts of one circuit family share it. */
  circuitKey: z.string().optional(),
  /** sha256 of the calibration sample (canonical JSON of its EZKL input_data). */
  calibrationSha256: z.string().optional(),
  createdAt: z.string(),
  ezklVersion: z.string(),
  model: z.object({
    name: z.string(),
    sha256: z.string(),
    inputs: z.array(tensorSchema),
    outputs: z.array(tensorSchema),
    ops: z.array(z.string()),
  }),
  options: compileOptionsSchema,
  circuit: z.object({
    logrows: z.number(),
    numRows: z.number(),
    inputScales: z.array(z.number()),
    outputScales: z.array(z.number()),
    instanceShapes: z.array(z.array(z.number())),
    /** How the circuit settings were chosen (absent in manifests from before the optimiser). */
    choice: circuitChoiceSchema.optional(),
  }),
  srs: z.object({
    origin: z.enum(['insecure-dev', 'file', 'public-download']),
    path: z.string(),
    sha256: z.string(),
  }),
  /** EZKL's Solidity verifier for the vk (verifier.json): what verify runs and the chain deploys. */
  verifier: z.object({
    layout: z.enum(['single', 'reusable']),
    reason: z.string(),
    runtimeSize: z.number(),
    compilerVersion: z.string(),
  }),
  files: z.record(z.string(), z.string()),
  timings: z.record(z.string(), z.number()),
});
export type ArtifactsManifest = z.infer<typeof artifactsManifestSchema>;
