import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, readFile, rm } from 'node:fs/promises';
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
    // Rebuilt in place (not the old directory kept): a new manifest, no copy beside it.
    expect(second.cached).toBe(false);
    expect(second.manifest.createdAt).not.toBe(first.manifest.createdAt);
    expect(second.replacedKeptAt).toBeUndefined();
    expect(await readFile(join(second.dir, 'vk.key'))).toEqual(vkBefore);
    const verify = await runCli(['verify', bundle, '--artifacts', second.dir, '--json'], env);
    expect(verify.json()).toMatchObject({ valid: true, keySource: 'artifacts' });
  });

  it('a forced rebuild that makes another key keeps the old compilation, found by its key', async () => {
    const home = tempDir('pocompute-keys-home-');
    const env = { POCOMPUTE_HOME: home, POCOMPUTE_PYTHON: venvPython() };
    const compile = async (...extra: string[]) => {
      const result = await runCli(
        ['compile', fixtureModel('mlp'), '--input', fixtureInput('mlp'), ...extra, '--json'],
        env,
      );
      expect(result.code, result.stderr).toBe(0);
      return result.json();
    };
    const vkOf = async (dir: string) =>
      createHash('sha256')
        .update(await readFile(join(dir, 'vk.key')))
        .digest('hex');
    const first = await compile();
    const other = await compile('--output-visibility', 'hashed');
    const oldVk = await vkOf(other.dir);
    const firstVk = await vkOf(first.dir);
    expect(oldVk).not.toBe(firstVk);
    // The directory now holds a valid compilation with another key (what a non-reproducible
    // compile, or another EZKL build, would leave), and a proof is made with it.
    await rm(first.dir, { recursive: true });
    await cp(other.dir, first.dir, { recursive: true });
    const bundle = join(tempDir(), 'old-key.proof');
    const proved = await runCli(
      ['prove', first.dir, '--input', fixtureInput('mlp'), '--out', bundle],
      env,
    );
    expect(proved.code, proved.stderr).toBe(0);

    const forced = await compile('--force');
    expect(forced.dir).toBe(first.dir);
    expect(await vkOf(forced.dir)).toBe(firstVk); // reproducible: the key the first compile made
    expect(forced.manifest.files['vk.key']).not.toBe(oldVk);
    expect(forced.replacedKeptAt).toBe(`${first.dir}.vk-${oldVk.slice(0, 16)}`);
    expect(await vkOf(forced.replacedKeptAt)).toBe(oldVk);

    // The old key is not shadowed: found by its hash, the proof made with it still verifies there,
    // and the new key under the old name refuses it.
    const exported = join(tempDir(), 'keys');
    const exportKey = await runCli(['export-key', bundle, '--out', exported, '--json'], env);
    expect(exportKey.code, exportKey.stderr).toBe(0);
    expect(await vkOf(exported)).toBe(oldVk);
    const kept = await runCli(
      ['verify', bundle, '--artifacts', forced.replacedKeptAt, '--json'],
      env,
    );
    expect(kept.json()).toMatchObject({ valid: true, keySource: 'artifacts' });
    const renamed = await runCli(['verify', bundle, '--artifacts', forced.dir, '--json'], env);
    expect(renamed.code).toBe(1);

    // cache ls shows each key; cache rm by a vk prefix removes exactly the compilations of that key.
    const listed = (await runCli(['cache', 'ls', '--json'], env)).json();
    const withOldKey = listed.entries
      .filter((e: { vkSha256?: string }) => e.vkSha256 === oldVk)
      .map((e: { path: string }) => e.path)
      .sort();
    expect(withOldKey).toEqual([other.dir, forced.replacedKeptAt].sort());
    const missing = await runCli(['cache', 'rm', 'deadbeefdeadbeef', '--json'], env);
    expect(missing.code).toBe(2);
    const removed = await runCli(['cache', 'rm', oldVk.slice(0, 12), '--json'], env);
    expect(removed.code, removed.stderr).toBe(0);
    expect(
      removed
        .json()
        .removed.map((e: { path: string }) => e.path)
        .sort(),
    ).toEqual(withOldKey);
    expect(existsSync(forced.replacedKeptAt)).toBe(false);
    expect(existsSync(forced.dir)).toBe(true);
  });
});
