import { Command } from 'commander';
import { commonOptions, runCommand } from '../core/command.js';
import { readBundle } from '../proof/bundle.js';
import { encodeCalldata } from '../verifier/calldata.js';

export function calldataCommand(): Command {
  return commonOptions
    .addTo(new Command('calldata'))
    .description(
      'Print the verifyProof calldata of a proof bundle (hex), for cast, a wallet or another contract',
    )
    .argument('<bundle>', 'proof bundle')
    .action((bundlePath: string, raw) =>
      runCommand(raw, async (reporter) => {
        const calldata = encodeCalldata(await readBundle(bundlePath));
        reporter.result({ ok: true, calldata, bytes: (calldata.length - 2) / 2 }, () => calldata);
      }),
    );
}
