import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { resolveConfig } from '../core/config.js';
import { PocomputeError, oneLine } from '../core/errors.js';
import { PACKAGE_ROOT, homePaths } from '../core/paths.js';
import type { Reporter } from '../core/output.js';
import { makeWorkDir, onInterrupt, sweepStaleTemps } from '../core/tempDirs.js';
import {
  inspectManagedVenv,
  installManagedVenv,
  type ProcessResult,
  spawnProcess,
  venvDir,
} from './managedVenv.js';
import { inspectModel } from '../proof/inspectModel.js';
import { EZKL_VERSION } from '../proof/engineVersion.js';

export interface EzklOp {
  op: string;
  args?: Record<string, unknown>;
}

export interface PythonEngine {
  python: string;
  source: 'managed-venv' | 'user';
  /**
   * Runs ops in one Python process, in order; returns each op's value. `options.timings` gets each
   * op that finished and its own time in ms (also when a later op fails: which one failed is the
   * first op not in it).
   */
  run(ops: EzklOp[], options?: EngineRunOptions): Promise<unknown[]>;
}

export interface EngineRunOptions {
  /** Filled with op name → ms (summed over ops of one name) for every op that finished. */
  timings?: Record<string, number>;
  /**
   * Called once the Python process is started: synchronous work done here (loading solc) runs
   * while EZKL works, not before or after it.
   */
  onStarted?: () => void;
  /** Stops the EZKL process (SIGKILL): its run then fails, and nothing it wrote is read. */
  signal?: AbortSignal;
}

const WORKER = join(PACKAGE_ROOT, 'src', 'engine', 'ezkl_worker.py');
let cached: Promise<PythonEngine> | undefined;

/**
 * The native EZKL engine: the user's interpreter (POCOMPUTE_PYTHON or config `python`) or the managed
 * venv, installed on first use with a visible step. Resolved once per process.
 */
