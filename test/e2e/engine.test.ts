import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getPythonEngine } from '../../src/engine/pythonEngine.js';
import { EZKL_VERSION } from '../../src/proof/engineVersion.js';
import { runCli, tempDir } from '../helpers/pocompute.js';

const venvIn = (home: string) => join(home, 'engine', `ezkl-${EZKL_VERSION}`, 'venv');

describe('the managed EZKL engine', () => {
  it('stops an EZKL run when its signal aborts: the run fails and writes nothing', async () => {
    const engine = await getPythonEngine();
    const srs = join(tempDir('pocompute-abort-'), 'k18.srs');
    const abort = new AbortController();
    // Seconds of work: aborted once EZKL has its ops, it never finishes the file.
    const run = engine.run([{ op: 'gen_srs', args: { srs, logrows: 18 } }], {
      signal: abort.signal,
      onStarted: () => setTimeout(() => abort.abort(), 200),
    });
    await expect(run).rejects.toThrow(/without a result/);
    expect(existsSync(srs)).toBe(false);
  });

  it('reports a broken venv in doctor and recreates it on the next use', async () => {
    const home = tempDir('pocompute-home-');
    await mkdir(join(venvIn(home), 'bin'), { recursive: true });
    await writeFile(join(venvIn(home), 'bin', 'python'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    // Broken, but remade on first use: reported, not a failure (exit 0, not ready).
    const doctor = await runCli(['doctor', '--json'], { POCOMPUTE_HOME: home });
    expect(doctor.code).toBe(0);
    expect(doctor.json()).toMatchObject({ ok: true, ready: false });
    expect(doctor.json().checks.find((c: any) => c.part === 'python').status).toBe('missing');
    const repaired = await runCli(['engine', 'install', '--json'], { POCOMPUTE_HOME: home });
    expect(repaired.code).toBe(0);
    expect(existsSync(join(venvIn(home), 'pocompute-engine.json'))).toBe(true);
    const after = await runCli(['doctor', '--json'], { POCOMPUTE_HOME: home });
    expect(after.json().checks.find((c: any) => c.part === 'ezkl (python)')).toMatchObject({
      status: 'ok',
    });
  });

  it('doctor on a fresh install exits 0; without a Python that can make the venv it exits 3', async () => {
    const fresh = await runCli(['doctor', '--json'], {
      POCOMPUTE_HOME: tempDir('pocompute-home-'),
    });
    expect(fresh.code).toBe(0);
    expect(fresh.json()).toMatchObject({ ok: true, ready: false });
    const noPython = await runCli(['doctor', '--json'], {
      POCOMPUTE_HOME: tempDir('pocompute-home-'),
      POCOMPUTE_BOOTSTRAP_PYTHON: '/nonexistent/python3',
    });
    expect(noPython.code).toBe(3);
    expect(noPython.json().checks.find((c: any) => c.part === 'python')).toMatchObject({
      status: 'error',
      hint: expect.stringMatching(/python3-venv/),
    });
  });

  it('says clearly when pip cannot reach a package index, and leaves no half-made venv', async () => {
    const home = tempDir('pocompute-home-');
    const result = await runCli(['engine', 'install', '--json'], {
      POCOMPUTE_HOME: home,
      PIP_CONFIG_FILE: '/dev/null',
      PIP_INDEX_URL: 'http://127.0.0.1:9/simple',
      PIP_EXTRA_INDEX_URL: '',
      PIP_FIND_LINKS: '',
      PIP_NO_CACHE_DIR: '1',
      PIP_RETRIES: '0',
      PIP_DEFAULT_TIMEOUT: '2',
    });
    expect(result.code).toBe(3);
    expect(result.json().error.code).toBe('ENGINE_INSTALL_FAILED');
    expect(result.json().error.message).toContain(`ezkl==${EZKL_VERSION}`);
    expect(existsSync(venvIn(home))).toBe(false);
  });

  it('rejects a POCOMPUTE_PYTHON that cannot run EZKL, with a hint', async () => {
    const result = await runCli(
      [
        'compile',
        'fixtures/mlp/model.onnx',
        '--input',
        'fixtures/mlp/input.json',
        '--force',
        '--json',
      ],
      { POCOMPUTE_PYTHON: '/nonexistent/python3' },
    );
    expect(result.code).toBe(3);
    expect(result.json().error.code).toBe('ENGINE_MISSING');
    expect(result.json().error.hint).toMatch(/POCOMPUTE_PYTHON|engine install/);
  });
});
