/**
 * `npm run bench:verify` (also run by `npm run bench`): CI's view of verification — whole
 * processes, `pocompute verify` against EZKL's Python verify of the same proofs, side by side,
 * one bundle and 20 bundles per process. Writes bench/verify.json and the README block.
 */
import { mkdtempSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeJsonAtomic } from '../src/core/files.js';
import { fixturePath, PACKAGE_ROOT } from '../src/core/paths.js';
import { getPythonEngine } from '../src/prover/engine/pythonEngine.js';
import { proveInference } from '../src/prover/proveInference.js';
import { measureVerifyProcesses } from './verifyProcesses.js';

const runs = Number(process.env.BENCH_RUNS ?? 5);
const proved = await proveInference({
  target: fixturePath('mlp', 'model.onnx'),
  input: fixturePath('mlp', 'input.json'),
  out: join(mkdtempSync(join(tmpdir(), 'pocompute-bench-verify-')), 'mlp.proof'),
});
const { python } = await getPythonEngine();
const figures = await measureVerifyProcesses({
  bundle: proved.bundlePath,
  artifactsDir: proved.artifacts.dir,
  python,
  runs,
  batch: 20,
});
const logrows = proved.artifacts.manifest.circuit.logrows;
await writeJsonAtomic(join(PACKAGE_ROOT, 'bench', 'verify.json'), {
  date: new Date().toISOString(),
  fixture: 'mlp',
  logrows,
  ...figures,
});
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const table = [
  `| mlp fixture (2^${logrows} rows) | \`pocompute verify\` | EZKL Python \`verify\` | ratio |`,
  '|---|---|---|---|',
  `| 1 bundle, one process | ${s(figures.single.pocomputeMs)} | ${s(figures.single.ezklPythonMs)} | ${figures.single.ratio}× |`,
  `| ${figures.batch.count} bundles, one process | ${s(figures.batch.pocomputeMs)} | ${s(figures.batch.ezklPythonMs)} | ${figures.batch.ratio}× |`,
  '',
  `Whole processes, median of ${runs} interleaved runs, \`--artifacts\` (pocompute) and the same vk, settings and SRS (EZKL). Measured by \`npm run bench:verify\`.`,
].join('\n');
const readmePath = join(PACKAGE_ROOT, 'README.md');
const readme = await readFile(readmePath, 'utf8');
await writeFile(
  readmePath,
  readme.replace(
    /<!-- bench-verify:start -->[\s\S]*<!-- bench-verify:end -->/,
    `<!-- bench-verify:start -->\n${table}\n<!-- bench-verify:end -->`,
  ),
);
process.stdout.write(`${table}\n`);
