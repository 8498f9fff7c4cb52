import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProofBundle } from '../../src/proof/bundle.js';
import { getPythonEngine } from '../../src/engine/pythonEngine.js';
import { verifyBundle } from '../../src/verifier/verifyBundle.js';
import {
  compiledFixture,
  fixtureInput,
  fixtureModel,
  provedFixture,
  runCli,
  tempDir,
} from '../helpers/pocompute.js';

/**
 * Models this project did not write, one per class of ONNX graph (fixtures/coverage/README.md):
 * each is proved natively, verified in Node (WASM) against its compiled key, and its proof verified
 * by EZKL's own Python `verify` on the same artifacts.
 */
const cov = (name: string) => `coverage/${name}`;

/** The fixture's bundle checks beyond "proves and verifies". */
const FIXTURES: Record<string, (bundle: ProofBundle, outputs: number[][]) => void> = {
  // Declared output shapes are symbolic or empty: the circuit's are [1,3,1,1], [1,2,2], [1].
  reductions: (_, outputs) => {
    expect(outputs.map((o) => o.length)).toEqual([3, 4, 1]);
  },
  pooling: (_, outputs) => expect(outputs.map((o) => o.length)).toEqual([4, 1]),
  reshape: (_, outputs) => expect(outputs[0]).toHaveLength(6),
  tree_sklearn: expectTreeClassifier,
  tree_xgboost: expectTreeClassifier,
  tree_lightgbm: expectTreeClassifier,
  integer_inputs: (bundle, outputs) => {
    expect(bundle.inputTypes?.map((t) => t.dtype)).toEqual(['int64', 'int64', 'int32']);
    expect(outputs[0]).toEqual([0.25, 0.5, 2]); // Gather
    expect(outputs[1]).toEqual([3, 1, 5, 5]); // GatherElements
    expect(outputs[2]).toEqual([12, 5]); // TopK
    expectFloatReference(bundle, 1e-3);
  },
  bool_input: (bundle, outputs) => {
    expect(bundle.inputTypes?.map((t) => t.dtype)).toEqual(['bool', 'float32']);
    expect(outputs[0]).toEqual([1.5, -1, -1, -1]);
    expectFloatReference(bundle, 1e-3);
  },
  all_dtypes: (bundle) => {
    expect(bundle.inputTypes?.map((t) => t.dtype)).toEqual([
      'float16',
      'float32',
      'float64',
      'int8',
      'int16',
      'int32',
      'int64',
      'uint8',
      'bool',
    ]);
    // Outputs near ±700 times a weight of 0.01, which EZKL quantizes: the error is relative.
    expect(bundle.floatReference.unavailable).toBeUndefined();
    for (const q of bundle.quantization) expect(q.maxRelError).toBeLessThan(0.002);
  },
  double_linear_svr: (bundle) => {
    expect(bundle.inputTypes?.[0].dtype).toBe('float64');
    expectFloatReference(bundle, 0.01);
  },
  lstm: (bundle) => expectFloatReference(bundle, 0.05),
  gru: (bundle) => expectFloatReference(bundle, 0.05),
  constant_range: (bundle, outputs) => {
    expect(bundle.public.inputs).toEqual([]);
    expect(outputs[0]).toEqual([0, 0.5, 1, 1.5]);
    expectFloatReference(bundle, 1e-6);
  },
  extra_initializer_inputs: (bundle, outputs) => {
    expect(bundle.inputTypes?.map((t) => t.name)).toEqual(['x']);
    expect(outputs[0].map((v) => Number(v.toFixed(3)))).toEqual([2.2, 2.8]);
    expectFloatReference(bundle, 1e-3);
  },
};

function expectFloatReference(bundle: ProofBundle, maxAbsError: number): void {
  expect(bundle.floatReference.unavailable).toBeUndefined();
  expect(bundle.quantization.length).toBeGreaterThan(0);
  for (const q of bundle.quantization) expect(q.maxAbsError).toBeLessThan(maxAbsError);
}

/** hummingbird's trees: an int64 label (scale 0) and class probabilities; the label is exact. */
function expectTreeClassifier(bundle: ProofBundle, outputs: number[][]): void {
  expect(outputs.map((o) => o.length)).toEqual([1, 3]);
  expect(bundle.floatReference.outputs[0].values).toEqual(outputs[0]);
}

