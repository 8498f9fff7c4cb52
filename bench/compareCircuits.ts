/**
 * EZKL's own flow (gen_settings + calibrate_settings "resources" / "accuracy") against pocompute's
 * circuit optimiser, side by side in one run, for one model: logrows, the cost estimate, prove
 * CPU / wall / peak memory (the EZKL prove process alone, measured from outside), Node verify
 * time (the in-process EVM running EZKL's Solidity verifier, warm, per proof), the largest error against onnxruntime and the on-chain verifyProof gas.
 */
import { mkdtempSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { withChain } from '../src/chain/chainContext.js';
import { writeJsonAtomic } from '../src/core/files.js';
import { PACKAGE_ROOT } from '../src/core/paths.js';
import type { CompileOptions } from '../src/proof/artifactsManifest.js';
import { compileModel } from '../src/prover/compileModel.js';
import type { CompileResult } from '../src/proof/artifacts.js';
import { getPythonEngine } from '../src/engine/pythonEngine.js';
import { EZKL_VERSION } from '../src/proof/engineVersion.js';
import { loadInputs } from '../src/prover/inputs.js';
import { inspectModel } from '../src/proof/inspectModel.js';
import { estimateProveCost } from '../src/prover/optimizer/costModel.js';
import { proveInference } from '../src/prover/proveInference.js';
import { deployVerifier } from '../src/verifier/deployVerifier.js';
import { verifyBundle } from '../src/verifier/verifyBundle.js';
import { verifyOnchain } from '../src/verifier/verifyOnchain.js';
import { replaceDocBlock } from './docBlocks.js';
import { measureCommand, median } from './measure.js';

export const FLOWS = ['resources', 'accuracy', 'optimizer'] as const;
export type Flow = (typeof FLOWS)[number];

export interface FlowRow {
  model: string;
  flow: Flow;
  logrows: number;
  numRows: number;
  estimatedCost: number;
  compileMs: number;
  proveCpuMs: number;
  proveWallMs: number;
  provePeakMiB: number;
  verifyMs: number;
  maxAbsError: number;
  maxRelError: number;
  verifyGas: number;
  choice: string;
}

export interface CompareTarget {
  /** Row label. */
  name: string;
  model: string;
  input: string;
  options?: Partial<CompileOptions>;
}

const flowOptions = (flow: Flow): Partial<CompileOptions> =>
  flow === 'optimizer' ? {} : { optimizer: 'off', calibrationTarget: flow };

export async function compareCircuits(
  target: CompareTarget,
  runs: number,
): Promise<{
  rows: FlowRow[];
  artifacts: Partial<Record<Flow, CompileResult>>;
  failures: string[];
  /** Holds every flow's artifacts (proving keys of GBs for large models): the caller removes it. */
  work: string;
}> {
  const work = mkdtempSync(join(tmpdir(), `pocompute-compare-${target.name.replace(/\W/g, '_')}-`));
  const rows: FlowRow[] = [];
  const compiled: Partial<Record<Flow, CompileResult>> = {};
  const failures: string[] = [];
  for (const flow of FLOWS) {
    process.stderr.write(`compare ${target.name}: ${flow}\n`);
    // A flow that EZKL itself cannot carry through (a crash in its "accuracy" calibration, say)
    // is recorded and the others still run: the table shows "—" for it.
    try {
      rows.push(await compareFlow(target, flow, work, runs, compiled));
    } catch (error) {
      failures.push(
        `${target.name} (${flow === 'optimizer' ? 'pocompute' : `EZKL ${flow}`}): ${(error as Error).message}`,
      );
    }
  }
  return { rows, artifacts: compiled, failures, work };
}

async function compareFlow(
  target: CompareTarget,
  flow: Flow,
  work: string,
  runs: number,
  compiled: Partial<Record<Flow, CompileResult>>,
): Promise<FlowRow> {
  {
    const started = performance.now();
    const artifacts = await compileModel({
      model: target.model,
      input: target.input,
      options: { ...target.options, ...flowOptions(flow) },
      artifactsRoot: join(work, 'artifacts'),
      force: true,
    });
    const compileMs = Math.round(performance.now() - started);
    compiled[flow] = artifacts;
    const proved = await proveInference({
      target: artifacts.dir,
      input: target.input,
      out: join(work, `${flow}.proof`),
    });
    const prove = await measureProve(artifacts, target.input, work, runs);
    const verifyMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      const result = await verifyBundle({ bundle: proved.bundlePath, artifacts: artifacts.dir });
      if (!result.valid) throw new Error(`${target.name} ${flow}: proof did not verify`);
      verifyMs.push(performance.now() - t);
    }
    const verifyGas = await withChain({}, async (chain) => {
      const deployment = await deployVerifier({ artifacts, chain, force: true });
      const verified = await verifyOnchain({
        bundle: proved.bundle,
        chain,
        verifier: deployment.verifier.address,
      });
      if (!verified.valid) throw new Error(`${target.name} ${flow}: on-chain verify failed`);
      return Number(verified.gas);
    });
    const settings = JSON.parse(await readFile(artifacts.path('settings.json'), 'utf8'));
    const choice = artifacts.manifest.circuit.choice;
    return {
      model: target.name,
      flow,
      logrows: artifacts.manifest.circuit.logrows,
      numRows: artifacts.manifest.circuit.numRows,
      estimatedCost: estimateProveCost(settings).cost,
      compileMs,
      proveCpuMs: median(prove.map((m) => m.cpuMs)),
      proveWallMs: median(prove.map((m) => m.ms)),
      provePeakMiB: Math.max(...prove.map((m) => m.peakMiB)),
      verifyMs: Math.round(median(verifyMs.slice(1))), // warm: the verifier EVM is loaded and compiled by V8
      // On the sample input, witness against onnxruntime (also for hashed outputs).
      maxAbsError: choice?.error.maxAbsError ?? Number.NaN,
      maxRelError: choice?.error.maxRelError ?? Number.NaN,
      verifyGas,
      choice: choice?.reason ?? '',
    };
  }
}

