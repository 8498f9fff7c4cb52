import { Command } from 'commander';
import { z } from 'zod';
import { defineOptions, flag, negatedFlag, option } from '../core/cliOptions.js';
import { commonOptions, runCommand } from '../core/command.js';
import { PocomputeError } from '../core/errors.js';
import { writeFileAtomic } from '../core/files.js';
import { table } from '../core/output.js';
import { readBundle } from '../proof/bundle.js';
import { receiptJson } from '../proof/receipt.js';
import { createReceipt } from '../verifier/createReceipt.js';
import { describeReceipt } from '../verifier/describeReceipt.js';
import { marketOptions, withMarket } from './marketOptions.js';

const receiptOptions = defineOptions(marketOptions, commonOptions, {
  out: option(z.string(), '<file>', 'where to write the receipt (JSON, pocompute-receipt@1)'),
  task: option(
    z.string().regex(/^\d+$/, 'must be a task id').optional(),
    '<id>',
    'the market task this proof was paid for: the receipt names the settlement (needs the chain)',
  ),
  bounty: option(
    z.string().regex(/^\d+$/, 'must be a bounty id').optional(),
    '<id>',
    "the training bounty this evaluation proof was paid for (`bounty prove`'s bundle): the receipt names it (needs the chain)",
  ),
  bounties: option(
    z
      .string()
      .regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x address')
      .optional(),
    '<address>',
    "with --bounty, the market's bounty contract (default: the one recorded with the market)",
  ),
  model: option(
    z.string().optional(),
    '<file>',
    'the ONNX model the bundle proves (default: its copy in the artifacts compiled here)',
  ),
  sign: flag('with --task: sign the receipt (EIP-712) with the key the task paid'),
  inputValues: negatedFlag('leave the input values out (their commitment stays)'),
});

export function receiptCommand(): Command {
  return receiptOptions
    .addTo(new Command('receipt'))
    .description(
      'Write a receipt anyone can check: model, input, output, proof, verifier and (with --task or --bounty) the payment',
    )
    .argument('<bundle>', 'a proof bundle written by `pocompute prove`')
    .action((bundlePath: string, raw) =>
      runCommand(raw, async (reporter) => {
        const o = receiptOptions.parse(raw);
        if (o.sign && !o.task)
          throw new PocomputeError(
            'USAGE',
            '--sign needs --task: a receipt is signed by the worker a task paid',
          );
        if (o.bounty && (o.task || o.sign))
          throw new PocomputeError(
            'USAGE',
            '--bounty is a receipt of a bounty, --task (and --sign) of a task: pass one',
          );
        if (o.bounties && !o.bounty)
          throw new PocomputeError('USAGE', '--bounties goes with --bounty <id>');
        const bundle = await readBundle(bundlePath);
        const base = { bundle, model: o.model, omitInputValues: !o.inputValues };
        const receipt = await reporter.step(
          o.task
            ? `Reading task ${o.task}'s payment, verifying the bundle, writing the receipt`
            : o.bounty
              ? `Reading bounty ${o.bounty}'s payment, verifying the bundle, writing the receipt`
              : 'Verifying the bundle, writing the receipt',
          () =>
            o.bounty
              ? withMarket(o, reporter, false, async (market, chain) => {
                  const { openBounties } = await import('../market/bounty.js');
                  const { createBountyReceipt } = await import('../market/bountyReceipt.js');
                  const bounties = await openBounties({ chain, market, address: o.bounties });
                  return createBountyReceipt({
                    ...base,
                    // The path: the run's link beside it names the evaluation artifacts.
                    bundle: bundlePath,
                    bounties,
                    bountyId: o.bounty as string,
                  });
                })
              : o.task
                ? withMarket(o, reporter, Boolean(o.sign), async (market, chain) => {
                    const { createTaskReceipt } = await import('../market/taskReceipt.js');
                    const signer = o.sign ? await chain.signer() : undefined;
                    return createTaskReceipt(market, { ...base, taskId: o.task as string, signer });
                  })
                : createReceipt(base),
        );
        const text = receiptJson(receipt);
        await writeFileAtomic(o.out, text);
        reporter.result(
          {
            ok: true,
            receipt: o.out,
            bytes: Buffer.byteLength(text),
            signed: Boolean(receipt.signature),
            settlement: receipt.settlement ?? null,
            bounty: receipt.bounty ?? null,
          },
          () =>
            [
              `Receipt written to ${o.out} (${(Buffer.byteLength(text) / 1024).toFixed(1)} KiB)`,
              // Written here from a bundle verified against these artifacts (and the chain, --task).
              table(
                describeReceipt(receipt, {
                  verifier: true,
                  settings: true,
                  model: true,
                  names: true,
                  labels: true,
                  settlement: true,
                  bounty: true,
                }).map((row) => [row.label, row.value]),
              ),
              `Check it: pocompute check ${o.out}`,
            ].join('\n'),
        );
      }),
    );
}
