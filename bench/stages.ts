/**
 * `npm run bench:stages`: staged proofs against the whole circuit, side by side in one run, per
 * model: the stages, rows, the peak memory of each EZKL prove process (a stage's vs the whole
 * circuit's) and the wall time of proving the stages with 1 and with 2 jobs (one process per
 * stage) against proving the whole circuit. Writes bench/stages.json and the docs block.
 * BENCH_STAGES_MODELS=mlp,lenet,transformer_block chooses the models.
 */
import { EZKL_VERSION } from '../src/proof/engineVersion.js';
import { mkdtempSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { writeJsonAtomic } from '../src/core/files.js';
import { fixturePath, PACKAGE_ROOT } from '../src/core/paths.js';
import type { Artifacts } from '../src/proof/artifacts.js';
import { compileModel } from '../src/prover/compileModel.js';
import { getPythonEngine } from '../src/engine/pythonEngine.js';
import { loadInputs } from '../src/prover/inputs.js';
import { inspectModel } from '../src/proof/inspectModel.js';
import { proveStaged } from '../src/prover/stages/proveStaged.js';
import { witnessStages } from '../src/prover/stages/witnessStages.js';
import { replaceDocBlock } from './docBlocks.js';
import { type Measurement, measureCommand } from './measure.js';

const MODELS: Record<string, { model: string; input: string }> = {
  mlp: { model: fixturePath('mlp', 'model.onnx'), input: fixturePath('mlp', 'input.json') },
  lenet: {
    model: fixturePath('real', 'lenet', 'model.onnx'),
    input: fixturePath('real', 'lenet', 'input.json'),
  },
  transformer_block: {
    model: fixturePath('real', 'transformer_block', 'model.onnx'),
    input: fixturePath('real', 'transformer_block', 'input.json'),
  },
};
const chosen = (process.env.BENCH_STAGES_MODELS ?? 'mlp,lenet').split(',');
const work = mkdtempSync(join(tmpdir(), 'pocompute-bench-stages-'));
const worker = join(PACKAGE_ROOT, 'src', 'engine', 'ezkl_worker.py');
const { python } = await getPythonEngine();

/** One EZKL prove process (witness + prove), measured from outside. */
async function proveProcess(artifacts: Artifacts, input: unknown, tag: string) {
  const at = (f: string) => join(work, `${tag}-${f}`);
  await writeFile(at('input.json'), JSON.stringify(input));
  const compiled = artifacts.path('model.compiled');
  await writeFile(
    at('request.json'),
    JSON.stringify({
      ops: [
        { op: 'gen_witness', args: { data: at('input.json'), compiled, witness: at('w.json') } },
        {
          op: 'prove',
          args: {
            witness: at('w.json'),
            compiled,
            pk: artifacts.path('pk.key'),
            proof: at('proof.json'),
            srs: artifacts.manifest.srs.path,
          },
        },
      ],
    }),
  );
  const m = await measureCommand(python, [worker, at('request.json'), at('result.json')], {
    ...process.env,
    RUST_LOG: 'error',
  });
  const { error } = JSON.parse(await readFile(at('result.json'), 'utf8'));
  if (error) throw new Error(`${tag}: prove failed: ${error.message}`);
  return m;
}

interface Row {
  model: string;
  stages: number;
  wholeLogrows: number;
  stageLogrows: number[];
  whole: Measurement;
  perStage: Measurement[];
  oneJobMs: number;
  twoJobsMs: number;
  outputsEqual: boolean;
  maxOutputDiff: number;
}

const rows: Row[] = [];
for (const name of chosen) {
  const { model, input } = MODELS[name];
  process.stderr.write(`bench:stages ${name}: compiling the whole model and the stages\n`);
  const whole = await compileModel({ model, input, anyCalibration: true });
  const info = await inspectModel(model);
  const ezklInput = (await loadInputs(input, info.inputs, info.graphInputs)).ezkl;
  const staged = await proveStaged({
    target: model,
    stages: 'auto',
    input,
    out: join(work, `${name}.staged.proof`),
    jobs: 1,
  });
  const { stageInputs } = await witnessStages(staged.artifacts, input);
  process.stderr.write(`bench:stages ${name}: proving (whole, then stages 1 and 2 at a time)\n`);
  const wholeM = await proveProcess(whole, ezklInput, `${name}-whole`);
  const stages = staged.artifacts.stages;
  const started1 = performance.now();
  const perStage: Measurement[] = [];
  for (const [k, s] of stages.entries())
    perStage.push(await proveProcess(s, stageInputs[k], `${name}-s${k}`));
  const oneJobMs = Math.round(performance.now() - started1);
  const started2 = performance.now();
  const queue = stages.map((_, k) => k);
  await Promise.all(
    [0, 1].map(async () => {
      for (let k = queue.shift(); k !== undefined; k = queue.shift())
        await proveProcess(stages[k], stageInputs[k], `${name}-p${k}`);
    }),
  );
  const twoJobsMs = Math.round(performance.now() - started2);
  const wholeOut = JSON.parse(await readFile(join(work, `${name}-whole-w.json`), 'utf8'))
    .pretty_elements.rescaled_outputs.flat()
    .map(Number);
  const stagedOut = staged.bundle.public.outputs.flatMap((t) => t.values ?? []);
  const maxOutputDiff = Math.max(...stagedOut.map((v, i) => Math.abs(v - wholeOut[i])));
  rows.push({
    model: name,
    stages: stages.length,
    wholeLogrows: whole.manifest.circuit.logrows,
    stageLogrows: stages.map((s) => s.manifest.circuit.logrows),
    whole: wholeM,
    perStage,
    oneJobMs,
    twoJobsMs,
    outputsEqual: maxOutputDiff === 0,
    maxOutputDiff,
  });
  // Witnesses and proofs of a large model take room: gone before the next model.
  for (const file of await readdir(work)) await rm(join(work, file), { force: true });
}
await rm(work, { recursive: true, force: true });

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const table = [
  '| model | stages | rows: whole → stages | prove peak: whole → each stage | peak ratio (whole ÷ largest stage) | prove wall: whole | stages, 1 job | stages, 2 jobs | 1 job ÷ 2 jobs | staged outputs = whole |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map((r) => {
    const largest = Math.max(...r.perStage.map((m) => m.peakMiB));
    return `| ${r.model} | ${r.stages} | 2^${r.wholeLogrows} → ${r.stageLogrows.map((k) => `2^${k}`).join(', ')} | ${r.whole.peakMiB} → ${r.perStage.map((m) => m.peakMiB).join(', ')} MiB | ${(r.whole.peakMiB / largest).toFixed(1)}× | ${secs(r.whole.ms)} | ${secs(r.oneJobMs)} | ${secs(r.twoJobsMs)} | ${(r.oneJobMs / r.twoJobsMs).toFixed(2)}× | ${r.outputsEqual ? 'yes (bit-exact)' : `no: max diff ${r.maxOutputDiff.toExponential(1)}`} |`;
  }),
  '',
  `Measured by \`npm run bench:stages\` on ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB (shared with other jobs: compare ratios), EZKL ${EZKL_VERSION}, dev SRS, \`--stages auto\`. Peak and wall are the EZKL prove processes (witness + prove) alone, one run each; "2 jobs" runs two stage processes at once.`,
].join('\n');
await writeJsonAtomic(join(PACKAGE_ROOT, 'bench', 'stages.json'), {
  date: new Date().toISOString(),
  rows,
});
await replaceDocBlock('bench-stages', table);
process.stdout.write(`${table}\n`);
