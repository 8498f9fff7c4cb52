import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyBundle } from '../../src/verifier/verifyBundle.js';
import { compileModel } from '../../src/prover/compileModel.js';
import {
  compiledFixture,
  fixtureInput,
  fixtureModel,
  provedFixture,
  tempDir,
} from '../helpers/pocompute.js';

describe.each(['mlp', 'cnn', 'two_input'])('fixture %s, real EZKL engine', (name) => {
  it('compiles, proves natively and verifies against the compiled key with its Solidity verifier in-process', async () => {
    const artifacts = await compiledFixture(name);
    expect(artifacts.manifest.options.paramVisibility).toBe('fixed');
    expect(artifacts.manifest.srs.origin).toBe('insecure-dev');
    const { bundle, bundlePath } = await provedFixture(name);
    expect(bundle.ezklVersion).toBe('23.0.5');
    const result = await verifyBundle({ bundle: bundlePath, artifacts: artifacts.dir });
    expect(result.checks).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'proof', ok: true })]),
    );
    expect(result.valid).toBe(true);
    expect(result.keySource).toBe('artifacts');
    // The proved outputs track the float model: quantization error is small and reported.
    for (const q of bundle.quantization) expect(q.maxAbsError).toBeLessThan(0.05);
    expect(bundle.public.outputs[0].values?.length).toBe(
      bundle.floatReference.outputs[0].values.length,
    );
  });
});

describe('the CNN fixture', () => {
  it('needs at least 2^14 rows, so proving is not trivial', async () => {
    const { manifest } = await compiledFixture('cnn');
    expect(manifest.circuit.numRows).toBeGreaterThanOrEqual(2 ** 14);
  });
});

describe('compiled artifacts', () => {
  it('are reused on a second compile of the same model and options', async () => {
    const first = await compiledFixture('mlp');
    const second = await compiledFixture('mlp');
    expect(second.cached).toBe(true);
    expect(second.dir).toBe(first.dir);
  });

  it('are content-addressed: the same model copied under another name reuses them', async () => {
    const first = await compiledFixture('mlp');
    const copy = join(tempDir(), 'renamed-classifier.onnx');
    copyFileSync(fixtureModel('mlp'), copy);
    const again = await compileModel({ model: copy, input: fixtureInput('mlp') });
    expect(again.cached).toBe(true);
    expect(again.dir).toBe(first.dir);
  });
});
