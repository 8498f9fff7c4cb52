import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/core/paths.js';
import { openArtifacts } from '../src/prover/artifacts.js';
import { median } from './measure.js';

export interface VerifyProcessFigures {
  /** One bundle, one process each: `pocompute verify` vs a Python process calling ezkl.verify. */
  single: { pocomputeMs: number; ezklPythonMs: number; ratio: number };
  /** `batch` bundles in one process each. */
  batch: { count: number; pocomputeMs: number; ezklPythonMs: number; ratio: number };
  runs: number;
}

/** Wall time of one process, from spawn to exit (it must exit 0). */
function timeProcess(command: string, args: string[]): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(performance.now() - started)
        : reject(new Error(`${command} ${args.slice(0, 3).join(' ')} exited ${code}: ${stderr}`)),
    );
  });
}

// EZKL's own verify, as a user of its Python package would call it; os._exit as pocompute's worker
// does, because EZKL's pyo3 runtime can abort at interpreter shutdown.
const EZKL_VERIFY = `
import os, sys, ezkl
settings, vk, srs = sys.argv[1:4]
ok = all(ezkl.verify(p, settings, vk, srs, False) for p in sys.argv[4:])
sys.stdout.flush()
os._exit(0 if ok else 1)
`;

/**
 * CI's view of verification: whole processes, side by side in one run, against EZKL's Python
 * verify of the same proofs with the same key, settings and SRS.
 */
export async function measureVerifyProcesses(params: {
  bundle: string;
  artifactsDir: string;
  python: string;
  runs: number;
  batch: number;
}): Promise<VerifyProcessFigures> {
  const artifacts = await openArtifacts(params.artifactsDir);
  const work = mkdtempSync(join(tmpdir(), 'pocompute-bench-verify-'));
  const proof = join(work, 'proof.json');
  writeFileSync(proof, JSON.stringify(JSON.parse(readFileSync(params.bundle, 'utf8')).proof));
  const bundles = Array.from({ length: params.batch }, (_, i) => join(work, `b${i}.proof`));
  const proofs = Array.from({ length: params.batch }, (_, i) => join(work, `p${i}.json`));
  for (const b of bundles) copyFileSync(params.bundle, b);
  for (const p of proofs) copyFileSync(proof, p);
  const cli = join(PACKAGE_ROOT, 'bin', 'pocompute.js');
  const key = [
    artifacts.path('settings.json'),
    artifacts.path('vk.key'),
    artifacts.manifest.srs.path,
  ];
  const pocompute = (files: string[]) =>
    timeProcess(process.execPath, [
      cli,
      'verify',
      ...files,
      '--artifacts',
      artifacts.dir,
      '--json',
    ]);
  const ezkl = (files: string[]) =>
    timeProcess(params.python, ['-c', EZKL_VERIFY, ...key, ...files]);

  const samples = {
    p1: [] as number[],
    e1: [] as number[],
    pn: [] as number[],
    en: [] as number[],
  };
  // Interleaved, so that both sides see the same machine load.
  for (let i = 0; i < params.runs; i++) {
    samples.p1.push(await pocompute([params.bundle]));
    samples.e1.push(await ezkl([proof]));
    samples.pn.push(await pocompute(bundles));
    samples.en.push(await ezkl(proofs));
  }
  const [p1, e1, pn, en] = [samples.p1, samples.e1, samples.pn, samples.en].map(median);
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  return {
    single: { pocomputeMs: p1, ezklPythonMs: e1, ratio: ratio(p1, e1) },
    batch: { count: params.batch, pocomputeMs: pn, ezklPythonMs: en, ratio: ratio(pn, en) },
    runs: params.runs,
  };
}
