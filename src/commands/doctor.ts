import { Command } from 'commander';
import { runCommand, withCommonOptions } from '../core/command.js';
import { EXIT } from '../core/errorCodes.js';
import { table } from '../core/output.js';
import { checkEnvironment } from '../doctor/checkEnvironment.js';

export function doctorCommand(): Command {
  return withCommonOptions(new Command('doctor'))
    .description(
      'Report node, the EZKL engines, the SRS cache and the chain tools, with what to do about a missing part',
    )
    .action((raw) =>
      runCommand(raw, async (reporter) => {
        const checks = await checkEnvironment();
        const ok = checks.every((c) => c.status === 'ok');
        reporter.result({ ok, checks }, () => {
          const mark = {
            ok: reporter.c.green('✔'),
            missing: reporter.c.yellow('•'),
            error: reporter.c.red('✖'),
          };
          return table(
            checks.map((c) => [
              mark[c.status],
              c.part,
              c.detail + (c.hint ? reporter.c.dim(`  → ${c.hint}`) : ''),
            ]),
          );
        });
        return ok ? EXIT.ok : EXIT.engine;
      }),
    );
}
