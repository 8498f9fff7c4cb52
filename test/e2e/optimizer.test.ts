import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileModel } from '../../src/prover/compileModel.js';
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
    const proved = await runCli([
      'prove',
      fixtureModel(fixture),
      '--input',
      fixtureInput(fixture),
      '--out',
      out,
      '--artifacts-root',
      root,
      '--json',
    ]);
    expect(proved.code, proved.stdout).toBe(0);
    const verified = await runCli(['verify', out, '--json']);
    expect(verified.code, verified.stdout).toBe(0);
    expect(verified.json().valid).toBe(true);
    const [dir] = readdirSync(root).filter((d) => !d.endsWith('.lock'));
    const manifest = JSON.parse(readFileSync(join(root, dir, 'manifest.json'), 'utf8'));
    const choice = manifest.circuit.choice;
    expect(choice.strategy).toBe('search');
    // Either a cheaper circuit EZKL proved and verified, or EZKL's own settings as the last resort.
    if (/real proof/.test(choice.reason)) expect(choice.search.proved).toBeGreaterThanOrEqual(1);
    else expect(choice.runArgs).toEqual(choice.search.baseline.runArgs);
  });
});
