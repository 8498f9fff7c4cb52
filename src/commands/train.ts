import { Command } from 'commander';
import { z } from 'zod';
import { defineOptions, option } from '../core/cliOptions.js';
import { commonOptions, runCommand } from '../core/command.js';
import { requireRegularFile } from '../core/files.js';
import { table } from '../core/output.js';
import { trainRun } from '../prover/training/trainRun.js';

const trainOptions = defineOptions(commonOptions, {
  data: option(
    z.string(),
    '<file>',
    '{"features": [[...]], "labels": [class ids or target vectors]}',
  ),
  layers: option(
    z.string().default('head'),
    '<which>',
    'head | all | comma-separated dense layer indices',
  ),
  loss: option(z.enum(['mse', 'cross-entropy']).default('mse'), '<loss>', 'mse | cross-entropy'),
  lr: option(z.coerce.number().positive().default(0.05), '<rate>', 'learning rate'),
  batch: option(z.coerce.number().int().positive().default(8), '<n>', 'batch size'),
  steps: option(z.coerce.number().int().positive().default(3), '<n>', 'SGD steps'),
  seed: option(
    z.string().optional(),
    '<seed>',
    'seeds the batch schedule (default: derived from the data commitment); recorded in run.json',
  ),
  out: option(z.string().default('runs/run'), '<dir>', 'run directory'),
  srs: option(z.string().optional(), '<spec>', 'SRS: a file, "dev" or "download"'),
});

const parseLayers = (text: string) =>
  text === 'head' || text === 'all' ? text : text.split(',').map((s) => Number(s.trim()));

export function trainCommand(): Command {
  return trainOptions
    .addTo(new Command('train'))
    .description(
      'Fine-tune an MLP with SGD, proving every step; the steps chain by Poseidon hashes from the base model',
    )
    .argument('<model>', 'ONNX MLP (dense layers with ReLU)')
    .action((model: string, raw) =>
      runCommand(raw, async (reporter) => {
        const o = trainOptions.parse(raw);
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
