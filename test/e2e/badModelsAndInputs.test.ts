import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { copyFile, cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PocomputeError } from '../../src/core/errors.js';
import { writeFileAtomic } from '../../src/core/files.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { findArtifactsByVk } from '../../src/prover/artifactsIndex.js';
import { compileModel } from '../../src/prover/compileModel.js';
import type { ProveInferenceResult } from '../../src/prover/proveInference.js';
import {
  alterEvaluation,
  compiledFixture,
  fixtureInput,
  fixtureModel,
  provedFixture,
  runCli,
  tempDir,
} from '../helpers/pocompute.js';

/** Every bad input gets one clear line, a hint and its documented exit code. */
function expectCliError(
  result: Awaited<ReturnType<typeof runCli>>,
  code: string,
  exit: number,
): void {
  expect(result.code).toBe(exit);
  const error = result.json().error;
  expect(error.code).toBe(code);
  expect(error.message).not.toContain('\n');
  expect(error.hint.length).toBeGreaterThan(10);
}

describe('bad models and inputs', () => {
  it('rejects a file that is not ONNX', async () => {
    const dir = tempDir();
    await writeFile(join(dir, 'model.onnx'), 'this is not a protobuf at all');
    expectCliError(
      await runCli(['compile', join(dir, 'model.onnx'), '--input', fixtureInput('mlp'), '--json']),
      'ONNX_INVALID',
      2,
    );
  });

  it("passes on EZKL's words when it cannot handle an op, naming the op", async () => {
    const result = await runCli([
      'compile',
      fixtureModel('unsupported'),
      '--input',
      fixtureInput('unsupported'),
      '--json',
    ]);
    expectCliError(result, 'ONNX_UNSUPPORTED', 2);
    const { ops } = (await runCli(['inspect', fixtureModel('unsupported'), '--json'])).json();
    const exotic = ops.filter((op: string) => !['Gemm', 'Relu', 'MatMul', 'Add'].includes(op));
    expect(exotic.some((op: string) => result.json().error.message.includes(op))).toBe(true);
  });

  it('rejects the wrong number of inputs before any proving', async () => {
    const dir = tempDir();
    await writeFile(join(dir, 'in.json'), JSON.stringify({ input_data: [[0.1, 0.2, 0.3]] }));
    expectCliError(
      await runCli(['prove', fixtureModel('two_input'), '--input', join(dir, 'in.json'), '--json']),
      'INPUT_SHAPE',
      2,
    );
  });

  it('rejects an input of the wrong shape, in every accepted input form', async () => {
    const dir = tempDir();
    await writeFile(join(dir, 'a.json'), JSON.stringify({ x: [1, 2, 3, 4, 5] }));
    await writeFile(join(dir, 'b.json'), JSON.stringify([[1, 2, 3]]));
    const name = (await runCli(['inspect', fixtureModel('mlp'), '--json'])).json().inputs[0].name;
    await writeFile(join(dir, 'c.json'), JSON.stringify({ [name]: [1, 2, 3, 4, 5] }));
    for (const file of ['b.json', 'c.json']) {
      expectCliError(
        await runCli(['prove', fixtureModel('mlp'), '--input', join(dir, file), '--json']),
        'INPUT_SHAPE',
        2,
      );
    }
    // An unknown input name is a shape error too: it says which names the model has.
    const unknown = await runCli([
      'prove',
      fixtureModel('mlp'),
      '--input',
      join(dir, 'a.json'),
      '--json',
    ]);
    if (name !== 'x') expectCliError(unknown, 'INPUT_SHAPE', 2);
  });

  it('rejects NaN and Infinity in inputs', async () => {
    const dir = tempDir();
    await writeFile(join(dir, 'nan.json'), '{"input_data": [[0.1, NaN, 0.3, 0.4]]}');
    await writeFile(join(dir, 'inf.json'), '{"input_data": [[0.1, 1e999, 0.3, 0.4]]}');
    for (const file of ['nan.json', 'inf.json']) {
      const result = await runCli([
        'prove',
        fixtureModel('mlp'),
        '--input',
        join(dir, file),
        '--json',
      ]);
      expectCliError(result, 'INPUT_INVALID', 2);
      expect(result.json().error.message).toMatch(/finite/);
    }
  });

  it('rejects a missing or corrupt SRS file', async () => {
    const dir = tempDir();
    expectCliError(
      await runCli([
        'compile',
        fixtureModel('mlp'),
        '--input',
        fixtureInput('mlp'),
        '--srs',
        join(dir, 'nope.srs'),
        '--json',
      ]),
      'SRS_INVALID',
      2,
    );
    const artifacts = await compiledFixture('mlp');
    const full = await readFile(artifacts.manifest.srs.path);
    await writeFile(join(dir, 'truncated.srs'), full.subarray(0, full.length - 1000));
    const result = await runCli([
      'compile',
      fixtureModel('mlp'),
      '--input',
      fixtureInput('mlp'),
      '--srs',
      join(dir, 'truncated.srs'),
      '--artifacts-dir',
      dir,
      '--json',
    ]);
    expectCliError(result, 'SRS_INVALID', 2);
    expect(readdirSync(dir).filter((f) => f.startsWith('model-'))).toEqual([]);
  });
});

