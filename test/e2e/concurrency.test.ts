import {
  appendFileSync,
  copyFileSync,
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
} from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  checkArtifactSrs,
  openArtifacts,
  readArtifactFile,
  readArtifactSrs,
} from '../../src/proof/artifacts.js';
import { artifactsFor, compileModel } from '../../src/prover/compileModel.js';
import { getPythonEngine } from '../../src/engine/pythonEngine.js';
import { EZKL_VERSION } from '../../src/proof/engineVersion.js';
import { proveInference } from '../../src/prover/proveInference.js';
import {
  compiledFixture,
  fixtureInput,
  fixtureModel,
  runCli,
  startCli,
  tempDir,
} from '../helpers/pocompute.js';

const model = fixtureModel('mlp');
const input = fixtureInput('mlp');

/** Polls until `find` returns something (a process reached the state a fault is injected in). */
async function waitFor<T>(what: string, find: () => T | undefined, timeoutMs = 300_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const entries = (dir: string, pattern: RegExp) =>
  existsSync(dir) ? readdirSync(dir).filter((name) => pattern.test(name)) : [];
const firstEntry = (dir: string, pattern: RegExp) => entries(dir, pattern)[0];

describe('many pocompute processes sharing one POCOMPUTE_HOME', () => {
  it('two proves started a second apart in an empty home both succeed, against one key', async () => {
    // The engine is shared (POCOMPUTE_PYTHON); the SRS and the artifacts are made by the race.
    const home = tempDir('pocompute-home-');
    const env = { POCOMPUTE_HOME: home, POCOMPUTE_PYTHON: (await getPythonEngine()).python };
    const outs = [0, 1].map((i) => join(home, `proof-${i}.json`));
    const first = runCli(['prove', model, '--input', input, '--out', outs[0], '--json'], env);
    await sleep(1000);
    const second = runCli(['prove', model, '--input', input, '--out', outs[1], '--json'], env);
    for (const result of await Promise.all([first, second]))
      expect(result.code, result.stderr).toBe(0);

    const bundles = outs.map((out) => JSON.parse(readFileSync(out, 'utf8')));
    expect(bundles[1].artifacts.vkSha256).toBe(bundles[0].artifacts.vkSha256);
    // One SRS (whatever size the optimiser's circuit needs), made once.
    expect(entries(join(home, 'srs'), /./)).toEqual([`dev-k${bundles[0].artifacts.logrows}.srs`]);
    const dir = join(home, 'artifacts', `mlp-${bundles[0].artifacts.key}`);
    for (const out of outs) {
      const verified = await runCli(['verify', out, '--artifacts', dir, '--json'], env);
      expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    }
  });

  it('compile and engine install at once in an empty home: one venv, never replaced under compile', async () => {
    const home = tempDir('pocompute-home-');
    const env = { POCOMPUTE_HOME: home, POCOMPUTE_PYTHON: '' };
    const marker = join(home, 'engine', `ezkl-${EZKL_VERSION}`, 'venv', 'pocompute-engine.json');
    const compile = runCli(['compile', model, '--input', input, '--json'], env);
    await sleep(1000);
    const install = runCli(['engine', 'install', '--json'], env);
    // The first venv to appear must be the one both commands end with.
    const firstVenv = await waitFor('the managed venv', () =>
      existsSync(marker) ? readFileSync(marker, 'utf8') : undefined,
    );
    const [compiled, installed] = await Promise.all([compile, install]);
    expect(compiled.code, compiled.stderr).toBe(0);
    expect(installed.code, installed.stderr).toBe(0);
    expect(readFileSync(marker, 'utf8')).toBe(firstVenv);
    expect(existsSync(join(compiled.json().dir, 'manifest.json'))).toBe(true);
    const again = await runCli(['compile', model, '--input', input, '--json'], env);
    expect(again.json().cached).toBe(true);
  });

  it('a compile killed with SIGKILL leaves a .tmp- directory that the next compile removes', async () => {
    const root = tempDir('pocompute-artifacts-');
    const args = ['compile', model, '--input', input, '--artifacts-dir', root, '--json'];
    const killed = startCli(args);
    const tmp = await waitFor('the build directory', () => firstEntry(root, /\.tmp-/));
    killed.child.kill('SIGKILL');
    expect((await killed.result).signal).toBe('SIGKILL');
    expect(existsSync(join(root, tmp))).toBe(true);

    const next = await runCli(args);
    expect(next.code, next.stderr).toBe(0);
    expect(entries(root, /\.tmp-|\.stale-|\.lock/)).toEqual([]);
  });

  it('a compile stopped by SIGTERM or SIGINT mid-search ends within a second and leaves nothing', async () => {
    const root = tempDir('pocompute-artifacts-');
    const tmp = tempDir('pocompute-tmpdir-');
    for (const [signal, code] of [
      ['SIGTERM', 143],
      ['SIGINT', 130],
    ] as const) {
      const running = startCli(
        ['compile', model, '--input', input, '--artifacts-dir', root, '--force'],
        { TMPDIR: tmp },
      );
      // In the optimiser's search: its scratch directory, the build directory and the lock exist.
      await waitFor('the optimiser scratch', () => firstEntry(tmp, /^pocompute-circuit-/));
      await waitFor('the build directory', () => firstEntry(root, /\.tmp-/));
      const sent = performance.now();
      running.child.kill(signal);
      expect((await running.result).code).toBe(code);
      expect(performance.now() - sent).toBeLessThan(1_000);
      expect(entries(root, /./)).toEqual([]);
      expect(entries(tmp, /^pocompute-/)).toEqual([]);
    }
  });

  it('prove removes its temporary directory on SIGTERM and SIGINT, and after SIGKILL on the next run', async () => {
    const artifacts = await compiledFixture('mlp');
    const tmp = tempDir('pocompute-tmpdir-');
    const env = { TMPDIR: tmp };
    const prove = () =>
      startCli(['prove', artifacts.dir, '--input', input, '--out', join(tmp, 'p.json')], env);
    const ours = /^pocompute-(prove|ezkl)-/;
    for (const [signal, code] of [
      ['SIGTERM', 143],
      ['SIGINT', 130],
    ] as const) {
      const running = prove();
      // Signalled while EZKL's Python worker runs: it is stopped too, and both directories go.
      await waitFor('the EZKL worker', () => firstEntry(tmp, /^pocompute-ezkl-/));
      expect(entries(tmp, /^pocompute-prove-/)).toHaveLength(1);
      running.child.kill(signal);
      expect((await running.result).code).toBe(code);
      expect(entries(tmp, ours)).toEqual([]);
    }

    const killed = prove();
    const left = await waitFor('the prove directory', () => firstEntry(tmp, /^pocompute-prove-/));
    killed.child.kill('SIGKILL');
    await killed.result;
    expect(existsSync(join(tmp, left))).toBe(true);
    const next = await prove().result;
    expect(next.code, next.stderr).toBe(0);
    expect(entries(tmp, ours)).toEqual([]);
  });
});

describe('prove checks the bytes it uses against the manifest', () => {
  it('refuses artifacts and an SRS that changed after the directory was opened', async () => {
    const original = await compiledFixture('mlp');
    const dir = join(tempDir(), 'mlp');
    cpSync(original.dir, dir, { recursive: true });
    const srs = join(dir, 'copy.srs');
    copyFileSync(original.manifest.srs.path, srs);
    const opened = await openArtifacts(dir);
    const artifacts = {
      ...opened,
      manifest: { ...opened.manifest, srs: { ...opened.manifest.srs, path: srs } },
    };
    expect((await readArtifactFile(artifacts, 'model.compiled')).length).toBeGreaterThan(0);
    await checkArtifactSrs(artifacts);

    // Swapped between the check at open and the use: caught at the point of use.
    appendFileSync(join(dir, 'model.compiled'), 'x');
    appendFileSync(join(dir, 'vk.key'), 'x');
    appendFileSync(srs, 'x');
    await expect(readArtifactFile(artifacts, 'model.compiled')).rejects.toMatchObject({
      code: 'ARTIFACTS_INVALID',
    });
    await expect(readArtifactFile(artifacts, 'vk.key')).rejects.toMatchObject({
      code: 'ARTIFACTS_INVALID',
    });
    await expect(readArtifactSrs(artifacts)).rejects.toMatchObject({ code: 'SRS_INVALID' });
    await expect(checkArtifactSrs(artifacts)).rejects.toMatchObject({ code: 'SRS_INVALID' });
  });
});

describe('the artifacts cache key', () => {
  it('gives a second calibration dataset its own artifacts; prove reuses compiled ones', async () => {
    const first = await compiledFixture('mlp');
    const dir = tempDir();
    const other = join(dir, 'calibration-b.json');
    await writeFile(other, JSON.stringify({ input_data: [[-3.1, 2.4, 0.9, -1.7]] }));
    const second = await compileModel({ model, input: other });
    expect(second.dir).not.toBe(first.dir);
    expect(second.manifest.calibrationSha256).not.toBe(first.manifest.calibrationSha256);
    expect(second.manifest.circuitKey).toBe(first.manifest.circuitKey);

    // prove (artifactsFor) prefers the artifacts calibrated on exactly its input, …
    expect((await artifactsFor(model, { input: other })).dir).toBe(second.dir);
    // … and otherwise reuses the oldest of the family rather than compiling for each input.
    const third = join(dir, 'input-c.json');
    await writeFile(third, JSON.stringify({ input_data: [[0.5, -0.25, 1.5, 0.1]] }));
    const root = dirname(first.dir);
    const before = readdirSync(root);
    const proved = await proveInference({ target: model, input: third, out: join(dir, 'c.proof') });
    expect(proved.artifacts.cached).toBe(true);
    expect(readdirSync(root)).toEqual(before);
    expect(before).toContain(basename(proved.artifacts.dir));
  });
});
