import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/core/files.js';
import { GraphBuilder } from '../../src/prover/onnx/graphBuilder.js';
import { type ProveInferenceResult, proveInference } from '../../src/prover/proveInference.js';
import { fixtureInput, provedFixture, runCli, tempDir } from '../helpers/pocompute.js';

/** Issue 10's "prove writes a bundle verify rejects", played against the real engine. */

let mlp: ProveInferenceResult;
let dir: string;

beforeAll(async () => {
  mlp = await provedFixture('mlp');
  dir = tempDir();
});

describe('prove writes only bundles that verify', () => {
  it('records its self-check time in the bundle', () => {
    expect(mlp.bundle.timings.selfVerify).toBeGreaterThan(0);
  });

  it("takes the layout from the circuit's settings, not the declared ONNX shape", async () => {
    // ReduceMean whose declared output has no shape: EZKL's circuit gives it shape [1].
    const g = new GraphBuilder('reduce_mean');
    const x = g.input('x', [1, 4]);
    g.node('ReduceMean', [x], { axes: [1], keepdims: 0 }, 'mean');
    g.output('mean', [1]);
    const model = g.build();
    const output = model.graph?.output?.[0];
    if (output?.type?.tensorType) output.type.tensorType.shape = null;
    const modelDir = join(dir, 'reduce_mean');
    await mkdir(modelDir);
    await writeFile(join(modelDir, 'model.onnx'), onnxProto.onnx.ModelProto.encode(model).finish());
    await writeFile(join(modelDir, 'input.json'), JSON.stringify({ input_data: [[1, 2, 3, 6]] }));
    const out = join(modelDir, 'mean.proof');
    const prove = await runCli([
      'prove',
      join(modelDir, 'model.onnx'),
      '--input',
      join(modelDir, 'input.json'),
      '--out',
      out,
      '--json',
    ]);
    expect(prove.code, prove.stdout + prove.stderr).toBe(0);
    const bundle = JSON.parse(await readFile(out, 'utf8'));
    expect(bundle.public.outputs[0].dims).toEqual(bundle.settings.model_instance_shapes[1]);
    const verify = await runCli(['verify', out, '--json']);
    expect(verify.code, verify.stdout).toBe(0);
    expect(verify.json().public.outputs[0].values[0]).toBeCloseTo(3, 2);
  });

  it('writes nothing, and fails clearly, when its proof does not verify', async () => {
    // An artifacts copy whose verifier has every 32-byte constant (the key's points, the field's
    // constants) altered in its last byte; its manifest is updated so that only the self-check can
    // notice.
    const copy = join(dir, 'bad-artifacts');
    await cp(mlp.artifacts.dir, copy, { recursive: true });
    const record = JSON.parse(await readFile(join(copy, 'verifier.json'), 'utf8'));
    const code = Buffer.from(record.verifier.deployedBytecode.replace(/^0x/, ''), 'hex');
    let altered = 0;
    for (let pc = 0; pc < code.length; pc++) {
      const op = code[pc] as number;
      if (op === 0x7f) {
        code[pc + 32] = (code[pc + 32] as number) ^ 1;
        altered++;
      }
      if (op >= 0x60 && op <= 0x7f) pc += op - 0x5f;
    }
    expect(altered).toBeGreaterThan(0);
    record.verifier.deployedBytecode = `0x${code.toString('hex')}`;
    const text = JSON.stringify(record);
    await writeFile(join(copy, 'verifier.json'), text);
    const manifest = JSON.parse(await readFile(join(copy, 'manifest.json'), 'utf8'));
    manifest.files['verifier.json'] = sha256Hex(text);
    await writeFile(join(copy, 'manifest.json'), JSON.stringify(manifest));
    const out = join(dir, 'never.proof');
    await expect(
      proveInference({ target: copy, input: fixtureInput('mlp'), out }),
    ).rejects.toMatchObject({ code: 'SELF_CHECK_FAILED', exitCode: 3 });
    expect(existsSync(out)).toBe(false);
  });

  it('writes nothing when the proving key is not its manifest (checked while EZKL proves)', async () => {
    // The key is hashed in the background while EZKL proves with it: a key other than the
    // manifest's fails the prove as ARTIFACTS_INVALID, whatever EZKL made of it.
    const copy = join(dir, 'other-pk');
    await cp(mlp.artifacts.dir, copy, { recursive: true });
    const pk = await readFile(join(copy, 'pk.key'));
    pk[pk.length - 1] = (pk[pk.length - 1] as number) ^ 1;
    await writeFile(join(copy, 'pk.key'), pk);
    const out = join(dir, 'other-pk.proof');
    await expect(
      proveInference({ target: copy, input: fixtureInput('mlp'), out }),
    ).rejects.toMatchObject({ code: 'ARTIFACTS_INVALID' });
    expect(existsSync(out)).toBe(false);
  });
});
