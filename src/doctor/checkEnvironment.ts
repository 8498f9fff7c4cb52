import { existsSync, readdirSync } from 'node:fs';
import { resolveConfig } from '../core/config.js';
import { homePaths } from '../core/paths.js';
import { getPythonEngine } from '../engine/pythonEngine.js';
import {
  canMakeVenv,
  defaultBootstrapPython,
  inspectManagedVenv,
  NO_VENV_HINT,
} from '../engine/managedVenv.js';
import { EZKL_VERSION } from '../proof/engineVersion.js';
import { bn254Backend } from '../proof/evm.js';

export interface EnvironmentCheck {
  part: string;
  status: 'ok' | 'missing' | 'error';
  detail: string;
  hint?: string;
}

/** What `pocompute doctor` reports: each part pocompute needs, and what to do about a missing one. */
export async function checkEnvironment(): Promise<EnvironmentCheck[]> {
  const checks: EnvironmentCheck[] = [];
  const major = Number(process.versions.node.split('.')[0]);
  checks.push({
    part: 'node',
    status: major >= 20 ? 'ok' : 'error',
    detail: process.version,
    hint: major >= 20 ? undefined : 'Install Node.js 20 or newer.',
  });

  const config = await resolveConfig();
  const venv = await inspectManagedVenv();
  if (config.python) {
    checks.push({
      part: 'python',
      status: 'ok',
      detail: `${config.python} (POCOMPUTE_PYTHON or config)`,
    });
  } else if (venv.state !== 'ready' && !(await canMakeVenv())) {
    checks.push({
      part: 'python',
      status: 'error',
      detail: `managed venv ${venv.state}, and ${defaultBootstrapPython()} cannot make one (no python3 with venv)`,
      hint: NO_VENV_HINT,
    });
  } else {
    checks.push({
      part: 'python',
      status: venv.state === 'ready' ? 'ok' : 'missing',
      detail:
        venv.state === 'ready'
          ? `managed venv ${venv.path}`
          : `managed venv ${venv.state}${venv.detail ? `: ${venv.detail}` : ''}`,
      hint:
        venv.state === 'ready'
          ? undefined
          : 'Run `pocompute engine install` (or any prove/compile installs it on first use).',
    });
  }
  if (config.python || venv.state === 'ready') {
    try {
      const engine = await getPythonEngine();
      const [version] = (await engine.run([{ op: 'version' }])) as {
        ezkl: string;
        python: string;
      }[];
      checks.push({
        part: 'ezkl (python)',
        status: version.ezkl === EZKL_VERSION ? 'ok' : 'error',
        detail: `ezkl ${version.ezkl} on Python ${version.python}`,
        hint: version.ezkl === EZKL_VERSION ? undefined : `pocompute needs ezkl==${EZKL_VERSION}.`,
      });
    } catch (error) {
      checks.push({
        part: 'ezkl (python)',
        status: 'error',
        detail: (error as Error).message,
        hint: 'Run `pocompute engine install --force`.',
      });
    }
  } else {
    checks.push({
      part: 'ezkl (python)',
      status: 'missing',
      detail: 'not installed',
      hint: 'Run `pocompute engine install`.',
    });
  }
  try {
    checks.push({
      part: 'verifier (in-process EVM)',
      status: 'ok',
      detail: `loads, BN254 backend ${await bn254Backend()}`,
    });
  } catch (error) {
    checks.push({
      part: 'verifier (in-process EVM)',
      status: 'error',
      detail: (error as Error).message,
      hint: 'Reinstall with `npm ci`.',
    });
  }
  checks.push(await checkAnvil(), await checkSolc(), await checkOnnxRuntime());
  const srsFiles = existsSync(homePaths.srs())
    ? readdirSync(homePaths.srs()).filter((f) => f.endsWith('.srs'))
    : [];
  checks.push({
    part: 'srs cache',
    status: 'ok',
    detail: srsFiles.length
      ? `${homePaths.srs()}: ${srsFiles.join(', ')}`
      : `${homePaths.srs()} (empty; SRS files are made or fetched on first compile)`,
  });
  return checks;
}

/** Runs a part's check; a failure becomes an 'error' row with the part's own hint. */
async function probe(
  part: string,
  hint: string,
  check: () => Promise<string>,
  status: 'missing' | 'error' = 'error',
): Promise<EnvironmentCheck> {
  try {
    return { part, status: 'ok', detail: await check() };
  } catch (error) {
    return { part, status, detail: (error as Error).message.split('\n')[0], hint };
  }
}

const checkAnvil = () =>
  probe(
    'anvil (local chain)',
    'Reinstall with `npm ci` (@foundry-rs/anvil ships the binary).',
    async () => {
      const { anvilBinary } = await import('../chain/anvil.js');
      const { execFile } = await import('node:child_process');
      const binary = anvilBinary();
      const version = await new Promise<string>((resolve, reject) =>
        execFile(binary, ['--version'], { timeout: 10_000 }, (error, stdout) =>
          error ? reject(error) : resolve(stdout.split('\n')[0]),
        ),
      );
      return `${version} (${binary})`;
    },
  );

const checkSolc = () =>
  probe('solc', 'Reinstall with `npm ci` (the npm solc 0.8.20 package).', async () => {
    const { solcVersion } = await import('../chain/solc.js');
    return `npm solc ${solcVersion()} (verifiers and the market contract)`;
  });

const checkOnnxRuntime = () =>
  probe(
    'onnxruntime (float reference)',
    'Reinstall with `npm ci` (onnxruntime-web is a dependency): quantization-error reports and the optimiser need it; proofs do not.',
    async () => {
      const { loadOnnxRuntime } = await import('../prover/onnx/runFloatModel.js');
      const ort = await loadOnnxRuntime();
      return `onnxruntime-web ${ort.env.versions?.web ?? ''} loads`.replace(/ +loads/, ' loads');
    },
  );
