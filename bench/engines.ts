/**
 * `npm run bench:engines` (issue 22, item 4): EZKL 21.0.0 against 23.0.5 on the real models, side
 * by side in one run. On each engine, EZKL's own flow (bench/ezklFlow.py: settings with
 * calibration "resources", setup, witness + prove, verify), one phase per process so that each
 * phase's peak memory is its own; then pocompute's compile and cached prove on 23. EZKL 21 lives
 * in a bench-only venv (bench/.work/ezkl21), never in pocompute. BENCH_ENGINE_MODELS (comma list
 * of fixtures/real names) adjusts it. Writes bench/engines.json and the docs table between the
 * bench-engines markers.
 */
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { writeJsonAtomic } from '../src/core/files.js';
import { fixturePath, PACKAGE_ROOT } from '../src/core/paths.js';
import { runProcess, venvPython } from '../src/engine/managedVenv.js';
import { getPythonEngine } from '../src/engine/pythonEngine.js';
import { EZKL_VERSION } from '../src/proof/engineVersion.js';
import { markdownTable, replaceDocBlock } from './docBlocks.js';
import { type Measurement, measureCommand, measurePhase } from './measure.js';

const OLD = '21.0.0';
const models = (
  process.env.BENCH_ENGINE_MODELS ?? 'lenet5,lenet,transformer_block,mlp_784_56_10'
).split(',');
const flowScript = join(PACKAGE_ROOT, 'bench', 'ezklFlow.py');
const phaseScript = join(PACKAGE_ROOT, 'dist', 'bench', 'phase.js');

