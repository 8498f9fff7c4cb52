import { Command } from 'commander';
import { commonOptions, runCommand } from '../core/command.js';
import { installManagedVenv } from '../engine/managedVenv.js';
import { EZKL_VERSION } from '../proof/engineVersion.js';

export function engineCommand(): Command {
  const engine = new Command('engine').description(
    `Manage the native EZKL ${EZKL_VERSION} engine (a venv pocompute owns)`,
  );
  engine.addCommand(
    commonOptions
      .addTo(new Command('install'))
      .description(`Create (or repair) the managed venv with ezkl==${EZKL_VERSION}`)
      .action((raw) =>
        runCommand(raw, async (reporter) => {
          const status = await reporter.step(
            `Installing ezkl==${EZKL_VERSION} into a managed venv (or repairing it)`,
            () => installManagedVenv(),
            'engineInstall',
          );
          reporter.result(
            { ok: true, ...status },
            () =>
              `EZKL ${EZKL_VERSION} ${status.installed ? 'installed' : 'already installed'}: ${status.python}`,
          );
        }),
      ),
  );
  return engine;
}