export function getPythonEngine(reporter?: Reporter): Promise<PythonEngine> {
  cached ??= resolvePythonEngine(reporter).catch((error) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

async function resolvePythonEngine(reporter?: Reporter): Promise<PythonEngine> {
  const { python: userPython } = await resolveConfig();
  if (userPython) {
    const engine = makeEngine(userPython, 'user');
    const [version] = (await engine.run([{ op: 'version' }]).catch((error: PocomputeError) => {
      throw new PocomputeError(
        'ENGINE_MISSING',
        `POCOMPUTE_PYTHON=${userPython} cannot run EZKL: ${error.message}`,
        { cause: error },
      );
    })) as { ezkl: string }[];
    if (version.ezkl !== EZKL_VERSION) {
      throw new PocomputeError(
        'ENGINE_MISSING',
        `${userPython} has ezkl ${version.ezkl}, pocompute needs ezkl==${EZKL_VERSION}`,
        {
          hint: `Run \`${userPython} -m pip install ezkl==${EZKL_VERSION}\`, or unset POCOMPUTE_PYTHON to use the managed venv.`,
        },
      );
    }
    return engine;
  }
  await sweepStaleTemps([dirname(venvDir())]); // a killed install's venv.tmp-<pid>-…
  let status = await inspectManagedVenv();
  if (status.state !== 'ready') {
    const why =
      status.state === 'broken'
        ? `repairing the managed EZKL venv (${status.detail})`
        : 'installing EZKL';
    const install = () => installManagedVenv();
    status = reporter
      ? await reporter.step(
          `${why[0].toUpperCase()}${why.slice(1)} ${EZKL_VERSION} into ${status.path} (first run only)`,
          install,
          'engineInstall',
        )
      : await install();
  }
  return makeEngine(status.python, 'managed-venv');
}

function makeEngine(python: string, source: PythonEngine['source']): PythonEngine {
  return { python, source, run: (ops, options) => runWorker(python, ops, options) };
}

/**
 * A worker process started before its ops are known: Python starts and imports EZKL (~50 ms, more
 * on a busy machine) while the caller still reads and checks its files; `run` then sends the ops.
 */
interface StartedWorker {
  python: string;
  /** Sends the ops (once) and waits for the process's end and its result. */
  run(ops: EzklOp[], options: EngineRunOptions): Promise<unknown[]>;
  /** Ends a worker that was never given ops: it exits on its closed stdin. */
  cancel(): void;
}

/** Started by prestartPythonWorker for the next `run` of the same interpreter; used once. */
let spare: StartedWorker | undefined;
let prestarting: Promise<void> | undefined;
/** Bumped by each cancel: a prestart still resolving the engine then ends what it starts. */
let generation = 0;

/**
 * Starts the next EZKL worker now, for a caller about to run ops (prove: its worker's start-up
 * overlaps the artifacts' checks). Only an engine that is ready is started: one that must be
 * installed, or a user interpreter that fails its version check, is left to the `getPythonEngine`
 * call that reports it, in its place. Never throws; a spare never used ends with the process.
 */
export function prestartPythonWorker(): void {
  if (spare || prestarting) return;
  const mine = generation;
  prestarting = (async () => {
    const { python: userPython } = await resolveConfig();
    if (!userPython && (await inspectManagedVenv()).state !== 'ready') return;
    const { python } = await getPythonEngine();
    if (generation !== mine) return;
    spare = startWorker(python);
  })()
    .catch(() => undefined)
    .finally(() => {
      prestarting = undefined;
    });
}

/** Ends the spare worker, if one was started and not used (prove's run failed before EZKL). */
export function cancelPrestartedWorker(): void {
  generation += 1;
  spare?.cancel();
  spare = undefined;
}

async function runWorker(
  python: string,
  ops: EzklOp[],
  options: EngineRunOptions = {},
): Promise<unknown[]> {
  let worker = spare?.python === python ? spare : undefined;
  if (worker) spare = undefined;
  worker ??= startWorker(python);
  return worker.run(ops, options);
}

/**
 * Python with EZKL imported, waiting for its ops on stdin; its result comes back in a file, in a
 * directory made when the ops are sent (so a worker never given ops leaves nothing on disk).
 */
function startWorker(python: string): StartedWorker {
  // HOME points at pocompute's engine home, where the npm-solc shim stands in for svm's solc 0.8.20.
  const env = {
    ...process.env,
    HOME: homePaths.engine(),
    RUST_LOG: process.env.RUST_LOG ?? 'error',
  };
  const { child, done } = spawnProcess(python, [WORKER, '-'], env, { stdin: 'pipe' });
  // A spare never given ops does not keep this process alive (it exits on its closed stdin).
  const handles = [child, child.stdin, child.stdout, child.stderr] as unknown as {
    unref?(): void;
    ref?(): void;
  }[];
  for (const handle of handles) handle?.unref?.();
  const ended = done.then(
    (proc) => ({ proc }),
    (error: Error) => ({ error }),
  );
  let used = false;
  return {
    python,
    cancel: () => {
      if (used) return;
      used = true;
      child.stdin?.end();
    },
    run: async (ops, options) => {
      if (used) throw new Error('an EZKL worker runs one batch of ops');
      used = true;
      for (const handle of handles) handle?.ref?.();
      const work = await makeWorkDir('pocompute-ezkl').catch((error) => {
        child.stdin?.end();
        throw error;
      });
      // On SIGINT/SIGTERM the worker is stopped before its directories are removed.
      const disposeKill = onInterrupt(() => child.kill('SIGKILL'));
      const abort = () => child.kill('SIGKILL');
      if (options.signal?.aborted) abort();
      options.signal?.addEventListener('abort', abort, { once: true });
      try {
        const resultPath = join(work.path, 'result.json');
        child.stdin?.end(JSON.stringify({ ops, result: resultPath }));
        // EZKL works in its own process from here: the caller may use this thread meanwhile.
        options.onStarted?.();
        const outcome = await ended;
        if ('error' in outcome) {
          throw new PocomputeError(
            'ENGINE_MISSING',
            `cannot start the EZKL engine (${python}): ${outcome.error.message}`,
            { cause: outcome.error },
          );
        }
        return await workerResult(outcome.proc, resultPath, ops, options);
      } finally {
        options.signal?.removeEventListener('abort', abort);
        disposeKill();
        await work.remove();
      }
    },
  };
}

async function workerResult(
  proc: ProcessResult,
  resultPath: string,
  ops: EzklOp[],
  options: EngineRunOptions,
): Promise<unknown[]> {
  let result: {
    results: { op: string; value: unknown; ms?: number }[];
    error: null | { op: string; type: string; message: string };
  };
  try {
    result = JSON.parse(await readFile(resultPath, 'utf8'));
  } catch {
    const tail = oneLine((proc.stderr || proc.stdout).trim().split('\n').slice(-3).join(' '));
    throw new PocomputeError(
      'ENGINE_MISSING',
      `the EZKL engine exited (code ${proc.code}) without a result: ${tail || 'no output'}`,
    );
  }
  const { timings } = options;
  if (timings) for (const r of result.results) timings[r.op] = (timings[r.op] ?? 0) + (r.ms ?? 0);
  if (result.error) {
    const failed = ops.find((o) => o.op === result.error?.op);
    const model = typeof failed?.args?.model === 'string' ? failed.args.model : undefined;
    const modelOps = model
      ? await inspectModel(model).then(
          (m) => m.ops,
          () => undefined,
        )
      : undefined;
    throw engineError(result.error, `${proc.stdout}\n${proc.stderr}`, modelOps);
  }
  return result.results.map((r) => r.value);
}

/**
 * EZKL's own words are kept; an op it cannot turn into a circuit is a model problem (an EZKL
 * limit), not an engine failure. EZKL's Python error for an unknown op is often just "General
 * synthesis error": the op's name is in its log ("Unknown op: TreeEnsembleClassifier"), or in the
 * message ("Unimplemented(Det)").
 */
export function engineError(
  error: { op: string; type: string; message: string },
  log = '',
  modelOps?: string[],
): PocomputeError {
  const message = `EZKL ${error.op} failed: ${error.message}`;
  const translating = ['gen_settings', 'calibrate_settings', 'compile_circuit'].includes(error.op);
  const logged = unsupportedOps(`${error.message}\n${log}`);
  // EZKL also logs internal ops of its ONNX reader (TreeEnsembleClassifier → DirectLookup): name
  // the model's own ops when some were logged.
  const own = logged.filter((op) => modelOps?.includes(op));
  const ops = own.length ? own : logged;
  const unsupported =
    ops.length > 0 ||
    /unsupported|unimplemented|unknown op|not implemented|requested node is missing/i.test(
      `${error.message}\n${log}`,
    );
  if (translating && unsupported) {
    const named = ops.length
      ? `it does not support the op${ops.length > 1 ? 's' : ''} ${ops.join(', ')}`
      : 'it cannot translate part of the graph';
    return new PocomputeError(
      'ONNX_UNSUPPORTED',
      `EZKL ${EZKL_VERSION} cannot prove this model: ${named} ` +
        `(an EZKL limit, not a pocompute one). ${message}`,
    );
  }
  return new PocomputeError('ENGINE_FAILED', message);
}

/** Op names EZKL reports it cannot handle, in its error message or its log. */
function unsupportedOps(text: string): string[] {
  const found = [
    ...text.matchAll(/Unknown op:\s*([A-Za-z][\w.]*)/g),
    ...text.matchAll(/Unimplemented\(\s*([A-Za-z][\w.]*)/g),
    ...text.matchAll(/unsupported op(?:eration)?[: ]+([A-Z][\w.]*)/g),
  ].map((m) => m[1]);
  return [...new Set(found)];
}

export function resetPythonEngine(): void {
  cached = undefined;
  cancelPrestartedWorker();
}
