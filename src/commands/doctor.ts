import { Command } from 'commander';
import { commonOptions, runCommand } from '../core/command.js';
import { EXIT } from '../core/errorCodes.js';
import { table } from '../core/output.js';
import { checkEnvironment } from '../doctor/checkEnvironment.js';

export function doctorCommand(): Command {
  return commonOptions
    .addTo(new Command('doctor'))
    .description(
      'Report node, the EZKL engine, the SRS cache and the chain tools, with what to do about a missing part. Exit 0 unless a part is broken (3); parts made on first use are not',
    )
    .action((raw) =>
      runCommand(raw, async (reporter) => {
        const checks = await checkEnvironment();
        // A part that is only not provisioned yet (the EZKL venv, made on first use) is not a
        // failure: exit 3 only when something is broken. `ready` says whether all is in place.
        const ok = checks.every((c) => c.status !== 'error');
        const ready = checks.every((c) => c.status === 'ok');
        reporter.result({ ok, ready, checks }, () => {
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
