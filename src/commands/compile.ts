import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { z } from 'zod';
import { defineOptions, flag, option, type OptionsOf } from '../core/cliOptions.js';
import { commonOptions, runCommand } from '../core/command.js';
import { PocomputeError } from '../core/errors.js';
import { requireFile } from '../core/files.js';
import { table } from '../core/output.js';
import { DEFAULT_BUDGET_SECONDS } from '../proof/circuitChoice.js';
import { paramVisibilitySchema, visibilitySchema } from '../proof/artifactsManifest.js';
import { compileModel } from '../prover/compileModel.js';

/** The circuit options, shared with prove, deploy-verifier and model register (which compile when needed). */
export const circuitOptions = defineOptions({
  inputVisibility: option(visibilitySchema.default('public'), '<v>', 'public | hashed | private'),
  outputVisibility: option(visibilitySchema.default('public'), '<v>', 'public | hashed | private'),
  paramVisibility: option(
    paramVisibilitySchema.default('fixed'),
    '<v>',
    'fixed: the weights are in the circuit, bound by the verifying key (the only one offered)',
  ),
  calibration: option(
    z.enum(['resources', 'accuracy']).optional(),
    '<target>',
    "EZKL's own preset, not optimised: resources | accuracy (default: the circuit optimiser)",
  ),
  maxError: option(
    z.coerce.number().positive().optional(),
    '<rel>',
    "optimiser: largest relative output error accepted (default: that of EZKL's resources)",
  ),
  optimizerBudget: option(
    z.coerce.number().positive().default(DEFAULT_BUDGET_SECONDS),
    '<s>',
    'optimiser: time budget in seconds',
  ),
  settings: option(
    z.string().optional(),
    '<file>',
    'use these EZKL circuit settings (run_args) instead',
  ),
  srs: option(
    z.string().optional(),
    '<spec>',
    'SRS: a file, "dev" (insecure, local; the default) or "download" (EZKL public SRS)',
  ),
  artifactsRoot: option(
    z.string().optional(),
    '<dir>',
    'where compiled artifacts are kept (default: $POCOMPUTE_HOME/artifacts)',
  ),
  artifactsDir: option(z.string().optional(), '<dir>', 'old name of --artifacts-root', {
    hidden: true,
  }),
});

const compileOptions = defineOptions(circuitOptions, commonOptions, {
  input: option(
    z.string({ required_error: 'a sample input is required (--input <file>)' }),
    '<file>',
    'sample input: validates shapes and calibrates the circuit',
  ),
  force: flag('rebuild in place even if cached artifacts exist'),
});

export const circuitOptionsFrom = (o: OptionsOf<typeof circuitOptions>) => ({
  options: {
    inputVisibility: o.inputVisibility,
    outputVisibility: o.outputVisibility,
    paramVisibility: o.paramVisibility,
    calibrationTarget: o.calibration ?? 'resources',
    optimizer: o.calibration ? ('off' as const) : ('search' as const),
    maxError: o.maxError,
    optimizerBudget: o.optimizerBudget,
    settings: o.settings ? readSettingsFile(o.settings) : undefined,
  },
  srs: o.srs,
  artifactsRoot: o.artifactsRoot ?? o.artifactsDir,
});

function readSettingsFile(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(requireFile(path, 'settings file'), 'utf8'));
  } catch (error) {
    if (error instanceof PocomputeError) throw error;
    throw new PocomputeError('OPTION_INVALID', `--settings ${path}: ${(error as Error).message}`);
  }
}

export function compileCommand(): Command {
  return compileOptions
    .addTo(new Command('compile'))
    .description('Compile an ONNX model into an EZKL circuit with keys (cached by content hash)')
    .argument('<model>', 'ONNX model file')
    .action((model: string, raw) =>
      runCommand(raw, async (reporter) => {
        const o = compileOptions.parse(raw);
        const result = await compileModel({
          model,
          input: o.input,
          ...circuitOptionsFrom(o),
          force: Boolean(o.force),
          reporter,
        });
        const m = result.manifest;
        if (m.srs.origin === 'insecure-dev') reporter.warn('SRS: insecure-dev (local use only)');
        const kept = result.replacedKeptAt ? { replacedKeptAt: result.replacedKeptAt } : {};
        reporter.result(
          { ok: true, cached: result.cached, dir: result.dir, ...kept, manifest: m },
          () =>
            table([
              ['artifacts', result.dir + (result.cached ? reporter.c.dim(' (cached)') : '')],
              ['model', `${m.model.name} (sha256 ${m.model.sha256.slice(0, 16)}…)`],
              ['circuit', `2^${m.circuit.logrows} rows (${m.circuit.numRows} used)`],
              ...(m.circuit.choice ? [['settings', m.circuit.choice.reason]] : []),
              [
                'visibility',
                `inputs ${m.options.inputVisibility}, outputs ${m.options.outputVisibility}, weights ${m.options.paramVisibility}`,
              ],
              ['srs', m.srs.origin],
            ]),
        );
      }),
    );
}
