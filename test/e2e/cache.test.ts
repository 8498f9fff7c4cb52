import { cpSync, mkdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { venvPython } from '../../src/engine/managedVenv.js';
import { compiledFixture, fixtureInput, runCli, tempDir } from '../helpers/pocompute.js';

describe('pocompute cache', () => {
  it('lists entries with sizes; prune keeps what prove just used, removes what is stale', async () => {
    const artifacts = await compiledFixture('mlp');
    // A home of its own (pruning the suite's shared home would pull artifacts from other tests),
    // with the engine of the suite's home.
    const home = tempDir('pocompute-cache-home-');
    const copy = join(home, 'artifacts', 'mlp-copy');
    mkdirSync(join(home, 'artifacts'));
    cpSync(artifacts.dir, copy, { recursive: true });
    const env = { POCOMPUTE_HOME: home, POCOMPUTE_PYTHON: venvPython() };
    const tenDaysAgo = new Date(Date.now() - 10 * 86400_000);
    utimesSync(copy, tenDaysAgo, tenDaysAgo);

    const listed = (await runCli(['cache', 'list', '--json'], env)).json();
    expect(listed.entries).toHaveLength(1);
    expect(listed.entries[0]).toMatchObject({ kind: 'artifacts', model: 'model.onnx' });
    expect(listed.totalBytes).toBeGreaterThan(1_000_000);

    // Proving with it marks it used: a week-old prune keeps it.
    const out = join(tempDir(), 'x.proof');
    const proved = await runCli(['prove', copy, '--input', fixtureInput('mlp'), '--out', out], env);
    expect(proved.code).toBe(0);
    const kept = (await runCli(['cache', 'prune', '--older-than', '7d', '--json'], env)).json();
    expect(kept.removed).toEqual([]);

    utimesSync(copy, tenDaysAgo, tenDaysAgo);
    const pruned = (await runCli(['cache', 'prune', '--older-than', '7d', '--json'], env)).json();
    expect(pruned.removed.map((e: { path: string }) => e.path)).toEqual([copy]);
    expect((await runCli(['cache', 'list', '--json'], env)).json().entries).toEqual([]);

    // Artifacts compiled into the configured artifactsDir are cache entries too.
    const elsewhere = tempDir('pocompute-artifacts-dir-');
    cpSync(artifacts.dir, join(elsewhere, 'mlp-elsewhere'), { recursive: true });
    const configured = (
      await runCli(['cache', 'list', '--json'], { ...env, POCOMPUTE_ARTIFACTS_DIR: elsewhere })
    ).json();
    expect(configured.entries.map((e: { path: string }) => e.path)).toEqual([
      join(elsewhere, 'mlp-elsewhere'),
    ]);

    const clean = await runCli(['cache', 'clean', '--json'], env);
    expect(clean.code).toBe(2);
    expect(clean.json().error.code).toBe('USAGE');
  });
});