async function oldEnginePython(): Promise<string> {
  const dir = join(PACKAGE_ROOT, 'bench', '.work', `ezkl${OLD.split('.')[0]}`);
  const python = join(dir, 'bin', 'python');
  if (existsSync(python)) return python;
  process.stderr.write(`bench engines: a venv with ezkl==${OLD} (bench only) in ${dir}\n`);
  mkdirSync(dir, { recursive: true });
  for (const [command, args] of [
    ['python3', ['-m', 'venv', dir]],
    [python, ['-m', 'pip', 'install', '--disable-pip-version-check', `ezkl==${OLD}`]],
  ] as const) {
    const result = await runProcess(command, [...args]);
    if (result.code !== 0)
      throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr.slice(-2000)}`);
  }
  return python;
}

interface EngineRow {
  version: string;
  logrows: number;
  rows: number;
  settingsS: number;
  setupS: number;
  proveS: number;
  peakSetupMiB: number;
  peakProveMiB: number;
}

async function ezklFlow(python: string, name: string): Promise<EngineRow> {
  const work = mkdtempSync(join(tmpdir(), `pocompute-bench-engines-${name}-`));
  const run = (phase: string): Promise<Measurement> =>
    measureCommand(python, [
      flowScript,
      phase,
      fixturePath('real', name, 'model.onnx'),
      fixturePath('real', name, 'input.json'),
      work,
    ]);
  const settings = await run('settings');
  const setup = await run('setup');
  const prove = await run('prove');
  await run('verify');
  return {
    version: String(settings.timings.version),
    logrows: settings.timings.logrows,
    rows: settings.timings.rows,
    settingsS: settings.timings.settings,
    setupS: setup.timings.setup,
    proveS: prove.timings.prove,
    peakSetupMiB: setup.peakMiB,
    peakProveMiB: prove.peakMiB,
  };
}

interface PocomputeRow {
  logrows: number;
  compileS: number;
  proveS: number;
  peakCompileMiB: number;
  peakProveMiB: number;
}

async function pocomputeFlow(name: string): Promise<PocomputeRow> {
  const work = mkdtempSync(join(tmpdir(), `pocompute-bench-engines-pc-${name}-`));
  mkdirSync(join(work, 'real'), { recursive: true });
  const fixture = `real/${name}`;
  const compile = await measurePhase([phaseScript, 'compile', fixture, work]);
  const prove = await measurePhase([phaseScript, 'prove-native', fixture, work]);
  const bundle = JSON.parse(await readFile(join(work, `${fixture}.proof`), 'utf8'));
  return {
    logrows: bundle.settings.run_args.logrows,
    compileS: compile.ms / 1000,
    proveS: prove.timings.prove / 1000,
    peakCompileMiB: compile.peakMiB,
    peakProveMiB: prove.peakMiB,
  };
}

await getPythonEngine(); // the managed 23 venv, installed if it is not yet
const engines = { [OLD]: await oldEnginePython(), [EZKL_VERSION]: venvPython() };
interface ModelResult {
  model: string;
  /** When and where this model was measured (a run may measure some models: BENCH_ENGINE_MODELS). */
  date: string;
  machine: string;
  old: EngineRow;
  current: EngineRow;
  pocompute: PocomputeRow;
}
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB`;
const recordPath = join(PACKAGE_ROOT, 'bench', 'engines.json');
const previous: ModelResult[] = existsSync(recordPath)
  ? JSON.parse(await readFile(recordPath, 'utf8')).results
  : [];
const measured: ModelResult[] = [];
for (const model of models) {
  process.stderr.write(`bench engines ${model}: EZKL ${OLD}'s flow\n`);
  const old = await ezklFlow(engines[OLD], model);
  process.stderr.write(`bench engines ${model}: EZKL ${EZKL_VERSION}'s flow\n`);
  const current = await ezklFlow(engines[EZKL_VERSION], model);
  process.stderr.write(`bench engines ${model}: pocompute compile + prove (${EZKL_VERSION})\n`);
  const pocompute = await pocomputeFlow(model);
  measured.push({ model, date: new Date().toISOString(), machine, old, current, pocompute });
}
// The models measured now replace their earlier rows; the others keep theirs (and their dates).
const results = [
  ...previous.map((r) => measured.find((m) => m.model === r.model) ?? r),
  ...measured.filter((m) => !previous.some((r) => r.model === m.model)),
];

const s = (x: number) => `${x.toFixed(1)} s`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
const rowsOf = (r: EngineRow) => `2^${r.logrows} (${r.rows.toLocaleString('en')} rows)`;
const peak = (r: EngineRow) => Math.max(r.peakProveMiB, r.peakSetupMiB);
const table = markdownTable([
  [
    'model',
    `EZKL ${OLD} circuit`,
    `EZKL ${EZKL_VERSION} circuit`,
    `setup ${OLD} / ${EZKL_VERSION}`,
    `prove ${OLD} / ${EZKL_VERSION}`,
    `prove faster on ${EZKL_VERSION}`,
    `peak prove memory ${EZKL_VERSION} ÷ ${OLD}`,
    `pocompute prove (${EZKL_VERSION}, its circuit)`,
  ],
  ...results.map(({ model, old, current, pocompute }) => [
    model,
    rowsOf(old),
    rowsOf(current),
    `${s(old.setupS)} / ${s(current.setupS)}`,
    `${s(old.proveS)} / ${s(current.proveS)}`,
    ratio(old.proveS, current.proveS),
    `${(peak(current) / peak(old)).toFixed(2)}× (${peak(current)} / ${peak(old)} MiB)`,
    `2^${pocompute.logrows}: ${s(pocompute.proveS)}, peak ${pocompute.peakProveMiB} MiB (${ratio(old.proveS, pocompute.proveS)} faster than ${OLD}'s flow)`,
  ]),
]);
const note = `Measured by \`npm run bench:engines\` on ${[...new Set(results.map((r) => r.machine))].join('; ')}, each model's three flows side by side in one run (date and machine per model in bench/engines.json), dev SRS: EZKL's own flow (calibration "resources", public input and output, fixed params) on each engine, one process per phase; peak memory is the larger of setup and prove. Shared machine: compare ratios.`;
await writeJsonAtomic(recordPath, { results });
await replaceDocBlock('bench-engines', `${table}\n\n${note}`);
process.stdout.write(`${table}\n\n${note}\n`);
