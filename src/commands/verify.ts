import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { defineOptions, flag, option, type OptionsOf } from '../core/cliOptions.js';
import { commonOptions, runCommand } from '../core/command.js';
import { EXIT } from '../core/errorCodes.js';
import { PocomputeError } from '../core/errors.js';
import { optionFlag } from '../core/options.js';
import { jsonReplacer, table, type Reporter } from '../core/output.js';
import { readJsonFile } from '../core/files.js';
import { readBundle } from '../proof/bundle.js';
import { isStagedBundleJson, parseStagedBundle, type StagedBundle } from '../proof/stagedBundle.js';
import { RUN_MANIFEST } from '../prover/training/runManifest.js';
import { verifyBundle } from '../verifier/verifyBundle.js';
import { batchExitCode, type BundleVerdict, verifyBundles } from '../verifier/verifyBundles.js';
import { chainOptions, chainOptionsFrom } from './chainOptions.js';

const verifyOptions = defineOptions(chainOptions, commonOptions, {
  vk: option(
    z.string().optional(),
    '<file>',
    "a verifying key you trust, with --settings and --srs (default: the bundle's own verifier, said so)",
  ),
  settings: option(
    z.string().optional(),
    '<file>',
    'the EZKL settings.json for --vk (required with --vk: scales and layout come from it)',
  ),
  artifacts: option(
    z.string().optional(),
    '<dir>',
    'an artifacts directory whose key, settings and SRS you trust (for a run: its compiled step circuit, required unless compiled here; for a staged proof: its compiled stages or split directory)',
  ),
  srs: option(
    z.string().optional(),
    '<file>',
    'the KZG SRS you trust, with --vk: the verifier for that key is made from it (once, then cached)',
  ),
  onchain: flag('verify with the deployed Solidity verifier (eth_call of verifyProof)'),
  verifier: option(
    z
      .string()
      .regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x address')
      .optional(),
    '<address>',
    'the verifier contract, with --onchain',
  ),
  send: flag('with --onchain: send a transaction and report the gas it used'),
  exported: option(
    z.string().optional(),
    '<model>',
    'for a training run: also check that this exported model holds its final weights',
  ),
  data: option(
    z.string().optional(),
    '<file>',
    "for a training run: check that this is the data it committed to and every step's batch its scheduled slice",
  ),
  base: option(
    z.string().optional(),
    '<model>',
    'for a training run: check that it starts from this base model (sha256 and weights)',
  ),
});
type VerifyOptions = OptionsOf<typeof verifyOptions>;

export function verifyCommand(): Command {
  return verifyOptions
    .addTo(new Command('verify'))
    .description(
      'Verify a proof bundle with its Solidity verifier in an in-process EVM (no Python), or on-chain. Exit 0 valid, 1 invalid, 2 input error',
    )
    .argument(
      '<bundles...>',
      'proof bundles written by `pocompute prove` (`-` reads one from standard input), bare EZKL ' +
        'proof.json files with --artifacts, or one training run directory',
    )
    .action((bundles: string[], raw) =>
      runCommand(raw, async (reporter) => {
        const o = verifyOptions.parse(raw);
        if (bundles.length > 1 || bundles[0] === '-') {
          refuseOptions(o, RUN_ONLY_OPTIONS, 'apply to one training run, not to several bundles');
          if (o.onchain)
            throw new PocomputeError('USAGE', '--onchain verifies one bundle at a time');
          return verifyManyCommand(bundles, o, reporter);
        }
        const [bundlePath] = bundles;
        if (existsSync(join(bundlePath, RUN_MANIFEST))) {
          refuseOptions(o, BUNDLE_ONLY_OPTIONS, 'do not apply to a training run');
          return verifyRunCommand(bundlePath, o, reporter);
        }
        if (isDirectory(bundlePath))
          throw new PocomputeError(
            'BUNDLE_INVALID',
            `${bundlePath} is a directory without ${RUN_MANIFEST}: neither a proof bundle nor a training run`,
          );
        const staged = await readIfStaged(bundlePath);
        if (staged) {
          refuseOptions(
            o,
            [...BUNDLE_ONLY_OPTIONS, ...RUN_ONLY_OPTIONS],
            'do not apply to a staged proof (its keys are its compiled stages: --artifacts)',
          );
          return verifyStagedCommand(staged, o, reporter);
        }
        return o.onchain
          ? verifyOnChainCommand(bundlePath, o, reporter)
          : verifyOffChainCommand(bundlePath, o, reporter);
      }),
    );
}

