import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileModel } from '../../src/prover/compileModel.js';
import { GraphBuilder, seededNormals, seededRandom } from '../../src/prover/onnx/graphBuilder.js';
import {
  compiledFixture,
  fixtureInput,
  fixtureModel,
  runCli,
  tempDir,
} from '../helpers/pocompute.js';

describe('the circuit optimiser (compile default), real EZKL engine', () => {
  it("picks a circuit far smaller than EZKL's resources calibration on the mlp fixture, no less accurate, and records why", async () => {
    const { manifest } = await compiledFixture('mlp');
    const choice = manifest.circuit.choice;
    expect(choice?.strategy).toBe('search');
    const baseline = choice?.search?.baseline;
    expect(baseline?.runArgs.logrows).toBe(15);
    expect(manifest.circuit.logrows).toBeLessThanOrEqual(11);
    expect(choice?.runArgs.decomp_base).toBeLessThan(16384);
    expect(choice?.error.maxRelError).toBeLessThanOrEqual(baseline?.error.maxRelError ?? 0);
    expect((baseline?.estimatedCost ?? 0) / (choice?.estimatedCost ?? 1)).toBeGreaterThan(10);
    expect(choice?.reason).toMatch(/passing mock and a real proof/);
    expect(choice?.search?.proved).toBeGreaterThanOrEqual(1);
    expect(manifest.options.optimizer).toBe('search');
  });

  it("keeps EZKL's own preset, unoptimised, with --calibration resources", async () => {
    const { manifest } = await compileModel({
      model: fixtureModel('mlp'),
      input: fixtureInput('mlp'),
      options: { optimizer: 'off', calibrationTarget: 'resources' },
    });
    expect(manifest.circuit.choice?.strategy).toBe('ezkl-preset');
    expect(manifest.circuit.logrows).toBe(15);
  });

  it('uses the circuit shape of a --settings file and prints the choice', async () => {
    const settings = join(tempDir(), 'settings.json');
    writeFileSync(settings, JSON.stringify({ run_args: { decomp_base: 1024, decomp_legs: 3 } }));
    const result = await runCli([
      'compile',
      fixtureModel('two_input'),
      '--input',
      fixtureInput('two_input'),
      '--settings',
      settings,
      '--artifacts-dir',
      tempDir(),
      '--json',
    ]);
    expect(result.code).toBe(0);
    const { manifest } = result.json();
    expect(manifest.circuit.choice.strategy).toBe('settings-file');
    expect(manifest.circuit.choice.runArgs.decomp_base).toBe(1024);
    expect(manifest.circuit.logrows).toBeLessThan(15);
  });
});

/** `prove` from the CLI into its own artifacts root: the one build made, and its manifest. */
async function proveIntoRoot(model: string, input: string, out: string, root: string) {
  const args = ['prove', model, '--input', input, '--out', out, '--artifacts-root', root, '--json'];
  const proved = await runCli(args);
  expect(proved.code, proved.stdout).toBe(0);
  const [built] = readdirSync(root).filter((d) => !d.endsWith('.lock'));
  return { built, manifest: JSON.parse(readFileSync(join(root, built, 'manifest.json'), 'utf8')) };
}

/**
 * Self-attention over 24 tokens of width 16 (softmax(Q·Kᵀ)·V), the products of two computed
 * tensors that EZKL 23 proves by Freivalds' argument by default: its circuit has fewer rows but
 * is slower to prove than with the products proved directly, as on the transformer block.
 */
function attentionModel(dir: string): { model: string; input: string } {
  const random = seededRandom(5);
  const [tokens, width] = [24, 16];
  const g = new GraphBuilder('attention');
  const x = g.input('x', [tokens, width]);
  const project = (name: string) =>
    g.node('MatMul', [
      x,
      g.initializer(name, [width, width], seededNormals(random, width ** 2, 0.25)),
    ]);
  const [q, k, v] = [project('Wq'), project('Wk'), project('Wv')];
  const scores = g.node('MatMul', [q, g.node('Transpose', [k], { perm: [1, 0] })]);
  const weights = g.node('Softmax', [scores], { axis: -1 });
  g.node('MatMul', [weights, v], {}, 'y');
  g.output('y', [tokens, width]);
  const model = join(dir, 'attention.onnx');
  const input = join(dir, 'input.json');
  writeFileSync(model, g.encode());
  const values = Array.from(seededNormals(random, tokens * width, 0.5), (n) =>
    Number(n.toFixed(3)),
  );
  writeFileSync(input, JSON.stringify({ input_data: [values] }));
  return { model, input };
}

