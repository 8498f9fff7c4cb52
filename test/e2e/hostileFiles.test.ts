import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ProveInferenceResult } from '../../src/prover/proveInference.js';
import { type CliResult, provedFixture, runCli, tempDir } from '../helpers/pocompute.js';

/**
 * Issue 8's "bad input reported as a bug", played against the real engine: files that are not what
 * a command reads (an infinite value, 600 MB, JSON nested 5,000 deep, a directory) are usage
 * errors, never a crash.
 */

let mlp: ProveInferenceResult;
let dir: string;

beforeAll(async () => {
  mlp = await provedFixture('mlp');
  dir = tempDir();
});

const trustedArgs = () => ['--artifacts', mlp.artifacts.dir];

/** A one-line error with its code and exit; never a stack trace. */
function expectCliError(result: CliResult, code: string, exit: number): void {
  expect(result.code, result.stdout + result.stderr).toBe(exit);
  const error = result.json().error;
  expect(error.code).toBe(code);
  expect(error.message).not.toContain('\n');
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe('bad files are usage errors (exit 2), never a crash', () => {
  it('refuses a bundle stating an infinite value (1e999), naming the field', async () => {
    const bundle = JSON.parse(await readFile(mlp.bundlePath, 'utf8'));
    for (const sign of ['', '-']) {
      const text = JSON.stringify(bundle).replace(
        /"outputs":\[\{"name":"([^"]*)","dims":(\[[^\]]*\]),"visibility":"public","values":\[[^,\]]+/,
        `"outputs":[{"name":"$1","dims":$2,"visibility":"public","values":[${sign}1e999`,
      );
      expect(text).toContain(`${sign}1e999`);
      const path = join(dir, `infinite${sign}.proof`);
      await writeFile(path, text);
      for (const args of [trustedArgs(), []]) {
        const result = await runCli(['verify', path, ...args, '--json']);
        expectCliError(result, 'BUNDLE_INVALID', 2);
        expect(result.json().error.message).toContain('public.outputs.0.values.0');
      }
    }
  });

  it('refuses a 600 MB bundle or input before reading it', async () => {
    const huge = join(dir, 'huge.proof');
    const handle = await open(huge, 'w');
    await handle.truncate(600 * 1024 * 1024); // sparse: no disk, no memory
    await handle.close();
    const started = Date.now();
    const verify = await runCli(['verify', huge, '--json']);
    expectCliError(verify, 'BUNDLE_INVALID', 2);
    expect(verify.json().error.message).toMatch(/over the 64\.0 MiB cap/);
    const prove = await runCli(['prove', mlp.artifacts.dir, '--input', huge, '--json']);
    expectCliError(prove, 'INPUT_INVALID', 2);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('refuses JSON nested 5,000 levels deep (bundle, input, settings)', async () => {
    const nest = (inner: string) => `${'['.repeat(5000)}${inner}${']'.repeat(5000)}`;
    // A bundle that is complete but for one field nested 5,000 deep, and inputs with the right
    // values wrapped 5,000 deep: both parse with JSON.parse, neither may reach the engine.
    const deepBundle = join(dir, 'deep.proof');
    const text = JSON.stringify({ ...mlp.bundle, proof: { ...mlp.bundle.proof, proof: 'DEEP' } });
    await writeFile(deepBundle, text.replace('"DEEP"', nest('1')));
    const deepInput = join(dir, 'deep-input.json');
    await writeFile(deepInput, nest(mlp.bundle.public.inputs[0].values?.join(',') ?? ''));
    const bundle = await runCli(['verify', deepBundle, '--json']);
    expectCliError(bundle, 'BUNDLE_INVALID', 2);
    expect(bundle.json().error.message).toMatch(/nested more than/);
    const input = await runCli(['prove', mlp.artifacts.dir, '--input', deepInput, '--json']);
    expectCliError(input, 'INPUT_INVALID', 2);
    expect(input.json().error.message).toMatch(/nested more than/);
    const settings = await runCli([
      'verify',
      mlp.bundlePath,
      '--vk',
      mlp.artifacts.path('vk.key'),
      '--settings',
      deepInput,
      '--srs',
      mlp.artifacts.manifest.srs.path,
      '--json',
    ]);
    expectCliError(settings, 'SETTINGS_MISMATCH', 2);
  });

  it('refuses a directory without run.json (exit 2, not EISDIR)', async () => {
    const empty = join(dir, 'not-a-run');
    await mkdir(empty);
    const result = await runCli(['verify', empty, '--json']);
    expectCliError(result, 'BUNDLE_INVALID', 2);
    expect(result.json().error.message).toContain('run.json');
  });
});
