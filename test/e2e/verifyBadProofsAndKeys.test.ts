import { copyFile, cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ProveInferenceResult } from '../../src/prover/proveInference.js';
import {
  alterEvaluation,
  compiledFixture,
  expectCliError,
  provedFixture,
  runCli,
  tempDir,
} from '../helpers/pocompute.js';

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