describe('bad proofs and keys', () => {
  let mlp: ProveInferenceResult;
  let dir: string;
  const tampered = async (name: string, edit: (bundle: any) => void) => {
    const bundle = JSON.parse(await readFile(mlp.bundlePath, 'utf8'));
    edit(bundle);
    const path = join(dir, name);
    await writeFile(path, JSON.stringify(bundle));
    return path;
  };

  beforeAll(async () => {
    mlp = await provedFixture('mlp');
    dir = tempDir();
  });

  it("accepts the untouched proof (exit 0), saying the key was the bundle's own", async () => {
    const result = await runCli(['verify', mlp.bundlePath, '--json']);
    expect(result.code).toBe(0);
    expect(result.json().keySource).toBe('bundled');
    expect(result.json().srsOrigin).toBe('insecure-dev');
    expect(result.stderr).toMatch(/verifier inside the bundle/);
    expect(result.stderr.match(/inside the bundle|own verifier/g)).toHaveLength(1);
  });

  it('rejects a truncated bundle as an input error (exit 2)', async () => {
    const text = await readFile(mlp.bundlePath, 'utf8');
    await writeFile(join(dir, 'truncated.proof'), text.slice(0, Math.floor(text.length / 2)));
    expectCliError(
      await runCli(['verify', join(dir, 'truncated.proof'), '--json']),
      'BUNDLE_INVALID',
      2,
    );
  });

  it('rejects a proof with one of its evaluations changed (exit 1)', async () => {
    const path = await tampered('altered.proof', (b) => alterEvaluation(b.proof));
    const result = await runCli(['verify', path, '--artifacts', mlp.artifacts.dir, '--json']);
    expect(result.code).toBe(1);
    expect(result.json().valid).toBe(false);
  });

  it('refuses a proof with a flipped byte in a commitment as malformed (exit 2), naming it', async () => {
    const path = await tampered('flipped.proof', (b) => {
      b.proof.proof[100] ^= 1;
      b.proof.hex_proof = `0x${Buffer.from(b.proof.proof).toString('hex')}`;
    });
    const result = await runCli(['verify', path, '--artifacts', mlp.artifacts.dir, '--json']);
    expectCliError(result, 'BUNDLE_INVALID', 2);
    expect(result.json().error.message).toMatch(
      /commitment 1 of phase 1 \(bytes 64–127\) is not a point of BN254's G1/,
    );
  });

  it('rejects a proof whose public output value was changed (exit 1)', async () => {
    const path = await tampered('output.proof', (b) => {
      const instances: string[] = b.proof.instances[0];
      const last = instances.length - 1;
      instances[last] = (instances[last][0] === '0' ? '1' : '0') + instances[last].slice(1);
    });
    const result = await runCli(['verify', path, '--artifacts', mlp.artifacts.dir, '--json']);
    expect(result.code).toBe(1);
    expect(result.json().checks.find((c: any) => c.name === 'proof').ok).toBe(false);
  });

  it('rejects a bundle that states other outputs than its proof binds (exit 1)', async () => {
    const path = await tampered('claimed.proof', (b) => {
      b.public.outputs[0].values[0] += 1;
    });
    const result = await runCli(['verify', path, '--json']);
    expect(result.code).toBe(1);
    expect(result.json().checks.find((c: any) => c.name === 'public values').ok).toBe(false);
  });

  it("rejects a proof checked against another model's verifying key (exit 1)", async () => {
    const other = await compiledFixture('two_input');
    const result = await runCli([
      'verify',
      mlp.bundlePath,
      '--vk',
      other.path('vk.key'),
      '--settings',
      mlp.artifacts.path('settings.json'),
      '--srs',
      mlp.artifacts.manifest.srs.path,
      '--json',
    ]);
    expect([1, 2]).toContain(result.code);
    if (result.code === 1)
      expect(result.json().checks.find((c: any) => c.name === 'verifying key').ok).toBe(false);
    else expect(result.json().error.code).toBe('SETTINGS_MISMATCH');
    const withArtifacts = await runCli([
      'verify',
      mlp.bundlePath,
      '--artifacts',
      other.dir,
      '--json',
    ]);
    expect(withArtifacts.code).not.toBe(0);
  });

  it('rejects a settings file that does not match the verifying key (exit 2)', async () => {
    const cnn = await compiledFixture('cnn');
    const result = await runCli([
      'verify',
      mlp.bundlePath,
      '--vk',
      mlp.artifacts.path('vk.key'),
      '--settings',
      cnn.path('settings.json'),
      '--srs',
      cnn.manifest.srs.path,
      '--json',
    ]);
    expect(result.code).not.toBe(0);
    // An artifacts directory whose settings were swapped is caught by its manifest.
    const copy = join(dir, 'swapped');
    await cp(mlp.artifacts.dir, copy, { recursive: true });
    await copyFile(cnn.path('settings.json'), join(copy, 'settings.json'));
    expectCliError(
      await runCli(['verify', mlp.bundlePath, '--artifacts', copy, '--json']),
      'SETTINGS_MISMATCH',
      2,
    );
  });
});

