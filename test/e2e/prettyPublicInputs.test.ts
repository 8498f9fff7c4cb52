import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ProveInferenceResult } from '../../src/prover/proveInference.js';
import { verifyBundle } from '../../src/verifier/verifyBundle.js';
import { type CliResult, provedFixture, runCli, tempDir } from '../helpers/pocompute.js';

/**
 * EZKL's proof JSON carries a readable copy of the public values (`pretty_public_inputs`: the
 * outputs dequantized, as hex felts, hashes) that its own verify ignores. A bundle keeps EZKL's
 * proof unchanged, so that copy is a claim like `public.outputs`: checked against the instances.
 */
describe("verify checks EZKL's pretty_public_inputs against the proof", () => {
  let mlp: ProveInferenceResult;
  let dir: string;

  beforeAll(async () => {
    mlp = await provedFixture('mlp'); // the native engine writes pretty_public_inputs
    dir = tempDir();
  });

  const forged = async (name: string, edit: (pretty: any) => void) => {
    const bundle = JSON.parse(await readFile(mlp.bundlePath, 'utf8'));
    edit(bundle.proof.pretty_public_inputs);
    const path = join(dir, name);
    await writeFile(path, JSON.stringify(bundle));
    return path;
  };
  const verify = (path: string) =>
    runCli(['verify', path, '--artifacts', mlp.artifacts.dir, '--json']);
  const expectRejectedNaming = (result: CliResult, field: string) => {
    expect(result.code, result.stdout + result.stderr).toBe(1);
    const failed = result.json().checks.filter((c: { ok: boolean }) => !c.ok);
    expect(failed.map((c: { name: string }) => c.name)).toEqual(['public values']);
    expect(failed[0].detail).toContain(field);
  };

  it('an honest bundle states them, and verifies', async () => {
    const pretty = mlp.bundle.proof.pretty_public_inputs;
    expect(pretty?.rescaled_outputs?.[0].map(Number)).toEqual(mlp.bundle.public.outputs[0].values);
    const result = await verify(mlp.bundlePath);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.json().valid).toBe(true);
  });

  it('rejects altered rescaled_outputs (exit 1), naming the field, with any key', async () => {
    const path = await forged('rescaled.proof', (p) => {
      p.rescaled_outputs[0][0] = String(Number(p.rescaled_outputs[0][0]) + 1);
    });
    expectRejectedNaming(await verify(path), 'proof.pretty_public_inputs.rescaled_outputs[0]');
    // The bundle's own key and settings see the same lie.
    const own = await verifyBundle({ bundle: path });
    expect(own.valid).toBe(false);
    expect(own.checks.find((c) => !c.ok)?.detail).toContain('rescaled_outputs[0]');
  });

  it('rejects values that are not the numbers EZKL prints, and a wrong tensor count', async () => {
    const edits: [string, (p: any) => void][] = [
      ['empty.proof', (p) => p.rescaled_outputs[0].splice(0, 1, '')],
      ['infinite.proof', (p) => p.rescaled_outputs[0].splice(0, 1, 'inf')],
      ['extra.proof', (p) => p.rescaled_outputs.push(p.rescaled_outputs[0])],
      ['dropped.proof', (p) => p.rescaled_outputs.splice(0)],
    ];
    for (const [name, edit] of edits)
      expectRejectedNaming(
        await verify(await forged(name, edit)),
        'proof.pretty_public_inputs.rescaled_outputs',
      );
  });

  it('rejects altered felts and inputs, naming the field', async () => {
    const felts = await forged('felts.proof', (p) => {
      p.outputs[0][1] = `0x${'00'.repeat(31)}07`;
    });
    expectRejectedNaming(await verify(felts), 'proof.pretty_public_inputs.outputs[0]');
    const inputs = await forged('inputs.proof', (p) => {
      p.rescaled_inputs[0][0] = '0.5';
    });
    expectRejectedNaming(await verify(inputs), 'proof.pretty_public_inputs.rescaled_inputs[0]');
  });

  it('a bundle without the copy (as the WASM prover writes it: null) states nothing and verifies', async () => {
    const bundle = JSON.parse(await readFile(mlp.bundlePath, 'utf8'));
    bundle.proof.pretty_public_inputs = null;
    const path = join(dir, 'null.proof');
    await writeFile(path, JSON.stringify(bundle));
    expect((await verify(path)).code).toBe(0);
    // Not EZKL's form at all is a malformed bundle (exit 2), as any other field.
    bundle.proof.pretty_public_inputs = { rescaled_outputs: [[6.08]] };
    await writeFile(path, JSON.stringify(bundle));
    const malformed = await verify(path);
    expect(malformed.code).toBe(2);
    expect(malformed.json().error).toMatchObject({ code: 'BUNDLE_INVALID' });
    expect(malformed.json().error.message).toMatch(/proof\.pretty_public_inputs\.rescaled_outputs/);
  });
});