/** The EZKL prove process on its own (a witness made beforehand), under external measurement. */
async function measureProve(artifacts: CompileResult, input: string, work: string, runs: number) {
  const engine = await getPythonEngine();
  const model = await inspectModel(artifacts.path('model.onnx'));
  const ezklInput = join(work, 'prove-input.json');
  await writeFile(ezklInput, JSON.stringify((await loadInputs(input, model.inputs)).ezkl));
  const witness = join(work, 'prove-witness.json');
  await engine.run([
    {
      op: 'gen_witness',
      args: { data: ezklInput, compiled: artifacts.path('model.compiled'), witness },
    },
  ]);
  const request = join(work, 'prove-request.json');
  await writeFile(
    request,
    JSON.stringify({
      ops: [
        {
          op: 'prove',
          args: {
            witness,
            compiled: artifacts.path('model.compiled'),
            pk: artifacts.path('pk.key'),
            proof: join(work, 'prove-proof.json'),
            srs: artifacts.manifest.srs.path,
          },
        },
      ],
    }),
  );
  const worker = join(PACKAGE_ROOT, 'src', 'engine', 'ezkl_worker.py');
  const out = [];
  for (let i = 0; i < runs; i++) {
    const result = join(work, 'prove-result.json');
    out.push(
      await measureCommand(engine.python, [worker, request, result], {
        ...process.env,
        RUST_LOG: 'error',
      }),
    );
    const { error } = JSON.parse(await readFile(result, 'utf8'));
    if (error) throw new Error(`prove failed: ${error.message}`);
  }
  return out;
}

