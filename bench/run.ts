/**
 * `npm run bench`: times compile, setup, prove and verify for each fixture,
 * median of several runs with peak memory, and writes bench/results.json and the docs tables.
 * BENCH_RUNS (default 3) and BENCH_FIXTURES (default mlp,cnn,two_input,wide; `real/<name>` for a
 * real model) adjust it. Rows of fixtures not measured in a run keep their earlier figures;
 * BENCH_TRAINING=skip and BENCH_MARKET=skip keep the earlier training and market tables.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { writeJsonAtomic } from '../src/core/files.js';
import { PACKAGE_ROOT } from '../src/core/paths.js';
import { EZKL_VERSION } from '../src/proof/engineVersion.js';
import { compileModel } from '../src/prover/compileModel.js';
import { proveInference } from '../src/prover/proveInference.js';
import { readMlp } from '../src/prover/training/mlpSpec.js';
import { replaceDocBlock } from './docBlocks.js';
import { measureMarketGas } from './marketGas.js';
import { measurePhase, median, type Measurement } from './measure.js';

const runs = Number(process.env.BENCH_RUNS ?? 3);
const fixtures = (process.env.BENCH_FIXTURES ?? 'mlp,cnn,two_input,wide').split(',');
const phaseScript = join(PACKAGE_ROOT, 'dist', 'bench', 'phase.js');

interface OnchainLayout {
  deployGas: number;
  registerVkaGas: number;
  runtimeSize: number;
  verifyGas: number;
}

interface Row {
  fixture: string;
  logrows: number;
  compileMs: number;
  setupMs: number;
  proveNativeMs: number;
  verifyMs: number;
  peakMiB: { compile: number; proveNative: number; verify: number };
  onchain: {
    layout: string;
    single?: OnchainLayout;
    reusable: OnchainLayout;
  };
  runs: number;
}

async function repeat(n: number, args: string[]): Promise<Measurement[]> {
  const out: Measurement[] = [];
  for (let i = 0; i < n; i++) out.push(await measurePhase(args));
  return out;
}

async function benchFixture(fixture: string): Promise<Row> {
  const work = mkdtempSync(join(tmpdir(), `pocompute-bench-${fixture.replace('/', '-')}-`));
  // phase.js writes <work>/<fixture>.proof: real/<name> needs its directory.
  mkdirSync(dirname(join(work, fixture)), { recursive: true });
  const args = (phase: string) => [phaseScript, phase, fixture, work];
  process.stderr.write(`bench ${fixture}: compile ×${runs}\n`);
  const compile = await repeat(runs, args('compile'));
  process.stderr.write(`bench ${fixture}: prove native ×${runs}\n`);
  const native = await repeat(runs, args('prove-native'));
  process.stderr.write(`bench ${fixture}: verify ×${runs}\n`);
  const verify = await repeat(runs, args('verify'));
  process.stderr.write(`bench ${fixture}: on-chain (deploy + verify gas)\n`);
  const [onchain] = await repeat(1, args('onchain'));
  const settings = JSON.parse(await readFile(join(work, `${fixture}.proof`), 'utf8')).artifacts;
  const max = (m: Measurement[]) => Math.max(...m.map((x) => x.peakMiB));
  return {
    fixture,
    logrows: settings.logrows,
    compileMs: median(compile.map((m) => m.timings.compile)),
    // No setup step when compile keeps the keys of the optimiser's acceptance proof (in `compile`).
    setupMs: median(compile.map((m) => m.timings.setup ?? 0)),
    proveNativeMs: median(native.map((m) => m.timings.prove)),
    verifyMs: median(verify.map((m) => m.timings.verify)),
    peakMiB: {
      compile: max(compile),
      proveNative: max(native),
      verify: max(verify),
    },
    onchain: {
      layout: onchain.timings.reusable ? 'reusable + VKA' : 'single',
      ...(onchain.timings.singleVerifyGas ? { single: layoutOf(onchain.timings, 'single') } : {}),
      reusable: layoutOf(onchain.timings, 'reusable'),
    },
    runs,
  };
}

function layoutOf(t: Record<string, number>, layout: 'single' | 'reusable'): OnchainLayout {
  return {
    deployGas: t[`${layout}DeployGas`],
    registerVkaGas: t[`${layout}RegisterVkaGas`],
    runtimeSize: t[`${layout}RuntimeSize`],
    verifyGas: t[`${layout}VerifyGas`],
  };
}

function renderTable(rows: Row[]): string {
  const s = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`);
  return [
    '| fixture | rows | compile | setup | prove | verify (in-process EVM) | peak memory: setup / prove / verify |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.fixture} | 2^${r.logrows} | ${s(r.compileMs)} | ${s(r.setupMs)} | ${s(r.proveNativeMs)} | ${s(r.verifyMs)} | ${r.peakMiB.compile} / ${r.peakMiB.proveNative} / ${r.peakMiB.verify} MiB |`,
    ),
    '',
    '| fixture | compile chose | single: deploy gas · runtime · verifyProof gas | reusable: deploy + registerVka gas · runtime · verifyProof gas |',
    '|---|---|---|---|',
    ...rows.map((r) => {
      const g = (n: number) => n.toLocaleString('en');
      const single = r.onchain.single
        ? `${g(r.onchain.single.deployGas)} · ${g(r.onchain.single.runtimeSize)} bytes · ${g(r.onchain.single.verifyGas)}`
        : 'over EIP-170: not deployable';
      const reusable = `${g(r.onchain.reusable.deployGas)} + ${g(r.onchain.reusable.registerVkaGas)} · ${g(r.onchain.reusable.runtimeSize)} bytes · ${g(r.onchain.reusable.verifyGas)}`;
      return `| ${r.fixture} | ${r.onchain.layout} | ${single} | ${reusable} |`;
    }),
  ].join('\n');
}

// EZKL's flow vs the circuit optimiser, side by side (its own table; BENCH_CIRCUITS=skip skips it).
if (process.env.BENCH_CIRCUITS !== 'skip') await import('./circuits.js');
if (process.env.BENCH_VERIFY !== 'skip') await import('./verifyCli.js');
const recordPath = join(PACKAGE_ROOT, 'bench', 'results.json');
const previous = existsSync(recordPath) ? JSON.parse(readFileSync(recordPath, 'utf8')) : undefined;
const measured: Row[] = [];
for (const fixture of fixtures) measured.push(await benchFixture(fixture));
// The fixtures measured now replace their earlier rows; the others keep theirs.
const earlierRows: Row[] = previous?.rows ?? [];
const rows = [
  ...earlierRows.map((r) => measured.find((m) => m.fixture === r.fixture) ?? r),
  ...measured.filter((m) => !earlierRows.some((r) => r.fixture === m.fixture)),
];
const skipTraining = process.env.BENCH_TRAINING === 'skip' && previous?.training;
const trainingRows: string[] = skipTraining ? previous.training : [];
for (const fixture of skipTraining ? [] : fixtures) {
  try {
    readMlp(readFileSync(join(PACKAGE_ROOT, 'fixtures', fixture, 'model.onnx')));
  } catch (error) {
    trainingRows.push(
      `| ${fixture} | — | n/a: ${(error as Error).message.replace(/\|/g, '/')} | | |`,
    );
    continue;
  }
  for (const loss of ['mse', 'cross-entropy']) {
    process.stderr.write(`bench ${fixture}: one proved training step (${loss})\n`);
    const work = mkdtempSync(join(tmpdir(), `pocompute-bench-train-${fixture}-`));
    const m = await measurePhase([phaseScript, `train-${loss}`, fixture, work]);
    trainingRows.push(
      `| ${fixture} | head | ${loss} | 2^${m.timings.logrows} | ${(m.timings.stepProve / 1000).toFixed(1)} s, peak ${m.peakMiB} MiB, max weight drift ${m.timings.drift.toExponential(1)} |`,
    );
  }
}
const trainingTable = [
  '| fixture | trainable layer | loss | step circuit | one step proof (native) |',
  '|---|---|---|---|---|',
  ...trainingRows,
].join('\n');
async function measureMarket(): Promise<{
  marketGas: Record<string, number>;
  marketGasReusable: Record<string, number>;
}> {
  if (process.env.BENCH_MARKET === 'skip' && previous?.marketGas)
    return { marketGas: previous.marketGas, marketGasReusable: previous.marketGasReusable };
  process.stderr.write('bench market: gas per call (mlp)\n');
  const mlpInput = join(PACKAGE_ROOT, 'fixtures', 'mlp', 'input.json');
  const mlpArtifacts = await compileModel({
    model: join(PACKAGE_ROOT, 'fixtures', 'mlp', 'model.onnx'),
    input: mlpInput,
  });
  const mlpBundle = (
    await proveInference({
      target: mlpArtifacts.dir,
      input: mlpInput,
      out: join(mkdtempSync(join(tmpdir(), 'pocompute-bench-')), 'mlp.proof'),
    })
  ).bundle;
  const marketGas = await measureMarketGas(mlpArtifacts, mlpBundle, mlpInput, 'single');
  process.stderr.write('bench market: gas per call (mlp, reusable verifier + VKA store)\n');
  const marketGasReusable = await measureMarketGas(mlpArtifacts, mlpBundle, mlpInput, 'reusable');
  return { marketGas, marketGasReusable };
}
const { marketGas, marketGasReusable } = await measureMarket();
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB`;
await writeJsonAtomic(join(PACKAGE_ROOT, 'bench', 'results.json'), {
  date: new Date().toISOString(),
  ezkl: EZKL_VERSION,
  machine,
  runs,
  rows,
  training: trainingRows,
  marketGas,
  marketGasReusable,
});
const marketTable = [
  '| PocomputeMarket call | gas used (single verifier) | gas used (reusable verifier + VKA store) |',
  '|---|---|---|',
  ...Object.entries(marketGas).map(
    ([call, gas]) =>
      `| ${call} | ${gas.toLocaleString('en')} | ${(marketGasReusable[call] ?? 0).toLocaleString('en')} |`,
  ),
].join('\n');
const runCounts = [...new Set(rows.map((r) => r.runs))].join(' or ');
const table = `${renderTable(rows)}\n\n${trainingTable}\n\nMedian of ${runCounts} runs (per row: bench/results.json) on ${machine}, EZKL ${EZKL_VERSION}, dev SRS. Peak memory is the largest process of the phase (Node or the EZKL Python worker).`;
await replaceDocBlock('bench', table);
await replaceDocBlock(
  'market-gas',
  `${marketTable}\n\nMeasured by \`npm run bench\` on anvil with the mlp fixture's real proof.`,
);
process.stdout.write(`${table}\n\n${marketTable}\n`);
