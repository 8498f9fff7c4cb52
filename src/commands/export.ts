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
    .option(
      '--artifacts <dir>',
      'the compiled step circuit whose key you trust (default: one compiled on this machine)',
    )
    .option(
      '--allow-untrusted-key',
      'export even if the run could only be verified against its own step key (said so)',
    )
    .action((dir: string, raw) =>
      runCommand(raw, async (reporter) => {
        const o = parseOptions(
          z.object({
            out: z.string(),
            artifacts: z.string().optional(),
            allowUntrustedKey: z.boolean().optional(),
            json: z.boolean().optional(),
          }),
          raw,
        );
        const result = await reporter.step(
          'Verifying the run and exporting its final weights',
          () =>
            exportRun({
              run: dir,
              out: o.out,
              artifacts: o.artifacts,
              allowUntrustedKey: o.allowUntrustedKey,
            }),
          'export',
        );
        if (result.keySource === 'run')
          reporter.warn(
            'Exported a run verified only against its own step key (--allow-untrusted-key): its proofs may be of another circuit than the SGD step it claims.',
          );
        reporter.result(
          { ok: true, ...result },
          () => `Fine-tuned model (${result.steps} verified steps) written to ${result.out}`,
        );
      }),
    );
}
