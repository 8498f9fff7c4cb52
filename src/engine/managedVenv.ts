import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PocomputeError, oneLine } from '../core/errors.js';
import { writeJsonAtomic } from '../core/files.js';
import { withFileLock } from '../core/lock.js';
import { homePaths } from '../core/paths.js';
import { onInterrupt, removeStaleTemps, tmpSuffix } from '../core/tempDirs.js';
import { EZKL_VERSION } from '../proof/engineVersion.js';

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a process to completion, collecting its output (EZKL and pip are chatty; we keep the tail). */
export function runProcess(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<ProcessResult> {
  return spawnProcess(command, args, env).done;
}

/**
 * A started process whose stdin is a pipe (`runProcess` closes it): the caller writes its input
 * when it has it. `done` resolves when the process ends (rejects when it cannot start).
 */
export function spawnProcess(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  options: { stdin?: 'pipe' | 'ignore' } = {},
): { child: ChildProcess; done: Promise<ProcessResult> } {
  const child = spawn(command, args, { env, stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'] });
  // A process that exits before reading its input makes writes to it fail (EPIPE): what it said
  // and its exit code are the report, not the broken pipe.
  child.stdin?.on('error', () => undefined);
  const done = new Promise<ProcessResult>((resolve, reject) => {
    // Killed with us on SIGINT/SIGTERM, before our temporary directories are removed.
    const dispose = onInterrupt(() => child.kill('SIGKILL'));
    let stdout = '';
    let stderr = '';
    const keep = (s: string, chunk: Buffer) => (s + chunk.toString()).slice(-200_000);
    child.stdout?.on('data', (c: Buffer) => {
      stdout = keep(stdout, c);
      if (process.env.POCOMPUTE_DEBUG) process.stderr.write(c);
    });
    child.stderr?.on('data', (c: Buffer) => {
      stderr = keep(stderr, c);
      if (process.env.POCOMPUTE_DEBUG) process.stderr.write(c);
    });
    child.on('error', (error) => {
      dispose();
      reject(error);
    });
    child.on('close', (code) => {
      dispose();
      resolve({ code, stdout, stderr });
    });
  });
  return { child, done };
}

export const venvDir = () => join(homePaths.engine(), `ezkl-${EZKL_VERSION}`, 'venv');
export const venvPython = (dir = venvDir()) => join(dir, 'bin', 'python');
const markerPath = (dir = venvDir()) => join(dir, 'pocompute-engine.json');

export interface VenvStatus {
  path: string;
  python: string;
  state: 'ready' | 'missing' | 'broken';
  detail?: string;
}

/** Looks at the managed venv without changing it. */
export async function inspectManagedVenv(): Promise<VenvStatus> {
  const path = venvDir();
  const python = venvPython(path);
  if (!existsSync(path)) return { path, python, state: 'missing' };
  if (!existsSync(python) || !existsSync(markerPath(path)))
    return { path, python, state: 'broken', detail: 'interpreter or install marker missing' };
  const marker = JSON.parse(await readFile(markerPath(path), 'utf8')) as { ezkl?: string };
  if (marker.ezkl !== EZKL_VERSION)
    return {
      path,
      python,
      state: 'broken',
      detail: `has ezkl ${marker.ezkl}, needs ${EZKL_VERSION}`,
    };
  return { path, python, state: 'ready' };
}

export interface InstallResult extends VenvStatus {
  /** False when a ready venv was found (maybe made by another process meanwhile) and kept. */
  installed: boolean;
}

/** The Python that makes the managed venv: POCOMPUTE_BOOTSTRAP_PYTHON, else python3 on the PATH. */
export const defaultBootstrapPython = () => process.env.POCOMPUTE_BOOTSTRAP_PYTHON ?? 'python3';

export const NO_VENV_HINT =
  'Install python3 with venv (Debian: apt-get install python3-venv), or set POCOMPUTE_BOOTSTRAP_PYTHON / POCOMPUTE_PYTHON.';

/** Whether `python` could make the managed venv (it has venv and ensurepip), without making one. */
export async function canMakeVenv(python = defaultBootstrapPython()): Promise<boolean> {
  const run = await runProcess(python, ['-c', 'import venv, ensurepip']).catch(() => undefined);
  return run?.code === 0;
}

/**
 * Creates the managed venv with ezkl==23.0.5 from the user's Python package index. It is built under
 * a temporary name and renamed into place only once ezkl imports, so an interrupted install is
 * never mistaken for a working one. Installs take turns on a lock (`venv.lock` beside the venv);
 * a ready venv is kept — other processes may be running EZKL from it — and a broken one replaced.
 */
export async function installManagedVenv(
  bootstrapPython = defaultBootstrapPython(),
): Promise<InstallResult> {
  const target = venvDir();
  return withFileLock(`${target}.lock`, async () => {
    await removeStaleTemps(dirname(target));
    const before = await inspectManagedVenv();
    if (before.state === 'ready') return { ...before, installed: false };
    await createVenv(target, bootstrapPython);
    return { ...(await inspectManagedVenv()), installed: true };
  });
}

async function createVenv(target: string, bootstrapPython: string): Promise<void> {
  const tmp = `${target}${tmpSuffix()}`;
  try {
    const created = await runProcess(bootstrapPython, ['-m', 'venv', tmp]).catch(
      (error: Error) => ({ code: -1, stdout: '', stderr: error.message }),
    );
    if (created.code !== 0) {
      throw new PocomputeError(
        'ENGINE_MISSING',
        `cannot create a Python venv with ${bootstrapPython}: ${lastLine(created.stderr)}`,
        {
          hint: NO_VENV_HINT,
        },
      );
    }
    const pip = await runProcess(venvPython(tmp), [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--no-input',
      `ezkl==${EZKL_VERSION}`,
    ]);
    if (pip.code !== 0) {
      throw new PocomputeError(
        'ENGINE_INSTALL_FAILED',
        `pip could not install ezkl==${EZKL_VERSION}: ${pipReason(pip.stderr + pip.stdout)}`,
      );
    }
    const check = await runProcess(venvPython(tmp), [
      '-c',
      'from importlib.metadata import version; import ezkl; print(version("ezkl"))',
    ]);
    const installed = check.stdout.trim().split('\n').pop();
    if (check.code !== 0 || installed !== EZKL_VERSION) {
      throw new PocomputeError(
        'ENGINE_INSTALL_FAILED',
        `ezkl does not import in the new venv: ${lastLine(check.stderr) || installed}`,
      );
    }
    await writeJsonAtomic(markerPath(tmp), {
      ezkl: EZKL_VERSION,
      installedAt: new Date().toISOString(),
      bootstrapPython,
    });
    if (existsSync(target)) {
      // Broken (inspected under the lock): move it aside first so the rename below cannot fail.
      const aside = `${target}${tmpSuffix().replace('.tmp-', '.stale-')}`;
      await rename(target, aside);
      await rm(aside, { recursive: true, force: true });
    }
    await rename(tmp, target);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}

function lastLine(text: string): string {
  return oneLine(text.trim().split('\n').filter(Boolean).pop() ?? '');
}

/** pip prints pages; the useful part is the first ERROR line (no matching distribution, connection refused…). */
export function pipReason(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const indexes = lines
    .find((l) => l.startsWith('Looking in indexes:'))
    ?.replace('Looking in indexes:', '')
    .trim();
  if (/from versions: none/.test(output)) {
    // pip reports an unreachable index and an index without the package the same way.
    return `no package index answered with any ezkl release${indexes ? ` (looked in ${indexes})` : ''}: the index is unreachable or does not carry ezkl`;
  }
  const error =
    lines.find((l) => /^ERROR:/.test(l)) ??
    lines.find((l) =>
      /(Connection|NewConnectionError|Could not find|Temporary failure|Max retries)/.test(l),
    );
  return oneLine((error ?? lines.pop() ?? 'unknown pip failure').replace(/^ERROR:\s*/, ''), 300);
}
