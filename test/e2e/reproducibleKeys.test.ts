import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getPythonEngine } from '../../src/engine/pythonEngine.js';
import { venvPython } from '../../src/engine/managedVenv.js';
import { fixtureInput, fixtureModel, runCli, tempDir } from '../helpers/pocompute.js';

describe('one model, one verifying key: compiles are reproducible', () => {
  it("EZKL's calibration lists its range checks in one order, run after run", async () => {
    // EZKL 23 writes required_range_checks in hash-set order: over six runs both orders showed up
    // (the chance that six unsorted runs all come out sorted is 1 in 64).
    const engine = await getPythonEngine();
    const dir = tempDir();
    const orders: string[] = [];
    for (let run = 0; run < 6; run++) {
      const settings = join(dir, `settings-${run}.json`);
      await engine.run([
        {
          op: 'gen_settings',
          args: {
            model: fixtureModel('mlp'),
            settings,
            input_visibility: 'public',
            output_visibility: 'public',
            param_visibility: 'fixed',
          },
        },
        {
          op: 'calibrate_settings',
          args: { data: fixtureInput('mlp'), model: fixtureModel('mlp'), settings },
        },
      ]);
      const ranges: [number, number][] = JSON.parse(
        await readFile(settings, 'utf8'),
      ).required_range_checks;
      expect(ranges.length).toBeGreaterThan(1);
      expect(ranges).toEqual([...ranges].sort((a, b) => a[0] - b[0] || a[1] - b[1]));
      orders.push(JSON.stringify(ranges));
    }
    expect(new Set(orders).size).toBe(1);
  });

  it('compile --force makes the same key, so a bundle proved before still verifies', async () => {
    const home = tempDir('pocompute-keys-home-');
    const env = { POCOMPUTE_HOME: home, POCOMPUTE_PYTHON: venvPython() };
    const compile = async (force: boolean) => {
      const result = await runCli(
        [
          'compile',
          fixtureModel('mlp'),
          '--input',
          fixtureInput('mlp'),
          ...(force ? ['--force'] : []),
          '--json',
        ],
        env,
      );
      expect(result.code).toBe(0);
      return result.json();
    };
    const first = await compile(false);
    const bundle = join(tempDir(), 'before.proof');
    const proved = await runCli(
      ['prove', first.dir, '--input', fixtureInput('mlp'), '--out', bundle],
      env,
    );
    expect(proved.code).toBe(0);
    const vkBefore = await readFile(join(first.dir, 'vk.key'));
    const second = await compile(true);
    expect(second.dir).toBe(first.dir);
    expect(await readFile(join(second.dir, 'vk.key'))).toEqual(vkBefore);
    const verify = await runCli(['verify', bundle, '--artifacts', second.dir, '--json'], env);
    expect(verify.json()).toMatchObject({ valid: true, keySource: 'artifacts' });
  });
});
