import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PocomputeError } from '../../src/core/errors.js';
import { writeFileAtomic } from '../../src/core/files.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { findArtifactsByVk } from '../../src/proof/artifactsIndex.js';
import type { ProveInferenceResult } from '../../src/prover/proveInference.js';
import {
  expectCliError,
  fixtureInput,
  fixtureModel,
  provedFixture,
  runCli,
  tempDir,
} from '../helpers/pocompute.js';

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
