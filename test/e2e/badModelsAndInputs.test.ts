import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { cp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  compiledFixture,
  expectCliError,
  fixtureInput,
  fixtureModel,
  runCli,
  tempDir,
} from '../helpers/pocompute.js';

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

  it('refuses a device, a pipe or a directory where a file is read, before reading it', async () => {
    // /dev/zero reports size 0 and never ends: read whole, it filled memory; a FIFO waits forever.
    const dir = tempDir();
    const fifo = join(dir, 'pipe.srs');
    execFileSync('mkfifo', [fifo]);
    for (const srs of ['/dev/zero', fifo]) {
      const compile = ['compile', fixtureModel('mlp'), '--input', fixtureInput('mlp')];
      expectCliError(await runCli([...compile, '--srs', srs, '--json']), 'SRS_INVALID', 2);
    }
    // An artifacts directory whose vk.key is a device or a directory.
    const artifacts = await compiledFixture('mlp');
    const bundle = join(dir, 'proof.json');
    const proved = await runCli([
      'prove',
      artifacts.dir,
      '--input',
      fixtureInput('mlp'),
      '--out',
      bundle,
    ]);
    expect(proved.code).toBe(0);
    for (const swap of ['device', 'directory'] as const) {
      const copy = join(dir, `artifacts-${swap}`);
      await cp(artifacts.dir, copy, { recursive: true });
      await rm(join(copy, 'vk.key'));
      if (swap === 'device') await symlink('/dev/zero', join(copy, 'vk.key'));
      else await mkdir(join(copy, 'vk.key'));
      const verify = await runCli(['verify', bundle, '--artifacts', copy, '--json']);
      expectCliError(verify, 'ARTIFACTS_INVALID', 2);
      expect(verify.json().error.message).toMatch(
        swap === 'device' ? /vk\.key is not a regular file/ : /vk\.key is a directory, not a file/,
      );
    }
  });
});
