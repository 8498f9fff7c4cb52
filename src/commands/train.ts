import { Command } from 'commander';
import { z } from 'zod';
import { parseOptions, runCommand, withCommonOptions } from '../core/command.js';
import { requireRegularFile } from '../core/files.js';
import { table } from '../core/output.js';
import { trainRun } from '../prover/training/trainRun.js';

const trainOptions = z.object({
  data: z.string(),
  layers: z.string().default('head'),
  loss: z.enum(['mse', 'cross-entropy']).default('mse'),
  lr: z.coerce.number().positive().default(0.05),
  batch: z.coerce.number().int().positive().default(8),
  steps: z.coerce.number().int().positive().default(3),
  seed: z.string().optional(),
  out: z.string().default('runs/run'),
  srs: z.string().optional(),
  json: z.boolean().optional(),
});

const parseLayers = (text: string) =>
  text === 'head' || text === 'all' ? text : text.split(',').map((s) => Number(s.trim()));

export function trainCommand(): Command {
  return withCommonOptions(new Command('train'))
    .description(
      'Fine-tune an MLP with SGD, proving every step; the steps chain by Poseidon hashes from the base model',
    )
    .argument('<model>', 'ONNX MLP (dense layers with ReLU)')
    .requiredOption(
      '--data <file>',
      '{"features": [[...]], "labels": [class ids or target vectors]}',
    )
    .option('--layers <which>', 'head | all | comma-separated dense layer indices', 'head')
    .option('--loss <loss>', 'mse | cross-entropy', 'mse')
    .option('--lr <rate>', 'learning rate', '0.05')
    .option('--batch <n>', 'batch size', '8')
    .option('--steps <n>', 'SGD steps', '3')
    .option(
      '--seed <seed>',
      'seeds the batch schedule (default: derived from the data commitment); recorded in run.json',
    )
    .option('--out <dir>', 'run directory', 'runs/run')
    .option('--srs <spec>', 'SRS: a file, "dev" or "download"')
    .action((model: string, raw) =>
      runCommand(raw, async (reporter) => {
        const o = parseOptions(trainOptions, raw);
        // A missing model or a directory is a usage error before the run reads it.
        await requireRegularFile(model, 'model', 'ONNX_INVALID');
        const run = await trainRun({
          model,
          data: o.data,
          trainable: parseLayers(o.layers),
          loss: o.loss,
          lr: o.lr,
          batch: o.batch,
          steps: o.steps,
          seed: o.seed,
          out: o.out,
          srs: o.srs,
          reporter,
        });
        if (run.srsOrigin === 'insecure-dev') reporter.warn('SRS: insecure-dev (local use only)');
        reporter.result({ ok: true, dir: o.out, ...run }, () =>
          [
            `Run written to ${o.out}: ${run.steps.length} proved steps (layers ${run.options.trainable.join(', ')}, ${run.options.loss}, lr ${run.options.lr}, batch ${run.options.batch})`,
            `Training data: ${run.data.rows} rows, commitment ${run.data.commitment} (${run.data.scheme}); batches scheduled by seed ${run.data.seed} (${run.data.seedSource})`,
            table(
              run.steps.map((s) => [
                String(s.index),
                s.loss.toFixed(5),
                s.floatLoss.toFixed(5),
                s.drift.loss.toExponential(2),
                s.drift.maxAbsWeight.toExponential(2),
                `${(s.proveMs / 1000).toFixed(1)} s`,
              ]),
              ['step', 'loss (proved)', 'loss (float)', 'loss drift', 'max weight drift', 'prove'],
            ),
          ].join('\n'),
        );
      }),
    );
}
