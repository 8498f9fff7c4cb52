import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { parseOptions, runCommand, withCommonOptions } from '../core/command.js';
import { PocomputeError } from '../core/errors.js';
import { requireFile } from '../core/files.js';
import { table } from '../core/output.js';
import { DEFAULT_BUDGET_SECONDS } from '../proof/circuitChoice.js';
import { paramVisibilitySchema, visibilitySchema } from '../proof/artifactsManifest.js';
import { compileModel } from '../prover/compileModel.js';

export const compileCircuitOptions = z.object({
  input: z.string({ required_error: 'a sample input is required (--input <file>)' }),
  inputVisibility: visibilitySchema.default('public'),
  outputVisibility: visibilitySchema.default('public'),
  paramVisibility: paramVisibilitySchema.default('fixed'),
  calibration: z.enum(['resources', 'accuracy']).optional(),
  maxError: z.coerce.number().positive().optional(),
  optimizerBudget: z.coerce.number().positive().default(DEFAULT_BUDGET_SECONDS),
  settings: z.string().optional(),
  srs: z.string().optional(),
  artifactsRoot: z.string().optional(),
  artifactsDir: z.string().optional(),
  json: z.boolean().optional(),
});

/** The compile flags, shared with prove and deploy-verifier (which compile when needed). */
export function withCircuitOptions(command: Command): Command {
  return command
    .option('--input-visibility <v>', 'public | hashed | private', 'public')
    .option('--output-visibility <v>', 'public | hashed | private', 'public')
    .option(
      '--param-visibility <v>',
      'fixed: the weights are in the circuit, bound by the verifying key (the only one offered)',
      'fixed',
    )
    .option(
      '--calibration <target>',
      "EZKL's own preset, not optimised: resources | accuracy (default: the circuit optimiser)",
    )
    .option(
      '--max-error <rel>',
      "optimiser: largest relative output error accepted (default: that of EZKL's resources)",
    )
    .option(
      '--optimizer-budget <s>',
      'optimiser: time budget in seconds',
      String(DEFAULT_BUDGET_SECONDS),
    )
    .option('--settings <file>', 'use these EZKL circuit settings (run_args) instead')
    .option(
      '--srs <spec>',
      'SRS: a file, "dev" (insecure, local; the default) or "download" (EZKL public SRS)',
    )
    .option(
      '--artifacts-root <dir>',
      'where compiled artifacts are kept (default: $POCOMPUTE_HOME/artifacts)',
    )
    .addOption(new Option('--artifacts-dir <dir>', 'old name of --artifacts-root').hideHelp());
}

export const circuitOptionsFrom = (o: Omit<z.infer<typeof compileCircuitOptions>, 'input'>) => ({
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
  return withCommonOptions(withCircuitOptions(new Command('compile')))
    .description('Compile an ONNX model into an EZKL circuit with keys (cached by content hash)')
    .argument('<model>', 'ONNX model file')
    .requiredOption('--input <file>', 'sample input: validates shapes and calibrates the circuit')
    .option('--force', 'rebuild even if cached artifacts exist')
    .action((model: string, raw) =>
      runCommand(raw, async (reporter) => {
        const o = parseOptions(compileCircuitOptions, raw);
        const result = await compileModel({
          model,
          input: o.input,
          ...circuitOptionsFrom(o),
          force: Boolean(raw.force),
          reporter,
        });
        const m = result.manifest;
        if (m.srs.origin === 'insecure-dev') reporter.warn('SRS: insecure-dev (local use only)');
        reporter.result({ ok: true, cached: result.cached, dir: result.dir, manifest: m }, () =>
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
