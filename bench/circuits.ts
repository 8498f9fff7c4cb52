/**
 * The circuit optimiser's benchmark (part of `npm run bench`; alone: `npm run bench:circuits`):
 * EZKL's flow vs pocompute's optimiser, side by side in one run, for every fixture, every real
 * model and the training step circuits; then, for the real models, the proved class of 100
 * held-out inputs against the float class (from EZKL witnesses of the optimiser's circuit).
 * BENCH_CIRCUITS (comma list of names) and BENCH_RUNS adjust it. Writes bench/circuits.json and
 * the docs table between the bench-circuits markers (docs/benchmarks.md).
 */
import { readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { writeJsonAtomic } from '../src/core/files.js';
import { fixturePath, PACKAGE_ROOT } from '../src/core/paths.js';
import type { CompileResult } from '../src/proof/artifacts.js';
import { getPythonEngine } from '../src/engine/pythonEngine.js';
import { inspectModel } from '../src/proof/inspectModel.js';
import { runFloatModel } from '../src/prover/onnx/runFloatModel.js';
import { trainRun } from '../src/prover/training/trainRun.js';
import {
  type Agreement,
  type CompareTarget,
  compareCircuits,
  type FlowRow,
  publishCircuits,
} from './compareCircuits.js';

const runs = Number(process.env.BENCH_RUNS ?? 3);
const FIXTURES = ['mlp', 'cnn', 'two_input', 'wide'];
export const REAL_MODELS = ['mlp_784_56_10', 'lenet', 'transformer_block'];
const TRAINING = ['train-mse', 'train-cross-entropy'];
const only = process.env.BENCH_CIRCUITS?.split(',');
const wanted = (name: string) => !only || only.includes(name);

async function trainingTarget(loss: 'mse' | 'cross-entropy'): Promise<CompareTarget> {
  // One proved step makes the run directory with the step graph and its input.
  const out = join(mkdtempSync(join(tmpdir(), 'pocompute-bench-step-')), 'run');
  await trainRun({
    model: fixturePath('mlp', 'model.onnx'),
    data: fixturePath('mlp', 'train.json'),
    trainable: 'head',
    loss,
    lr: 0.05,
    batch: 8,
    steps: 1,
    out,
  });
  return {
    name: `mlp head step (${loss})`,
    model: join(out, 'step.onnx'),
    input: join(out, 'calibration.json'),
    options: { inputVisibility: 'hashed', outputVisibility: 'hashed' },
  };
}

/** The proved class (argmax of the circuit's outputs, from EZKL witnesses) vs the float class. */
async function classAgreement(name: string, artifacts: CompileResult): Promise<Agreement> {
  const dir = fixturePath('real', name);
  const test = JSON.parse(readFileSync(join(dir, 'test.json'), 'utf8')) as {
    inputs: number[][];
    labels: number[];
  };
  const metrics = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));
  const model = await inspectModel(artifacts.path('model.onnx'));
  const work = mkdtempSync(join(tmpdir(), `pocompute-agree-${name}-`));
  const ops = [];
  for (const [i, input] of test.inputs.entries()) {
    await writeFile(join(work, `in-${i}.json`), JSON.stringify({ input_data: [input] }));
    ops.push({
      op: 'gen_witness',
      args: {
        data: join(work, `in-${i}.json`),
        compiled: artifacts.path('model.compiled'),
        witness: join(work, `w-${i}.json`),
      },
    });
  }
  process.stderr.write(`agreement ${name}: ${ops.length} witnesses\n`);
  await (await getPythonEngine()).run(ops);
  const argmax = (v: number[]) => v.indexOf(Math.max(...v));
  let agree = 0;
  let correct = 0;
  for (const [i, input] of test.inputs.entries()) {
    const witness = JSON.parse(await readFile(join(work, `w-${i}.json`), 'utf8'));
    const proved = argmax(witness.pretty_elements.rescaled_outputs[0].map(Number));
    const [float] = await runFloatModel(model, [input]);
    if (proved === argmax(float)) agree++;
    if (proved === test.labels[i]) correct++;
  }
  const n = test.inputs.length;
  return {
    model: name,
    params: metrics.params,
    floatTestAccuracy: metrics.float_test_accuracy,
    agreement: agree / n,
    provedAccuracy: correct / n,
    inputs: n,
  };
}

const rows: FlowRow[] = [];
const agreements: Agreement[] = [];
const failures: string[] = [];
// BENCH_OUT: relative to bench/ (circuits-a.json) or absolute (/tmp/circuits-a.json).
const resultsFile = resolve(PACKAGE_ROOT, 'bench', process.env.BENCH_OUT ?? 'circuits.json');
const started = new Date().toISOString();
const targets = [...FIXTURES, ...TRAINING, ...REAL_MODELS].filter(wanted);
/** One target at a time; a failure is recorded and the others still run. Results are saved as they come. */
async function bench(name: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    failures.push(`${name}: ${(error as Error).message}`);
    process.stderr.write(`bench ${name} failed: ${(error as Error).stack}\n`);
  }
  await writeJsonAtomic(resultsFile, {
    partial: true,
    started,
    targets,
    rows,
    agreements,
    failures,
  });
}
for (const name of FIXTURES.filter(wanted)) {
  await bench(name, async () => {
    const model = fixturePath(name, 'model.onnx');
    const target = { name, model, input: fixturePath(name, 'input.json') };
    const result = await compareCircuits(target, runs);
    rows.push(...result.rows);
    failures.push(...result.failures);
    await rm(result.work, { recursive: true, force: true });
  });
}
for (const phase of TRAINING.filter(wanted)) {
  await bench(phase, async () => {
    const target = await trainingTarget(phase === 'train-mse' ? 'mse' : 'cross-entropy');
    const result = await compareCircuits(target, runs);
    rows.push(...result.rows);
    failures.push(...result.failures);
    await rm(result.work, { recursive: true, force: true });
  });
}
for (const name of REAL_MODELS.filter(wanted)) {
  await bench(name, async () => {
    const target = {
      name,
      model: fixturePath('real', name, 'model.onnx'),
      input: fixturePath('real', name, 'input.json'),
    };
    const result = await compareCircuits(target, runs);
    rows.push(...result.rows);
    failures.push(...result.failures);
    const optimised = result.artifacts.optimizer;
    try {
      if (optimised) agreements.push(await classAgreement(name, optimised));
    } finally {
      await rm(result.work, { recursive: true, force: true });
    }
  });
}

const table = await publishCircuits(
  { started, targets, rows, agreements, failures, runs },
  resultsFile,
  !only,
);
process.stdout.write(`${table}\n`);
