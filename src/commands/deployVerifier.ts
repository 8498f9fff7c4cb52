import { Command } from 'commander';
import { z } from 'zod';
import { withChain } from '../chain/chainContext.js';
import { defineOptions, flag, option } from '../core/cliOptions.js';
import { commonOptions, runCommand } from '../core/command.js';
import { table } from '../core/output.js';
import { artifactsFor } from '../prover/compileModel.js';
import { deployVerifier } from '../verifier/deployVerifier.js';
import { chainOptions, chainOptionsFrom } from './chainOptions.js';
import { circuitOptions, circuitOptionsFrom } from './compile.js';

const deployOptions = defineOptions(circuitOptions, chainOptions, commonOptions, {
  input: option(
    z.string().optional(),
    '<file>',
    'sample input for compiling (default: input.json beside the model)',
  ),
  layout: option(
    z.enum(['auto', 'single', 'reusable']).default('auto'),
    '<layout>',
    'auto | single | reusable (reusable verifier + VKA, for verifiers over EIP-170)',
  ),
  confirmations: option(z.coerce.number().int().min(1).default(1), '<n>', 'blocks to wait for'),
  force: flag('deploy again even if a deployment of this verifier is recorded for the chain'),
});

export function deployVerifierCommand(): Command {
  return deployOptions
    .addTo(new Command('deploy-verifier'))
    .description(
      "Emit the model's Solidity verifier (EZKL), compile it (solc 0.8.20) and deploy it",
    )
    .argument('<target>', 'ONNX model file or artifacts directory')
    .action((target: string, raw) =>
      runCommand(raw, async (reporter) => {
        const o = deployOptions.parse(raw);
        const input = o.input ?? target.replace(/[^/]*$/, 'input.json');
        // The chain and the key are checked first: a missing key is not worth a compile.
        const record = await withChain(
          { ...(await chainOptionsFrom(o)), reporter },
          async (chain) => {
            await chain.signer();
            const artifacts = await artifactsFor(target, {
              input,
              ...circuitOptionsFrom(o),
              reporter,
            });
            const deployed = await deployVerifier({
              artifacts,
              chain,
              layout: o.layout,
              force: o.force,
              confirmations: o.confirmations,
              reporter,
            });
            return { ...deployed, rpcUrl: chain.rpcUrl, chainKind: chain.kind };
          },
        );
        if (record.chainKind === 'embedded')
          reporter.warn(
            'Deployed to an embedded anvil that stops with this command; run `pocompute chain` to keep one, or pass --rpc.',
          );
        reporter.result({ ok: true, ...record }, () =>
          table([
            [
              'verifier',
              `${record.verifier.address}${record.reused ? reporter.c.dim(' (already deployed; code checked)') : ''}`,
            ],
            ...(record.vka ? [['vka', `digest ${record.vka.digest} (registered)`]] : []),
            ['layout', `${record.layout}: ${record.reason}`],
            ['chain', `${record.chainId} (${record.rpcUrl})`],
            [
              'gas used',
              [record.verifier.gasUsed, record.vka?.gasUsed].filter(Boolean).join(' + '),
            ],
            ['runtime size', `${record.verifier.runtimeSize} bytes`],
            ['compiler', `solc ${record.compilerVersion}`],
          ]),
        );
      }),
    );
}
