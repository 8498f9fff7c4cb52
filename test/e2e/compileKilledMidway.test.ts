import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { compileModel } from '../../src/prover/compileModel.js';
import { fixtureInput, fixtureModel, tempDir } from '../helpers/pocompute.js';

describe('a compile killed midway', () => {
  it('leaves no artifacts directory that a later run trusts', async () => {
    const root = tempDir();
    const child = spawn(
      process.execPath,
      [
        join(PACKAGE_ROOT, 'bin', 'pocompute.js'),
        'compile',
        fixtureModel('mlp'),
        '--input',
        fixtureInput('mlp'),
        '--artifacts-dir',
        root,
        '--json',
      ],
      {
        stdio: 'ignore',
      },
    );
    // Kill it once the build directory exists (EZKL is working in it).
    await waitFor(() => readdirSync(root).some((f) => f.includes('.tmp-')), 60_000);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    // Only the build directory and the build lock (with its dead owner's pid) are left.
    expect(readdirSync(root).filter((f) => !/\.tmp-|\.lock/.test(f))).toEqual([]);
    const again = await compileModel({
      model: fixtureModel('mlp'),
      input: fixtureInput('mlp'),
      artifactsRoot: root,
    });
    expect(again.cached).toBe(false);
    expect(existsSync(join(again.dir, 'manifest.json'))).toBe(true);
  });
});

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
