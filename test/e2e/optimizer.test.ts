import { writeFileSync } from 'node:fs';
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
    expect(choice?.reason).toMatch(/passing mock/);
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
