import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import type { ProveInferenceResult } from '../../src/prover/proveInference.js';
import { provedFixture, runCli, tempDir } from '../helpers/pocompute.js';

describe('verify of many bundles and of standard input', () => {
  let mlp: ProveInferenceResult;
  const dir = tempDir();
  beforeAll(async () => {
    mlp = await provedFixture('mlp');
  });

  it('verifies many bundles in one process, one JSON line each; exit 1 if one is forged', async () => {
    const forged = JSON.parse(readFileSync(mlp.bundlePath, 'utf8'));
    forged.public.outputs[0].values[0] += 1;
    writeFileSync(join(dir, 'forged.proof'), JSON.stringify(forged));
    writeFileSync(join(dir, 'broken.proof'), '{"format":');
    const files = [mlp.bundlePath, join(dir, 'forged.proof'), join(dir, 'broken.proof')];
    const result = await runCli(['verify', ...files, '--artifacts', mlp.artifacts.dir, '--json']);
    expect(result.code).toBe(1);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.bundle, l.ok])).toEqual([
      [files[0], true],
      [files[1], false],
      [files[2], false],
    ]);
    expect(lines[2].error.code).toBe('BUNDLE_INVALID');
    // Only unreadable bundles: exit 2.
    const unreadable = await runCli(['verify', files[2], files[2], '--json']);
    expect(unreadable.code).toBe(2);
  });

  it('reads a bundle from standard input with `verify -`', () => {
    const cli = join(PACKAGE_ROOT, 'bin', 'pocompute.js');
    const run = (input: string) =>
      spawnSync(
        process.execPath,
        [cli, 'verify', '-', '--artifacts', mlp.artifacts.dir, '--json'],
        {
          input,
          encoding: 'utf8',
          env: { ...process.env, NO_COLOR: '1' },
        },
      );
    const valid = run(readFileSync(mlp.bundlePath, 'utf8'));
    expect(valid.status).toBe(0);
    expect(JSON.parse(valid.stdout)).toMatchObject({ bundle: '-', ok: true, valid: true });
    const empty = run('');
    expect(empty.status).toBe(2);
    expect(JSON.parse(empty.stdout).error.code).toBe('BUNDLE_INVALID');
  });

  it('on a terminal, colours the marks; under NO_COLOR it prints none', () => {
    // `script` gives the command a pseudo-terminal, as a user's shell would.
    const cli = join(PACKAGE_ROOT, 'bin', 'pocompute.js');
    const onTty = (env: NodeJS.ProcessEnv) => {
      const command = `${process.execPath} ${cli} verify ${mlp.bundlePath} --artifacts ${mlp.artifacts.dir}`;
      const run = spawnSync('script', ['-qec', command, '/dev/null'], {
        encoding: 'utf8',
        env: { ...process.env, CI: '', NO_COLOR: undefined, FORCE_COLOR: undefined, ...env },
      });
      expect(run.status, run.stdout).toBe(0);
      return run.stdout;
    };
    const colour = new RegExp(`${String.fromCharCode(27)}\\[(3\\d|9\\d|1|2)(;\\d+)*m`);
    expect(onTty({})).toMatch(colour);
    const plain = onTty({ NO_COLOR: '1' });
    expect(plain).toContain('VALID');
    expect(plain).not.toMatch(colour);
  });
});
