import { Command } from 'commander';
import { z } from 'zod';
import { parseOptions, runCommand, withCommonOptions } from '../core/command.js';
import { readBundle } from '../proof/bundle.js';
import { encodeCalldata } from '../verifier/calldata.js';

const calldataOptions = z.object({
  json: z.boolean().optional(),
});

export function calldataCommand(): Command {
  return withCommonOptions(new Command('calldata'))
    .description(
      'Print the verifyProof calldata of a proof bundle (hex), for cast, a wallet or another contract',
    )
    .argument('<bundle>', 'proof bundle')
    .action((bundlePath: string, raw) =>
      runCommand(raw, async (reporter) => {
        parseOptions(calldataOptions, raw);
        const calldata = encodeCalldata(await readBundle(bundlePath));
        reporter.result({ ok: true, calldata, bytes: (calldata.length - 2) / 2 }, () => calldata);
      }),
    );
}
