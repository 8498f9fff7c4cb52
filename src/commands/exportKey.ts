import { Command } from 'commander';
import { z } from 'zod';
import { defineOptions, option } from '../core/cliOptions.js';
import { commonOptions, runCommand } from '../core/command.js';
import { exportVerifyingKey } from '../prover/exportVerifyingKey.js';

const exportKeyOptions = defineOptions(commonOptions, {
  out: option(z.string(), '<dir>', 'the directory to write (must not exist)'),
});

export function exportKeyCommand(): Command {
  return exportKeyOptions
    .addTo(new Command('export-key'))
    .description(
      'Write what a verifying machine needs for a model (manifest, settings, vk, compiled verifier; no proving key) into a new directory for `verify --artifacts`',
    )
    .argument(
      '<source>',
      'a proof bundle (its key is found among the artifacts compiled here) or an artifacts directory',
    )
    .action((source: string, raw) =>
      runCommand(raw, async (reporter) => {
        const o = exportKeyOptions.parse(raw);
        const result = await exportVerifyingKey({ source, out: o.out });
        if (result.srs.origin === 'insecure-dev')
          reporter.warn(
            'This key was set up with an insecure-dev SRS: whoever made it could forge proofs. Compile with --srs <file> or --srs download for a key others should trust.',
          );
        reporter.result(
          { ok: true, ...result },
          () =>
            `Verifying key (vk sha256 ${result.vkSha256.slice(0, 16)}…, 2^${result.logrows} rows, SRS ${result.srs.origin}) written to ${result.out}\n` +
            `On the verifying machine: pocompute verify <bundle> --artifacts ${result.out}`,
        );
      }),
    );
}