describe('the optimiser on EZKL 23 einsums (Freivalds), real EZKL engine', () => {
  it('proves attention with its products proved directly, estimated cheaper, and the proof verifies', async () => {
    const dir = tempDir();
    const { model, input } = attentionModel(dir);
    const out = join(dir, 'proof.json');
    const root = join(dir, 'artifacts');
    const { built, manifest } = await proveIntoRoot(model, input, out, root);
    const choice = manifest.circuit.choice;
    // EZKL's own calibration uses Freivalds' argument; the optimiser's real proof accepted the
    // direct products, and compile kept that proof's keys.
    expect(choice.search.baseline.runArgs.disable_freivalds).toBeUndefined();
    expect(choice.runArgs.disable_freivalds).toBe(true);
    expect(choice.reason).toMatch(/no Freivalds/);
    expect(choice.search.proved).toBeGreaterThanOrEqual(1);
    expect(choice.search.baseline.estimatedCost / choice.estimatedCost).toBeGreaterThan(1.25);
    const settings = JSON.parse(readFileSync(join(root, built, 'settings.json'), 'utf8'));
    expect(settings.run_args.disable_freivalds).toBe(true);
    const verified = await runCli(['verify', out, '--json']);
    expect(verified.code, verified.stdout).toBe(0);
    expect(verified.json().valid).toBe(true);
    const bundle = JSON.parse(readFileSync(out, 'utf8'));
    // The first prove took the optimiser's acceptance proof of this input: EZKL proved once.
    expect(bundle.timings.prove).toBeUndefined();
    expect(bundle.timings.setup).toBeUndefined();
    // A tampered output is refused by the same verifier.
    const instances: string[] = bundle.proof.instances[0];
    const last = instances.length - 1;
    instances[last] = (instances[last][0] === '0' ? '1' : '0') + instances[last].slice(1);
    const tampered = join(dir, 'tampered.json');
    writeFileSync(tampered, JSON.stringify(bundle));
    const refused = await runCli(['verify', tampered, '--artifacts', join(root, built), '--json']);
    expect(refused.code, refused.stdout).toBe(1);
    // Refused by the proof's own check (the verifier), not only by the bundle's consistency.
    expect(refused.json().checks.find((c: { name: string }) => c.name === 'proof').ok).toBe(false);
  });
});

/**
 * One lookup-based nonlinearity each (fixtures/coverage/nonlinear_*): the kind of model EZKL's own
 * calibration proves and a circuit that only passes mock might not. Compiled by the default
 * optimiser from the CLI, proved, and the bundle verified.
 */
describe.each([
  'nonlinear_pow',
  'nonlinear_sigmoid',
  'nonlinear_gelu_erf',
  'nonlinear_gelu_tanh',
  'nonlinear_mod',
])('coverage fixture %s with the default optimiser', (name) => {
  it('compiles, proves and verifies (exit 0) on a circuit a real proof accepted', async () => {
    const fixture = `coverage/${name}`;
    const root = tempDir();
    const out = join(tempDir(), 'proof.json');
    const { manifest } = await proveIntoRoot(
      fixtureModel(fixture),
      fixtureInput(fixture),
      out,
      root,
    );
    const verified = await runCli(['verify', out, '--json']);
    expect(verified.code, verified.stdout).toBe(0);
    expect(verified.json().valid).toBe(true);
    const choice = manifest.circuit.choice;
    expect(choice.strategy).toBe('search');
    // Either a cheaper circuit EZKL proved and verified, or EZKL's own settings as the last resort.
    if (/real proof/.test(choice.reason)) expect(choice.search.proved).toBeGreaterThanOrEqual(1);
    else expect(choice.runArgs).toEqual(choice.search.baseline.runArgs);
  });
});