async function verifiesWithEzklPython(bundle: ProofBundle, name: string): Promise<boolean> {
  const artifacts = await compiledFixture(name);
  const proofPath = join(tempDir(), 'proof.json');
  await writeFile(proofPath, JSON.stringify(bundle.proof));
  const [ok] = await (await getPythonEngine()).run([
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
  return ok === true;
}

describe.each(Object.keys(FIXTURES))('coverage fixture %s', (name) => {
  it('proves, verifies in Node against its key, and verifies with EZKL Python', async () => {
    const artifacts = await compiledFixture(cov(name));
    const { bundle, bundlePath, outputs } = await provedFixture(cov(name));
    expect(await verifiesWithEzklPython(bundle, cov(name))).toBe(true);
    FIXTURES[name](bundle, outputs);
    // Needs the bundle's layout from the circuit's settings where the declared ONNX output shapes
    // differ from the circuit's (reductions, pooling, reshape): issue 10, item 1.
    const result = await verifyBundle({ bundle: bundlePath, artifacts: artifacts.dir });
    expect(result.checks.filter((c) => !c.ok)).toEqual([]);
    expect(result.valid).toBe(true);
  });
});

describe('a model onnxruntime refuses but EZKL proves (int8 MatMul)', () => {
  it('is proved without a float reference, and the bundle and output say why', async () => {
    const out = join(tempDir(), 'int8.proof');
    const name = cov('int8_matmul');
    const proved = await runCli([
      'prove',
      fixtureModel(name),
      '--input',
      fixtureInput(name),
      '--out',
      out,
      '--json',
    ]);
    expect(proved.code).toBe(0);
    const json = proved.json();
    expect(json.floatReference).toMatch(/^no float reference: onnxruntime cannot load .*int8/);
    expect(json.quantization).toEqual([]);
    expect(json.inputTypes).toEqual([{ name: 'x', dtype: 'int8' }]);
    expect(json.public.outputs[0].values).toEqual([10, 28]);
    const verified = await runCli(['verify', out, '--json']);
    expect(verified.code).toBe(0);
    const { readBundle } = await import('../../src/proof/bundle.js');
    const bundle = await readBundle(out);
    expect(bundle.floatReference.unavailable).toBe(json.floatReference);
    expect(await verifiesWithEzklPython(bundle, name)).toBe(true);
  });
});

describe('models EZKL itself cannot prove', () => {
  it.each([
    ['unsupported', 'Det'],
    [cov('unsupported_tree_ensemble'), 'TreeEnsembleClassifier'],
  ])('%s: ONNX_UNSUPPORTED (exit 2) naming %s as an EZKL limit', async (name, op) => {
    const result = await runCli([
      'compile',
      fixtureModel(name),
      '--input',
      fixtureInput(name),
      '--artifacts-dir',
      tempDir(),
      '--json',
    ]);
    expect(result.code).toBe(2);
    const { error } = result.json();
    expect(error.code).toBe('ONNX_UNSUPPORTED');
    expect(error.message).toContain(op);
    expect(error.message).toMatch(/an EZKL limit/);
    expect(error.message).not.toContain('\n');
  });
});

describe('input files EZKL reads leniently', () => {
  it('proves a graph with no inputs from an input file with one empty tensor', async () => {
    const input = join(tempDir(), 'input.json');
    await writeFile(input, JSON.stringify({ input_data: [[]] }));
    const out = join(tempDir(), 'constant.proof');
    const name = cov('constant_range');
    const proved = await runCli(['prove', fixtureModel(name), '--input', input, '--out', out]);
    expect(proved.code, proved.stderr).toBe(0);
    expect(proved.stderr).toMatch(/Ignoring the input file's tensors for input_data\[0\]/);
    const verified = await runCli(['verify', out, '--json']);
    expect(verified.code).toBe(0);
    expect(verified.json().public.outputs[0].values).toEqual([0, 0.5, 1, 1.5]);
  });

  it('proves from an input file with tensors past the model inputs (initializers now)', async () => {
    // One tensor per graph input (x, and w that an initializer backs) and one more, for a weight the
    // model no longer lists: EZKL reads x and ignores the rest.
    const name = cov('extra_initializer_inputs');
    const [x, w] = JSON.parse(await readFile(fixtureInput(name), 'utf8')).input_data;
    const input = join(tempDir(), 'input.json');
    await writeFile(input, JSON.stringify({ input_data: [x, w, [0.5, 0.5]] }));
    const out = join(tempDir(), 'extra.proof');
    const result = await runCli(['prove', fixtureModel(name), '--input', input, '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/input_data\[2\]/);
    const verified = await runCli(['verify', out, '--json']);
    expect(verified.code).toBe(0);
    const outputs = verified.json().public.outputs[0].values as number[];
    expect(outputs.map((v) => Number(v.toFixed(3)))).toEqual([2.2, 2.8]);
  });
});
