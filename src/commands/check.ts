import { Command } from 'commander';
import { z } from 'zod';
import { defineOptions, option } from '../core/cliOptions.js';
import { commonOptions, runCommand } from '../core/command.js';
import { EXIT } from '../core/errorCodes.js';
import { table } from '../core/output.js';
import { describeReceipt } from '../verifier/describeReceipt.js';
import { checkReceiptFile } from '../verifier/checkReceiptFile.js';

const HASH = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, 'must be a 0x-prefixed 32-byte hash')
  .optional();

const checkOptions = defineOptions(commonOptions, {
  model: option(
    z.string().optional(),
    '<file>',
    'the ONNX model: check it is the one proved (file, weights, labels)',
  ),
  artifacts: option(
    z.string().optional(),
    '<dir>',
    "artifacts compiled here: the verifier must be EZKL's for their key (attested)",
  ),
  codeHash: option(
    HASH,
    '<hash>',
    'pin the verifier by its code hash (EXTCODEHASH of the deployed verifier)',
  ),
  vkaDigest: option(HASH, '<hash>', "with --code-hash, the reusable verifier's VKA digest"),
  market: option(
    z
      .string()
      .regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x address')
      .optional(),
    '<address>',
    'with --rpc, the market you trust: the settlement must be its (else the receipt names its own)',
  ),
  rpc: option(
    z.string().url('must be an http(s) or ws(s) URL').optional(),
    '<url>',
    "an RPC of the receipt's chain: check the verifier's code there and that the task was paid for this proof",
  ),
});

export function checkCommand(): Command {
  return checkOptions
    .addTo(new Command('check'))
    .description(
      'Check a receipt: proof, input, output, model, verifier, payment, signature. Exit 0 valid, 1 invalid, 2 input error',
    )
    .argument('<receipt>', 'a receipt written by `pocompute receipt`')
    .action((receiptPath: string, raw) =>
      runCommand(raw, async (reporter) => {
        const o = checkOptions.parse(raw);
        const result = await reporter.step(
          'Checking the receipt (Solidity verifier, in-process EVM)',
          () => checkReceiptFile({ receipt: receiptPath, ...o }),
        );
        for (const warning of result.warnings) reporter.warn(warning);
        const { receipt, ...summary } = result;
        reporter.result({ ok: result.valid, ...summary, summary: describeReceipt(receipt) }, () => {
          const mark = (ok: boolean) => (ok ? reporter.c.green('✔') : reporter.c.red('✖'));
          return [
            table(describeReceipt(receipt).map((row) => [row.label, row.value])),
            table(result.checks.map((c) => [mark(c.ok), c.name, c.detail])),
            `trust: ${result.trust}`,
            result.valid
              ? reporter.c.green('VALID RECEIPT')
              : reporter.c.red(
                  `INVALID RECEIPT: ${result.checks
                    .filter((c) => !c.ok)
                    .map((c) => c.name)
                    .join(', ')}`,
                ),
          ].join('\n');
        });
        return result.valid ? EXIT.ok : EXIT.invalid;
      }),
    );
}