const secs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`);
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? '—' : `${(a / b).toFixed(1)}×`;

/** The per-flow table and the ratio table (EZKL's flow ÷ the optimiser's). */
export function renderComparison(rows: FlowRow[]): string {
  const models = [...new Set(rows.map((r) => r.model))];
  const get = (m: string, f: Flow) =>
    rows.find((r) => r.model === m && r.flow === f) ?? ({} as Partial<FlowRow>);
  const perFlow = [
    '| model | flow | rows | est. cost | prove CPU | prove wall | prove peak | verify (Node, warm) | max abs / rel error | verifyProof gas |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.model} | ${r.flow === 'optimizer' ? '**pocompute**' : `EZKL ${r.flow}`} | 2^${r.logrows} | ${(r.estimatedCost / 1e6).toFixed(2)} M | ${secs(r.proveCpuMs)} | ${secs(r.proveWallMs)} | ${r.provePeakMiB} MiB | ${secs(r.verifyMs)} | ${r.maxAbsError.toExponential(1)} / ${r.maxRelError.toExponential(1)} | ${r.verifyGas.toLocaleString('en')} |`,
    ),
  ];
  const ratios = [
    '| model | prove CPU: resources ÷ pocompute | accuracy ÷ pocompute | estimated (resources ÷ pocompute) | prove wall | prove peak memory | verify (Node, warm) | verifyProof gas |',
    '|---|---|---|---|---|---|---|---|',
    ...models.map((m) => {
      const [res, acc, opt] = FLOWS.map((f) => get(m, f));
      return `| ${m} | **${ratio(res.proveCpuMs, opt.proveCpuMs)}** | ${ratio(acc.proveCpuMs, opt.proveCpuMs)} | ${ratio(res.estimatedCost, opt.estimatedCost)} | ${ratio(res.proveWallMs, opt.proveWallMs)} | ${ratio(res.provePeakMiB, opt.provePeakMiB)} | ${ratio(res.verifyMs, opt.verifyMs)} | ${ratio(res.verifyGas, opt.verifyGas)} |`;
    }),
  ];
  // The estimate's check: prove CPU per unit of estimated cost should be about constant.
  const perUnit = rows.map((r) => r.proveCpuMs / (r.estimatedCost / 1e6));
  const spread = Math.max(...perUnit) / Math.min(...perUnit);
  const check = `Cost-estimate check: measured prove CPU per million estimated column-rows ranges ${Math.min(...perUnit).toFixed(0)}–${Math.max(...perUnit).toFixed(0)} ms over these ${rows.length} circuits (spread ${spread.toFixed(1)}×); ${rankAgreement(rows)}.`;
  return `${perFlow.join('\n')}\n\n${ratios.join('\n')}\n\n${check}`;
}

/** How often the estimate orders two circuits of one model the way their prove CPU does. */
function rankAgreement(rows: FlowRow[]): string {
  let agree = 0;
  let pairs = 0;
  for (const a of rows)
    for (const b of rows) {
      if (a.model !== b.model || a.flow >= b.flow) continue;
      if (a.estimatedCost === b.estimatedCost) continue;
      pairs++;
      if (a.estimatedCost < b.estimatedCost === a.proveCpuMs < b.proveCpuMs) agree++;
    }
  return `the estimate orders ${agree} of ${pairs} pairs of differing circuits of one model as their measured prove CPU does`;
}

export interface Agreement {
  model: string;
  params: number;
  floatTestAccuracy: number;
  agreement: number;
  provedAccuracy: number;
  inputs: number;
}

const pct = (x: number) => `${(100 * x).toFixed(0)}%`;

export function renderAgreement(agreements: Agreement[]): string {
  return [
    '| real model | parameters | float test accuracy | proved class = float class (100 held-out) | proved class = label |',
    '|---|---|---|---|---|',
    ...agreements.map(
      (a) =>
        `| ${a.model} | ${a.params.toLocaleString('en')} | ${pct(a.floatTestAccuracy)} | ${pct(a.agreement)} | ${pct(a.provedAccuracy)} |`,
    ),
  ].join('\n');
}

export interface CircuitsResults {
  /** When the run (or part) started and which targets it was asked for (BENCH_CIRCUITS). */
  started?: string;
  targets?: string[];
  rows: FlowRow[];
  agreements: Agreement[];
  failures: string[];
  runs: number;
}

/** Writes the results JSON and (optionally) the docs table; returns the table. */
export async function publishCircuits(
  results: CircuitsResults,
  resultsFile: string,
  updateDocs: boolean,
  note = '',
): Promise<string> {
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB`;
  const { rows, agreements, runs } = results;
  const table = `${renderComparison(rows)}\n\n${agreements.length ? `${renderAgreement(agreements)}\n\n` : ''}Median of ${runs} prove run${runs > 1 ? 's' : ''} per circuit, measured side by side in one run on ${machine} (shared with other jobs: compare ratios, not absolute times), EZKL ${EZKL_VERSION}, dev SRS. Prove CPU, wall and peak memory are the EZKL prove process alone; errors are the witness against onnxruntime on the sample input.${note}`;
  await writeJsonAtomic(resultsFile, {
    date: new Date().toISOString(),
    ezkl: EZKL_VERSION,
    machine,
    ...results,
  });
  if (updateDocs) await replaceDocBlock('bench-circuits', table);
  return table;
}