/** Options of bundle verification that a training run has no use for (its key is its step circuit's). */
const BUNDLE_ONLY_OPTIONS = [
  'vk',
  'settings',
  'srs',
  'onchain',
  'verifier',
  'send',
] as const satisfies readonly (keyof VerifyOptions)[];
/** Options that only a single training run takes. */
const RUN_ONLY_OPTIONS = [
  'data',
  'exported',
  'base',
] as const satisfies readonly (keyof VerifyOptions)[];

/** An option that would be silently ignored is a usage error naming it (exit 2). */
function refuseOptions(o: VerifyOptions, names: readonly (keyof VerifyOptions)[], why: string) {
  const given = names.filter((name) => o[name] !== undefined && o[name] !== false);
  if (given.length) throw new PocomputeError('USAGE', `${given.map(optionFlag).join(', ')} ${why}`);
}

/** A staged proof bundle (format pocompute-staged-proof@2), parsed; undefined for anything else. */
async function readIfStaged(path: string): Promise<StagedBundle | undefined> {
  const raw = await readJsonFile(path, 'proof bundle', 'BUNDLE_INVALID');
  return isStagedBundleJson(raw) ? parseStagedBundle(raw, path) : undefined;
}

async function verifyStagedCommand(
  bundle: StagedBundle,
  o: VerifyOptions,
  reporter: Reporter,
): Promise<number> {
  // Loaded here: it brings the staged compile and witness code, which bundle verification never needs.
  const { verifyStaged } = await import('../verifier/verifyStaged.js');
  const result = await reporter.step(
    `Verifying ${bundle.stages.length} stage proof(s) and their links (Solidity verifiers, in-process EVM)`,
    () => verifyStaged({ bundle, artifacts: o.artifacts }),
    'verify',
  );
  for (const warning of result.warnings) reporter.warn(warning);
  const { stages: _stages, ...summary } = result;
  reporter.result({ ok: result.valid, ...summary }, () => {
    const mark = (ok: boolean) => (ok ? reporter.c.green('✔') : reporter.c.red('✖'));
    const outputs = result.public.outputs
      .map((t) => `${t.name} = ${(t.values ?? []).map((v) => v.toFixed(4)).join(' ')}`)
      .join('; ');
    return [
      table(result.checks.map((c) => [mark(c.ok), c.name, c.detail])),
      `key: ${result.keySource} · ${result.source.name} in ${result.stages.length} stage(s)`,
      result.valid ? `VALID STAGED PROOF: ${outputs}` : 'INVALID STAGED PROOF',
    ].join('\n');
  });
  return result.valid ? EXIT.ok : EXIT.invalid;
}

