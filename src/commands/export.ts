import { Command } from 'commander';
import { z } from 'zod';
import { defineOptions, flag, option } from '../core/cliOptions.js';
import { commonOptions, runCommand } from '../core/command.js';
import { exportRun } from '../prover/training/exportRun.js';

const exportOptions = defineOptions(commonOptions, {
  out: option(z.string(), '<file>', 'the ONNX file to write'),
  artifacts: option(
    z.string().optional(),
    '<dir>',
    'the compiled step circuit whose key you trust (default: one compiled on this machine)',
  ),
  allowUntrustedKey: flag(
    'export even if the run could only be verified against its own step key (said so)',
  ),
});

export function exportCommand(): Command {
  return exportOptions
    .addTo(new Command('export'))
    .description(
      'Write the fine-tuned model of a verified training run as ONNX (usable by prove and deploy-verifier)',
    )
    .argument('<run>', 'run directory written by `pocompute train`')
    .action((dir: string, raw) =>
      runCommand(raw, async (reporter) => {
        const o = exportOptions.parse(raw);
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
