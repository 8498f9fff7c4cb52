import { Command } from 'commander';
import { isAddress } from 'ethers';
import { z } from 'zod';
import { defineOptions, option } from '../core/cliOptions.js';
import { commonOptions, runCommand } from '../core/command.js';
import { EXIT } from '../core/errorCodes.js';
import { table } from '../core/output.js';
import { describeReceipt, printable } from '../verifier/describeReceipt.js';
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
  settingsHash: option(
    z
      .string()
      .regex(/^(0x)?[0-9a-fA-F]{64}$/, 'must be a sha256 in hex')
      .optional(),
    '<hash>',
    "pin the settings the proved values are read with (a trusted receipt's model.settingsSha256)",
  ),
  market: option(
    z
      .string()
      .regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x address')
      .refine((a) => isAddress(a), 'must be an address with a valid checksum (or all one case)')
      .optional(),
    '<address>',
    'with --rpc, the market you trust: the settlement (or the bounty contract) must be its (else the receipt names its own)',
  ),
  rpc: option(
    z.string().url('must be an http(s) or ws(s) URL').optional(),
    '<url>',
    "an RPC of the receipt's chain: check the verifier's code there and that the task (or bounty) was paid for this proof",
  ),
});

export function checkCommand(): Command {
  return checkOptions
    .addTo(new Command('check'))
    .description(
      'Check a receipt: proof, input, output, model, verifier, payment (task or bounty), signature. Exit 0 valid, 1 invalid, 2 input error',
    )
    .argument('<receipt>', 'a receipt written by `pocompute receipt`')
    .action((receiptPath: string, raw) =>
      runCommand(raw, async (reporter) => {
        const o = checkOptions.parse(raw);
        const result = await reporter.step(
          'Checking the receipt (Solidity verifier, in-process EVM)',
          () => checkReceiptFile({ receipt: receiptPath, ...o }),
        );
        for (const warning of result.warnings) reporter.warn(printable(warning, 1000));
        const { receipt, ...summary } = result;
        const rows = describeReceipt(receipt, result.trusted);
        reporter.result({ ok: result.valid, ...summary, summary: rows }, () => {
          const mark = (c: (typeof result.checks)[number]) =>
            c.status === 'ok'
              ? reporter.c.green('✔')
              : c.status === 'failed'
                ? reporter.c.red('✖')
                : reporter.c.yellow('?');
          const named = (status: string) =>
            result.checks
              .filter((c) => c.status === status)
              .map((c) => c.name)
              .join(', ');
          return [
            table(rows.map((row) => [row.label, row.value])),
            table(result.checks.map((c) => [mark(c), c.name, printable(c.detail, 1000)])),
            `trust: ${result.trust}`,
            result.verdict === 'valid'
              ? reporter.c.green('VALID RECEIPT')
              : result.verdict === 'unchecked'
                ? reporter.c.yellow(
                    `NOT FULLY CHECKED: nothing failed, but not checked: ${named('not-checked')} (see each row for what to pass)`,
                  )
                : reporter.c.red(`INVALID RECEIPT: ${named('failed')}`),
          ].join('\n');
        });
        return result.valid ? EXIT.ok : EXIT.invalid;
      }),
    );
}
