import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { withChain } from '../chain/chainContext.js';
import { parseOptions, runCommand, withCommonOptions } from '../core/command.js';
import { EXIT } from '../core/errorCodes.js';
import { PocomputeError } from '../core/errors.js';
import { table, type Reporter } from '../core/output.js';
import { readBundle } from '../prover/bundle.js';
import { RUN_MANIFEST } from '../prover/training/runManifest.js';
import { verifyRun } from '../prover/training/verifyRun.js';
import { verifyBundle } from '../verifier/verifyBundle.js';
import { verifyOnchain } from '../verifier/verifyOnchain.js';
import { chainOptionsFrom, chainOptionsSchema, withChainOptions } from './chainOptions.js';

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x address');
const verifyOptions = chainOptionsSchema.extend({
  vk: z.string().optional(),
  settings: z.string().optional(),
  artifacts: z.string().optional(),
  srs: z.string().optional(),
  onchain: z.boolean().optional(),
  verifier: address.optional(),
  vka: address.optional(),
  send: z.boolean().optional(),
  exported: z.string().optional(),
  data: z.string().optional(),
  json: z.boolean().optional(),
});
type VerifyOptions = z.infer<typeof verifyOptions>;

export function verifyCommand(): Command {
  return withCommonOptions(withChainOptions(new Command('verify')))
    .description(
      'Verify a proof bundle with the WASM engine (no Python), or on-chain. Exit 0 valid, 1 invalid, 2 input error',
    )
    .argument(
      '<bundle>',
      'proof bundle written by `pocompute prove`, a bare EZKL proof.json with --artifacts, or a training run directory',
    )
    .option(
      '--vk <file>',
      'a verifying key you trust (default: the key inside the bundle, reported as such)',
    )
    .option('--settings <file>', "EZKL settings for --vk (default: the bundle's)")
    .option(
      '--artifacts <dir>',
      'an artifacts directory whose key, settings and SRS you trust (for a run: its compiled step circuit)',
    )
    .option(
      '--srs <file>',
      'a KZG SRS file you trust (default: the verifier SRS inside the bundle)',
    )
    .option('--onchain', 'verify with the deployed Solidity verifier (eth_call of verifyProof)')
    .option('--verifier <address>', 'the verifier contract, with --onchain')
    .option('--vka <address>', 'the verifying-key artifact, for a reusable verifier')
    .option('--send', 'with --onchain: send a transaction and report the gas it used')
    .option(
      '--exported <model>',
      'for a training run: also check that this exported model holds its final weights',
    )
    .option(
      '--data <file>',
      "for a training run: check that this is the data it committed to and every step's batch its scheduled slice",
    )
    .action((bundlePath: string, raw) =>
      runCommand(raw, async (reporter) => {
        const o = parseOptions(verifyOptions, raw);
        if (existsSync(join(bundlePath, RUN_MANIFEST)))
          return verifyRunCommand(bundlePath, o, reporter);
        return o.onchain
          ? verifyOnChainCommand(bundlePath, o, reporter)
          : verifyOffChainCommand(bundlePath, o, reporter);
      }),
    );
}

async function verifyOffChainCommand(
  bundlePath: string,
  o: VerifyOptions,
  reporter: Reporter,
): Promise<number> {
  const result = await reporter.step(
    'Verifying (EZKL WASM engine)',
    () => verifyBundle({ bundle: bundlePath, ...o }),
    'verify',
  );
  for (const warning of result.warnings) reporter.warn(warning);
  reporter.result({ ok: result.valid, ...result }, () => {
    const mark = (ok: boolean) => (ok ? reporter.c.green('✔') : reporter.c.red('✖'));
    return [
      table(result.checks.map((c) => [mark(c.ok), c.name, c.detail])),
      `key: ${result.keySource} · srs: ${result.srsOrigin} (${result.srsSource})`,
      result.valid ? reporter.c.green('VALID') : reporter.c.red('INVALID'),
    ].join('\n');
  });
  return result.valid ? EXIT.ok : EXIT.invalid;
}

async function verifyRunCommand(
  dir: string,
  o: VerifyOptions,
  reporter: Reporter,
): Promise<number> {
  const result = await reporter.step(
    'Verifying every step and link of the training run (WASM)',
    () => verifyRun(dir, { exported: o.exported, artifacts: o.artifacts, data: o.data }),
    'verifyRun',
  );
  for (const warning of result.warnings) reporter.warn(warning);
  if (result.srsOrigin === 'insecure-dev')
    reporter.warn('insecure-dev SRS: this run proves nothing to anyone else.');
  reporter.result({ ok: result.valid, ...result }, () => {
    const mark = (ok: boolean) => (ok ? reporter.c.green('✔') : reporter.c.red('✖'));
    return [
      table(result.checks.map((c) => [mark(c.ok), String(c.step), c.detail])),
      `step key: ${result.keySource === 'artifacts' ? 'a compiled step circuit' : "the run's own"} · srs: ${result.srsOrigin}`,
      `training data: commitment ${result.data.commitment} (${result.data.rows} rows, seed ${result.data.seed}, ${result.data.seedSource}) · ${result.data.checked ? `checked against ${result.data.file}` : 'NOT CHECKED (pass --data <file>)'}`,
      !result.valid
        ? reporter.c.red(`INVALID RUN: ${result.failure}`)
        : result.keySource === 'artifacts'
          ? reporter.c.green('VALID RUN')
          : reporter.c.yellow("VALID RUN against the run's own step key (not a key you trust)"),
    ].join('\n');
  });
  return result.valid ? EXIT.ok : EXIT.invalid;
}

async function verifyOnChainCommand(
  bundlePath: string,
  o: VerifyOptions,
  reporter: Reporter,
): Promise<number> {
  if (!o.verifier) throw new PocomputeError('USAGE', '--onchain needs --verifier <address>');
  const bundle = await readBundle(bundlePath);
  const result = await withChain({ ...(await chainOptionsFrom(o)), reporter }, (chain) =>
    reporter.step(
      o.send ? 'Sending verifyProof' : 'Calling verifyProof (eth_call)',
      () => verifyOnchain({ bundle, chain, verifier: o.verifier!, vka: o.vka, send: o.send }),
      'verifyOnchain',
    ),
  );
  if (bundle.srs.origin === 'insecure-dev')
    reporter.warn('insecure-dev SRS: this verifier only proves anything on a local chain.');
  reporter.result({ ok: result.valid, ...result }, () =>
    [
      table([
        ['verifier', result.verifier + (result.vka ? ` (vka ${result.vka})` : '')],
        ['chain', result.chainId],
        ['gas', result.gas ? `${result.gas}${o.send ? ' used' : ' (estimate)'}` : '—'],
        ...(result.txHash ? [['tx', result.txHash]] : []),
        ...(result.reason ? [['reason', result.reason]] : []),
      ]),
      result.valid ? reporter.c.green('VALID ON-CHAIN') : reporter.c.red('INVALID ON-CHAIN'),
    ].join('\n'),
  );
  return result.valid ? EXIT.ok : EXIT.invalid;
}
