import { Command } from 'commander';
import { z } from 'zod';
import { parseOptions, runCommand, withCommonOptions } from '../core/command.js';
import { exportRun } from '../prover/training/exportRun.js';

export function exportCommand(): Command {
  return withCommonOptions(new Command('export'))
    .description(
      'Write the fine-tuned model of a verified training run as ONNX (usable by prove and deploy-verifier)',
    )
    .argument('<run>', 'run directory written by `pocompute train`')
    .requiredOption('--out <file>', 'the ONNX file to write')
    .action((dir: string, raw) =>
      runCommand(raw, async (reporter) => {
        const o = parseOptions(z.object({ out: z.string(), json: z.boolean().optional() }), raw);
        const result = await reporter.step(
          'Verifying the run and exporting its final weights',
          () => exportRun(dir, o.out),
          'export',
        );
        reporter.result(
          { ok: true, ...result },
          () => `Fine-tuned model (${result.steps} verified steps) written to ${result.out}`,
        );
      }),
    );
}