async function verifyOffChainCommand(
  bundlePath: string,
  o: VerifyOptions,
  reporter: Reporter,
): Promise<number> {
  const result = await reporter.step(
    'Verifying (Solidity verifier, in-process EVM)',
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

/** Many bundles (or `-`) in one process: one line, or one JSON document, per bundle. */
async function verifyManyCommand(
  sources: string[],
  o: VerifyOptions,
  reporter: Reporter,
): Promise<number> {
  const trust = { vk: o.vk, settings: o.settings, artifacts: o.artifacts, srs: o.srs };
  const verdicts: BundleVerdict[] = [];
  for await (const verdict of verifyBundles(sources, trust)) {
    verdicts.push(verdict);
    const { source, result, error } = verdict;
    if (reporter.json) {
      const data = result
        ? { bundle: source, ok: result.valid, ...result }
        : { bundle: source, ok: false, error: error?.toJSON() };
      process.stdout.write(`${JSON.stringify(data, jsonReplacer)}\n`);
    } else if (result) {
      const failed = result.checks.find((c) => !c.ok);
      const verdictText = result.valid
        ? reporter.c.green('VALID')
        : reporter.c.red(`INVALID: ${failed?.name}: ${failed?.detail}`);
      process.stdout.write(`${source}  ${verdictText}  (key: ${result.keySource})\n`);
    } else {
      process.stdout.write(
        `${source}  ${reporter.c.red(`ERROR ${error?.code}: ${error?.message}`)}\n`,
      );
    }
  }
  for (const warning of new Set(verdicts.flatMap((v) => v.result?.warnings ?? [])))
    reporter.warn(warning);
  return batchExitCode(verdicts);
}

async function verifyRunCommand(
  dir: string,
  o: VerifyOptions,
  reporter: Reporter,
): Promise<number> {
  // Loaded here: bundle verification (CI's hot path) never pays for the training code.
  const { verifyRun } = await import('../prover/training/verifyRun.js');
  const result = await reporter.step(
    'Verifying every step and link of the training run (in-process EVM)',
    () =>
      verifyRun({
        run: dir,
        exported: o.exported,
        artifacts: o.artifacts,
        data: o.data,
        base: o.base,
      }),
    'verifyRun',
  );
  for (const warning of result.warnings) reporter.warn(warning);
  if (result.srsOrigin === 'insecure-dev')
    reporter.warn('insecure-dev SRS: this run proves nothing to anyone else.');
  reporter.result({ ok: result.valid, ...result }, () => {
    const mark = (ok: boolean) => (ok ? reporter.c.green('✔') : reporter.c.red('✖'));
    return [
      table(result.checks.map((c) => [mark(c.ok), String(c.step), c.detail])),
      `step key: ${result.keySource === 'artifacts' ? 'a compiled step circuit you trust' : 'none trusted'} · srs: ${result.srsOrigin}`,
      `base model: sha256 ${result.base.sha256} · ${result.base.checked ? `checked against ${result.base.file}` : 'NOT CHECKED (pass --base <model.onnx>)'}`,
      `training data: commitment ${result.data.commitment} (${result.data.rows} rows, seed ${result.data.seed}, ${result.data.seedSource}) · ${result.data.checked ? `checked against ${result.data.file}` : 'NOT CHECKED (pass --data <file>)'}`,
      // verifyRun refuses a run it has no trusted step key for (STEP_KEY_UNTRUSTED, exit 2).
      result.valid
        ? reporter.c.green('VALID RUN')
        : reporter.c.red(`INVALID RUN: ${result.failure}`),
    ].join('\n');
  });
  return result.valid ? EXIT.ok : EXIT.invalid;
}

async function verifyOnChainCommand(
  bundlePath: string,
  o: VerifyOptions,
  reporter: Reporter,
): Promise<number> {
  const [{ withChain }, { verifyOnchain }] = await Promise.all([
    import('../chain/chainContext.js'),
    import('../verifier/verifyOnchain.js'),
  ]);
  if (!o.verifier) throw new PocomputeError('USAGE', '--onchain needs --verifier <address>');
  const bundle = await readBundle(bundlePath);
  const result = await withChain({ ...(await chainOptionsFrom(o)), reporter }, (chain) =>
    reporter.step(
      o.send ? 'Sending verifyProof' : 'Calling verifyProof (eth_call)',
      () =>
        verifyOnchain({
          bundle,
          chain,
          verifier: o.verifier!,
          send: o.send,
          trust: { vk: o.vk, settings: o.settings, artifacts: o.artifacts, srs: o.srs },
        }),
      'verifyOnchain',
    ),
  );
  for (const warning of result.warnings) reporter.warn(warning);
  if (bundle.srs.origin === 'insecure-dev')
    reporter.warn('insecure-dev SRS: this verifier only proves anything on a local chain.');
  reporter.result({ ok: result.valid, ...result }, () =>
    [
      table(result.checks.map((c) => [c.ok ? '✔' : '✖', c.name, c.detail])),
      `key: ${result.keySource} · srs: ${result.srsOrigin} (${result.srsSource})`,
      table([
        [
          'verifier',
          result.verifier + (result.vkaDigest ? ` (vka ${result.vkaDigest.slice(0, 18)}…)` : ''),
        ],
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

const isDirectory = (path: string) => statSync(path, { throwIfNoEntry: false })?.isDirectory();
