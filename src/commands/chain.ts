import { Command } from 'commander';
import { z } from 'zod';
import { defineOptions, option } from '../core/cliOptions.js';
import { commonOptions, runCommand } from '../core/command.js';
import { table } from '../core/output.js';
import { runLocalChain } from '../chain/localChain.js';

const chainCommandOptions = defineOptions(commonOptions, {
  port: option(z.string().default('8545'), '<port>', 'loopback port'),
});

export function chainCommand(): Command {
  return chainCommandOptions
    .addTo(new Command('chain'))
    .description(
      'Run a local anvil chain (state kept in ~/.pocompute/chain) for multi-command work; Ctrl-C stops it',
    )
    .action((raw) =>
      runCommand(raw, async (reporter) => {
        const o = chainCommandOptions.parse(raw);
        const { handle, record, stop } = await reporter.step(
          'Starting anvil',
          () => runLocalChain({ port: Number(o.port) }),
          'anvil',
        );
        reporter.result(
          {
            ok: true,
            rpcUrl: handle.rpcUrl,
            chainId: handle.chainId,
            stateFile: record.stateFile,
            accounts: handle.accounts.map((a) => a.address),
          },
          () =>
            [
              `RPC ${handle.rpcUrl} (chain id ${handle.chainId}); state in ${record.stateFile}`,
              "Dev accounts (anvil's public test mnemonic, 10,000 ETH each; other pocompute commands use the first):",
              table(handle.accounts.map((a, i) => [String(i), a.address])),
              'Press Ctrl-C to stop.',
            ].join('\n'),
        );
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await stop();
      }),
    );
}