describe('a compile killed midway', () => {
  it('leaves no artifacts directory that a later run trusts', async () => {
    const root = tempDir();
    const child = spawn(
      process.execPath,
      [
        join(PACKAGE_ROOT, 'bin', 'pocompute.js'),
        'compile',
        fixtureModel('mlp'),
        '--input',
        fixtureInput('mlp'),
        '--artifacts-dir',
        root,
        '--json',
      ],
      {
        stdio: 'ignore',
      },
    );
    // Kill it once the build directory exists (EZKL is working in it).
    await waitFor(() => readdirSync(root).some((f) => f.includes('.tmp-')), 60_000);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    // Only the build directory and the build lock (with its dead owner's pid) are left.
    expect(readdirSync(root).filter((f) => !/\.tmp-|\.lock/.test(f))).toEqual([]);
    const again = await compileModel({
      model: fixtureModel('mlp'),
      input: fixtureInput('mlp'),
      artifactsRoot: root,
    });
    expect(again.cached).toBe(false);
    expect(existsSync(join(again.dir, 'manifest.json'))).toBe(true);
  });
});

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('paths that are not the file a command expects are usage errors (exit 2)', () => {
  let mlp: ProveInferenceResult;
  let dir: string;
  const secret = 'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI';

  /** Exit 2 with its code, one line, no stack trace, and nothing of the file's content. */
  const expectUsage = (result: Awaited<ReturnType<typeof runCli>>, code: string) => {
    expectCliError(result, code, 2);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout + result.stderr).not.toContain('AWS_SECRET');
  };

  beforeAll(async () => {
    mlp = await provedFixture('mlp');
    dir = tempDir();
  });

  it('refuses an artifacts manifest that is not JSON without quoting it', async () => {
    const artifacts = join(dir, 'secret-artifacts');
    await mkdir(artifacts);
    await writeFile(join(artifacts, 'manifest.json'), secret);
    const result = await runCli(['verify', mlp.bundlePath, '--artifacts', artifacts, '--json']);
    expectUsage(result, 'ARTIFACTS_INVALID');
    expect(result.json().error.message).toContain('manifest.json');
  });

  it('skips a sibling whose manifest is not JSON when finding artifacts by key', async () => {
    const root = join(dir, 'root');
    await mkdir(join(root, 'aaa-not-artifacts'), { recursive: true });
    await writeFile(join(root, 'aaa-not-artifacts', 'manifest.json'), secret);
    const found = await findArtifactsByVk(mlp.bundle.artifacts.vkSha256, [root]);
    expect(found?.manifest.files['vk.key']).toBe(mlp.bundle.artifacts.vkSha256);
    expect(await findArtifactsByVk('00'.repeat(32), [root])).toBeUndefined();
  });

  it('refuses calldata for a bundle whose proof.proof is a number (BUNDLE_INVALID)', async () => {
    const bundle = JSON.parse(await readFile(mlp.bundlePath, 'utf8'));
    bundle.proof.proof = 123;
    const path = join(dir, 'proofnum.proof');
    await writeFile(path, JSON.stringify(bundle));
    expectUsage(await runCli(['calldata', path, '--json']), 'BUNDLE_INVALID');
  });

  it('refuses a directory or a missing file as the model (compile, inspect, train)', async () => {
    const input = fixtureInput('mlp');
    const data = join(PACKAGE_ROOT, 'fixtures', 'mlp', 'train.json');
    expectUsage(await runCli(['compile', dir, '--input', input, '--json']), 'ONNX_INVALID');
    expectUsage(await runCli(['inspect', dir, '--json']), 'ONNX_INVALID');
    expectUsage(await runCli(['train', dir, '--data', data, '--json']), 'ONNX_INVALID');
    const missing = join(dir, 'missing.onnx');
    expectUsage(await runCli(['train', missing, '--data', data, '--json']), 'FILE_NOT_FOUND');
  });

  it('refuses prove --out that is a directory or under a file, before proving', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    for (const out of [dir, join(file, 'sub', 'proof.json')]) {
      const prove = ['prove', fixtureModel('mlp'), '--input', fixtureInput('mlp')];
      const result = await runCli([...prove, '--out', out, '--json']);
      expectUsage(result, 'OPTION_INVALID');
      expect(result.json().error.message).toContain(out === dir ? dir : file);
      expect(result.stderr).not.toContain('Proving');
    }
  });

  it('never writes over a directory (export --out <dir>, any atomic write)', async () => {
    const error = await writeFileAtomic(dir, 'x').catch((e) => e);
    expect(error).toBeInstanceOf(PocomputeError);
    expect(error.code).toBe('OPTION_INVALID');
    expect(error.message).toContain(dir);
  });
});
