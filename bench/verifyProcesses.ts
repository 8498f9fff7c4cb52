import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/core/paths.js';
import { median, type SideBySide, sideBySide } from './sideBySide.js';
import type { VerifyCase } from './verifyCases.js';

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

// EZKL's own verify, as a user of its Python package calls it; os._exit as pocompute's worker
// does, because EZKL's pyo3 runtime can abort at interpreter shutdown.
const EZKL_VERIFY = `
import os, sys, ezkl
settings, vk, srs = sys.argv[1:4]
ok = all(ezkl.verify(p, settings, vk, srs, False) for p in sys.argv[4:])
sys.stdout.flush()
os._exit(0 if ok else 1)
`;

export interface ProcessFigures {
  /** One proof, one process each. */
  single: SideBySide & {
    /** The same `pocompute verify` from another build (BENCH_BEFORE_CLI), same alternations. */
    before?: { pocomputeMs: number; ratio: number };
  };
  /** `count` proofs in one process each (absent when not measured for this case). */
  batch?: SideBySide & { count: number };
}

export interface ProcessSides {
  python: string;
  /** bin/pocompute.js of another build (e.g. before a change), timed in the same alternations. */
  beforeCli?: string;
}

/**
 * Whole processes, side by side: `pocompute verify <bundle> --artifacts <dir> --json` against a
 * Python process calling ezkl.verify on the same proof with the same settings, vk and SRS, in
 * alternation (`runs` times), one proof each and, with `batch`, that many in one process.
 */
export async function measureVerifyProcesses(params: {
  verifyCase: VerifyCase;
  sides: ProcessSides;
  runs: number;
  batch?: number;
}): Promise<ProcessFigures> {
  const { verifyCase: c, sides, runs } = params;
  const key = [c.settings, c.vk, c.srs];
  const pocompute = (cli: string, bundles: string[]) =>
    timeProcess(process.execPath, [
      cli,
      'verify',
      ...bundles,
      '--artifacts',
      c.artifactsDir,
      '--json',
    ]);
  const ezkl = (proofs: string[]) =>
    timeProcess(sides.python, ['-c', EZKL_VERIFY, ...key, ...proofs]);
  const cli = join(PACKAGE_ROOT, 'bin', 'pocompute.js');

  const copies = params.batch ? batchCopies(c, params.batch) : undefined;
  const s = { p1: [] as number[], b1: [] as number[], e1: [] as number[] };
  const n = { p: [] as number[], e: [] as number[] };
  // One unrecorded round first: file caches warm for both sides.
  await pocompute(cli, [c.bundle]);
  await ezkl([c.proof]);
  for (let i = 0; i < runs; i++) {
    s.p1.push(await pocompute(cli, [c.bundle]));
    s.e1.push(await ezkl([c.proof]));
    if (sides.beforeCli) s.b1.push(await pocompute(sides.beforeCli, [c.bundle]));
    if (copies) {
      n.p.push(await pocompute(cli, copies.bundles));
      n.e.push(await ezkl(copies.proofs));
    }
  }
  const single = sideBySide(s.p1, s.e1);
  return {
    single: sides.beforeCli
      ? {
          ...single,
          before: {
            pocomputeMs: Number(median(s.b1).toFixed(2)),
            ratio: sideBySide(s.b1, s.e1).ratio,
          },
        }
      : single,
    ...(copies ? { batch: { ...sideBySide(n.p, n.e), count: copies.bundles.length } } : {}),
  };
}

/** `count` copies of the case's bundle and proof, under distinct names. */
function batchCopies(c: VerifyCase, count: number) {
  const dir = join(c.bundle, '..', 'batch');
  mkdirSync(dir, { recursive: true });
  const bundles = Array.from({ length: count }, (_, i) => join(dir, `b${i}.bundle.json`));
  const proofs = Array.from({ length: count }, (_, i) => join(dir, `p${i}.json`));
  for (const b of bundles) copyFileSync(c.bundle, b);
  for (const p of proofs) copyFileSync(c.proof, p);
  return { bundles, proofs };
}

/**
 * What an empty process costs each side (node with no script; Python importing ezkl), alternated:
 * the floor under every whole-process figure.
 */
export async function measureEmptyProcesses(python: string, runs: number) {
  const node: number[] = [];
  const py: number[] = [];
  for (let i = 0; i < runs; i++) {
    node.push(await timeProcess(process.execPath, ['-e', '0']));
    py.push(await timeProcess(python, ['-c', 'import os, ezkl; os._exit(0)']));
  }
  return {
    nodeMs: Number(median(node).toFixed(1)),
    pythonImportEzklMs: Number(median(py).toFixed(1)),
  };
}
