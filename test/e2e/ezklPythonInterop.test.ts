import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getPythonEngine } from '../../src/engine/pythonEngine.js';
import { verifyBundle } from '../../src/verifier/verifyBundle.js';
import { compiledFixture, fixtureInput, provedFixture, tempDir } from '../helpers/pocompute.js';

describe("interoperability with EZKL's own Python API (same artifacts)", () => {
  it('a proof made by pocompute prove verifies with pocompute and with EZKL Python verify', async () => {
    const artifacts = await compiledFixture('mlp');
    const { bundle, bundlePath } = await provedFixture('mlp');
    expect((await verifyBundle({ bundle: bundlePath, artifacts: artifacts.dir })).valid).toBe(true);
    const proofPath = join(tempDir(), 'proof.json');
    await writeFile(proofPath, JSON.stringify(bundle.proof));
    const engine = await getPythonEngine();
    const [ok] = await engine.run([
      {
        op: 'verify',
        args: {
          proof: proofPath,
          settings: artifacts.path('settings.json'),
          vk: artifacts.path('vk.key'),
          srs: artifacts.manifest.srs.path,
        },
      },
    ]);
    expect(ok).toBe(true);
  });

  it('a proof made by EZKL Python gen_witness + prove verifies with pocompute verify', async () => {
    const artifacts = await compiledFixture('two_input');
    const dir = tempDir();
    const engine = await getPythonEngine();
    await engine.run([
      {
        op: 'gen_witness',
        args: {
          data: fixtureInput('two_input'),
          compiled: artifacts.path('model.compiled'),
          witness: join(dir, 'witness.json'),
        },
      },
      {
        op: 'prove',
        args: {
          witness: join(dir, 'witness.json'),
          compiled: artifacts.path('model.compiled'),
          pk: artifacts.path('pk.key'),
          proof: join(dir, 'proof.json'),
          srs: artifacts.manifest.srs.path,
        },
      },
    ]);
    const result = await verifyBundle({
      bundle: join(dir, 'proof.json'),
      artifacts: artifacts.dir,
    });
    expect(result.valid).toBe(true);
    expect(result.public.outputs[0].values?.length).toBe(2);
  });
});
