import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openChain } from '../../src/chain/chainContext.js';
import { fixturePath } from '../../src/core/paths.js';
import { compileModel } from '../../src/prover/compileModel.js';
import { proveInference } from '../../src/prover/proveInference.js';
import { deployVerifier } from '../../src/verifier/deployVerifier.js';
import { verifyBundle } from '../../src/verifier/verifyBundle.js';
import { verifyOnchain } from '../../src/verifier/verifyOnchain.js';
import { useAnvil } from '../helpers/anvil.js';
import { tempDir } from '../helpers/pocompute.js';

const anvil = useAnvil();
const argmax = (v: number[]) => v.indexOf(Math.max(...v));

describe('the 784-56-10 MLP trained on digits, real EZKL engine and anvil', () => {
  it('compiles with the optimiser, proves, verifies in Node and on-chain, and proves the float class', async () => {
    const file = (f: string) => fixturePath('real', 'mlp_784_56_10', f);
    // Its own root: the optimiser's record is this build's, not a home's older compilation.
    const artifacts = await compileModel({
      model: file('model.onnx'),
      input: file('input.json'),
      artifactsRoot: tempDir(),
    });
    const choice = artifacts.manifest.circuit.choice;
    expect(choice?.strategy).toBe('search');
    // Row-bound (28k rows at 2^15, a 2^14 table): EZKL's own settings, kept without a search.
    expect(choice?.runArgs).toEqual(choice?.search?.baseline.runArgs);
    expect(choice?.reason).toMatch(/row-bound/);
    expect(choice?.search).toMatchObject({ sized: 1, tested: 1, proved: 0 });
    const test = JSON.parse(readFileSync(file('test.json'), 'utf8'));
    const input = join(tempDir(), 'input.json');
    const sample = 3;
    writeFileSync(input, JSON.stringify({ input_data: [test.inputs[sample]] }));
    const { bundle, bundlePath } = await proveInference({
      target: artifacts.dir,
      input,
      out: join(tempDir(), 'mlp.proof'),
    });
    const proved = bundle.public.outputs[0].values ?? [];
    expect(argmax(proved)).toBe(argmax(bundle.floatReference.outputs[0].values));
    expect(argmax(proved)).toBe(test.labels[sample]);
    expect((await verifyBundle({ bundle: bundlePath, artifacts: artifacts.dir })).valid).toBe(true);

    const chain = await openChain({ rpc: anvil().rpcUrl });
    try {
      process.env.POCOMPUTE_PRIVATE_KEY = anvil().accounts[0].privateKey;
      const deployment = await deployVerifier({ artifacts, chain });
      const onchain = await verifyOnchain({ bundle, chain, verifier: deployment.verifier.address });
      expect(onchain.valid).toBe(true);
    } finally {
      await chain.close();
    }
  });
});
