import { z } from 'zod';

/** Default search budget: enough for the fixtures' whole search, bounded for large models. */
export const DEFAULT_BUDGET_SECONDS = 60;

export const runArgsSchema = z.object({
  logrows: z.number(),
  num_inner_cols: z.number(),
  decomp_base: z.number(),
  decomp_legs: z.number(),
  input_scale: z.number(),
  param_scale: z.number(),
  scale_rebase_multiplier: z.number(),
  bounded_log_lookup: z.boolean(),
  /** EZKL 23's einsums proved directly, not by Freivalds' argument (absent: EZKL's default, on). */
  disable_freivalds: z.boolean().optional(),
});
const errorSchema = z.object({ maxAbsError: z.number(), maxRelError: z.number() });

/** What compile chose for the circuit and why: printed, and recorded in the manifest. */
export const circuitChoiceSchema = z.object({
  strategy: z.enum(['search', 'ezkl-preset', 'settings-file']),
  runArgs: runArgsSchema,
  estimatedCost: z.number(),
  /** Largest output error against onnxruntime over the calibration inputs. */
  error: errorSchema,
  reason: z.string(),
  search: z
    .object({
      baseline: z.object({
        target: z.string(),
        runArgs: runArgsSchema,
        estimatedCost: z.number(),
        error: errorSchema,
      }),
      maxRelError: z.number(),
      sized: z.number(),
      tested: z.number(),
      rejected: z.array(z.object({ candidate: z.string(), why: z.string() })),
      /** Candidates EZKL set up, proved and verified before one was accepted (the last one). */
      proved: z.number().optional(),
      /** Time those acceptance proofs took (the winner's keys are kept: compile skips setup). */
      provingMs: z.number().optional(),
      budgetSeconds: z.number(),
      ms: z.number(),
    })
    .optional(),
});
export type CircuitChoice = z.infer<typeof circuitChoiceSchema>;
