import { Command } from 'commander';
import { z } from 'zod';
import { parseOptions, runCommand, withCommonOptions } from '../core/command.js';
import { EXIT } from '../core/errorCodes.js';
import { table } from '../core/output.js';
import { verifyBundle } from '../verifier/verifyBundle.js';

const verifyOptions = z.object({
  vk: z.string().optional(),
  settings: z.string().optional(),
  artifacts: z.string().optional(),
  srs: z.string().optional(),
  json: z.boolean().optional(),
});

export function verifyCommand(): Command {
  return withCommonOptions(new Command('verify'))
    .description('Verify a proof bundle with the WASM engine (no Python). Exit 0 valid, 1 invalid, 2 input error')
    .argument('<bundle>', 'proof bundle written by `pocompute prove`')
    .option('--vk <file>', 'a verifying key you trust (default: the key inside the bundle, reported as such)')
    .option('--settings <file>', 'EZKL settings for --vk (default: the bundle\'s)')
    .option('--artifacts <dir>', 'an artifacts directory whose key, settings and SRS you trust')
    .option('--srs <file>', 'a KZG SRS file you trust (default: the verifier SRS inside the bundle)')
    .action((bundlePath: string, raw) =>
      runCommand(raw, async (reporter) => {
        const o = parseOptions(verifyOptions, raw);
        const result = await reporter.step('Verifying (EZKL WASM engine)', () => verifyBundle({ bundle: bundlePath, ...o }), 'verify');
        for (const warning of result.warnings) reporter.warn(warning);
        reporter.result({ ok: result.valid, ...result }, () => {
          const mark = (ok: boolean) => (ok ? reporter.c.green('✔') : reporter.c.red('✖'));
          return [
            table(result.checks.map((c) => [mark(c.ok), c.name, c.detail])),
            `key: ${result.keySource} · srs: ${result.srsOrigin} (${result.srsSource})`,
            result.valid ? reporter.c.green('VALID') : reporter.c.red('INVALID'),
          ].join('\n');
        });
        return result.valid ? EXIT.ok : EXIT.invalid;
      }),
    );
}
