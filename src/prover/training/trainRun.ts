import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PocomputeError } from '../../core/errors.js';
import { readFileCapped, sha256Hex, writeJsonAtomic } from '../../core/files.js';
import type { Reporter } from '../../core/output.js';
import { compileModel } from '../compileModel.js';
import { poseidonOfTensor } from '../poseidon.js';
import { proveInference } from '../proveInference.js';
import { batchSchedule, derivedSeed } from './batchSchedule.js';
import { commitTrainingData, merklePath } from './dataCommitment.js';
import { readMlp, type MlpSpec } from './mlpSpec.js';
import {
  DATA_SCHEME,
  RUN_MANIFEST,
  SCHEDULE,
  type RunManifest,
  type RunStep,
} from './runManifest.js';
import {
  buildTrainingStepGraph,
  type Loss,
  type StepOptions,
  type TrainingStepGraph,
} from './stepGraph.js';
import type { CompileResult } from '../../proof/artifacts.js';
import { stepInstances } from './stepInstances.js';
import { readTrainingData, type TrainingData } from './trainingData.js';

export interface TrainParams {
  model: string;
  /** {"features": [[...]], "labels": [class ids] or [[targets]]} */
  data: string;
  trainable: StepOptions['trainable'];
  loss: Loss;
  lr: number;
  batch: number;
  steps: number;
  /** Seeds the batch schedule (default: derived from the data commitment); recorded in run.json. */
  seed?: string;
  out: string;
  srs?: string;
  reporter?: Reporter;
}

/** The largest base model train reads whole (an MLP is kilobytes; this is generous). */
const MAX_MODEL_BYTES = 512 * 1024 * 1024;

/**
 * Fine-tunes with SGD and proves every step: each step's circuit takes the current weights and a
 * batch (Poseidon-hashed, hashes public) and outputs the new weights and the loss (hashed too).
 * The hashes chain the steps from the base model to the final weights.
 */
export async function trainRun(params: TrainParams): Promise<RunManifest> {
  const { reporter } = params;
  if (!Number.isInteger(params.steps) || params.steps < 1 || params.steps > 1000)
    throw new PocomputeError('OPTION_INVALID', `--steps must be 1 to 1000, got ${params.steps}`);
  if (params.seed !== undefined && !/^[\w.-]{1,128}$/.test(params.seed))
    throw new PocomputeError(
      'OPTION_INVALID',
      '--seed must be 1 to 128 letters, digits, ".", "_" or "-"',
    );
  const out = resolve(params.out);
  const existing = await stat(out).catch(() => undefined);
  if (existing && !existing.isDirectory())
    throw new PocomputeError(
      'OPTION_INVALID',
      `--out must name a run directory, but ${params.out} is an existing file`,
    );
  const baseBytes = new Uint8Array(
    await readFileCapped(params.model, 'model', 'ONNX_INVALID', MAX_MODEL_BYTES),
  );
  const spec = readMlp(baseBytes);
  const options = {
    trainable: params.trainable,
    loss: params.loss,
    lr: params.lr,
    batch: params.batch,
  };
  buildTrainingStepGraph(spec, options); // bad options are refused before anything is written
  const data = await readTrainingData(params.data, spec);
  await mkdir(join(out, 'steps'), { recursive: true });
  await writeFile(join(out, 'base.onnx'), baseBytes);
  const { step, artifacts, scales, batchScales } = await compileStepCircuit({
    spec,
    data,
    options,
    dir: out,
    srs: params.srs,
    reporter,
  });
  const m = artifacts.manifest;
  const k = scales.length;

  const trainableLayers = step.trainable.map((i) => spec.layers[i]);
  let weights: number[][] = trainableLayers.flatMap((l) => [
    Array.from(l.weights),
    Array.from(l.bias),
  ]);
  const rowsOf = (rows: number[]) => ({
    rows,
    features: rows.map((r) => data.features[r]),
    labels: rows.map((r) => data.targets[r]),
  });
  const stepInput = (w: number[][], b: { features: number[][]; labels: number[][] }) => ({
    input_data: [...w, b.features.flat(), b.labels.flat()],
  });
  const hashWeights = (w: number[][]) => w.map((t, i) => poseidonOfTensor(t, scales[i]));
  const committed = commitTrainingData(data, batchScales);
  const seed = params.seed ?? derivedSeed(committed.commitment);
  const scheduled = batchSchedule(seed, committed.rows, params.batch);

  const steps: RunStep[] = [];
  for (let i = 0; i < params.steps; i++) {
    const dir = join(out, 'steps', String(i));
    await mkdir(dir, { recursive: true });
    const batch = rowsOf(scheduled(i));
    await writeJsonAtomic(join(dir, 'batch.json'), {
      ...batch,
      merklePaths: batch.rows.map((r) => merklePath(committed.levels, r)),
    });
    await writeJsonAtomic(join(dir, 'input.json'), stepInput(weights, batch));
    const started = performance.now();
    const label = `Step ${i} (${i + 1} of ${params.steps}): proving one SGD step (2^${m.circuit.logrows} rows)`;
    const prove = () =>
      proveInference({
        target: artifacts.dir,
        input: join(dir, 'input.json'),
        out: join(dir, 'proof.json'),
      });
    const proved = reporter ? await reporter.step(label, prove, `step${i}`) : await prove();
    const at = stepInstances(proved.bundle.proof.instances[0], k);
    const next = proved.outputs.slice(0, k);
    const loss = proved.outputs[k][0];
    const floatLoss = proved.floatOutputs[k][0];
    const maxAbsWeight = Math.max(
      ...next.flatMap((t, j) => t.map((v, e) => Math.abs(v - proved.floatOutputs[j][e]))),
    );
    await writeJsonAtomic(join(dir, 'weights-out.json'), next);
    steps.push({
      index: i,
      proof: `steps/${i}/proof.json`,
      batch: `steps/${i}/batch.json`,
      weightsOut: `steps/${i}/weights-out.json`,
      inputWeightsHash: at.weightsIn,
      batchHash: at.batch,
      outputWeightsHash: at.weightsOut,
      lossHash: at.loss,
      loss,
      floatLoss,
      drift: { maxAbsWeight, loss: Math.abs(loss - floatLoss) },
      proveMs: Math.round(performance.now() - started),
    });
    weights = next;
  }
  await writeJsonAtomic(join(out, 'weights-final.json'), weights);
  const manifest: RunManifest = {
    format: 'pocompute-training-run@2',
    createdAt: new Date().toISOString(),
    base: {
      model: 'base.onnx',
      sha256: sha256Hex(baseBytes),
      weightsHash: hashWeights(
        trainableLayers.flatMap((l) => [Array.from(l.weights), Array.from(l.bias)]),
      ),
    },
    options: {
      trainable: step.trainable,
      loss: params.loss,
      lr: params.lr,
      batch: params.batch,
      steps: params.steps,
    },
    data: {
      scheme: DATA_SCHEME,
      rows: committed.rows,
      merkleRoot: committed.merkleRoot,
      commitment: committed.commitment,
      schedule: SCHEDULE,
      seed,
      seedSource: params.seed === undefined ? 'derived' : 'given',
    },
    tensors: step.inputs
      .slice(0, k)
      .map((t, i) => ({ name: t.name, dims: t.dims, scale: scales[i] })),
    batchScales,
    lossScale: m.circuit.outputScales[k],
    stepModel: {
      path: 'step.onnx',
      sha256: sha256Hex(step.model),
      artifactsKey: m.key,
      vkSha256: m.files['vk.key'],
    },
    steps,
    final: { weights: 'weights-final.json', weightsHash: hashWeights(weights) },
    srsOrigin: m.srs.origin,
  };
  await writeJsonAtomic(join(out, RUN_MANIFEST), manifest);
  return manifest;
}

export interface StepCircuit {
  step: TrainingStepGraph;
  artifacts: CompileResult;
  /** The scales the trainable tensors are hashed at (inputs 0..k of the step circuit). */
  scales: number[];
  /** The scales of the batch's features and labels. */
  batchScales: number[];
}

/**
 * Builds one SGD step's circuit for the model and options and compiles it (hashed inputs and
 * outputs, calibrated on the rows with the largest features): `dir` receives `step.onnx` and
 * `calibration.json`. Refuses a circuit whose new weights come out at another scale than the old
 * ones go in (the steps would not chain by hash).
 */
export async function compileStepCircuit(params: {
  spec: MlpSpec;
  data: TrainingData;
  options: StepOptions;
  dir: string;
  srs?: string;
  reporter?: Reporter;
}): Promise<StepCircuit> {
  const { spec, data, options, dir } = params;
  const step = buildTrainingStepGraph(spec, options);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'step.onnx'), step.model);
  const weights = step.trainable
    .map((i) => spec.layers[i])
    .flatMap((l) => [Array.from(l.weights), Array.from(l.bias)]);
  const rows = calibrationRows(data, options.batch);
  await writeJsonAtomic(join(dir, 'calibration.json'), {
    input_data: [
      ...weights,
      rows.flatMap((r) => data.features[r]),
      rows.flatMap((r) => data.targets[r]),
    ],
  });
  const artifacts = await compileModel({
    model: join(dir, 'step.onnx'),
    input: join(dir, 'calibration.json'),
    options: {
      inputVisibility: 'hashed',
      outputVisibility: 'hashed',
      paramVisibility: 'fixed',
      calibrationTarget: 'resources',
    },
    srs: params.srs,
    reporter: params.reporter,
  });
  const m = artifacts.manifest;
  const k = weights.length;
  const scales = m.circuit.inputScales.slice(0, k);
  // Steps chain by hash only if new weights come out at the scale old weights go in.
  if (m.circuit.outputScales.slice(0, k).some((s, i) => s !== scales[i])) {
    throw new PocomputeError(
      'ENGINE_FAILED',
      `the step circuit's weight outputs have scales ${m.circuit.outputScales.slice(0, k)} but its inputs ${scales}: steps would not chain`,
    );
  }
  return { step, artifacts, scales, batchScales: m.circuit.inputScales.slice(k, k + 2) };
}

/**
 * The `n` rows a circuit over the data is calibrated on (a step's batch, a bounty evaluation's
 * rows): one sample sets the scales and ranges every proof must fit in, and the schedule may put
 * any row in any batch, so the sample is the rows with the largest features, cycled if `n` exceeds
 * the data (the first rows left later batches out of range: EZKL's "General synthesis error").
 * Chosen before the data is committed, since the commitment needs the circuit's scales.
 */
export function calibrationRows(data: TrainingData, n: number): number[] {
  const peak = (r: number) => Math.max(...data.features[r].map(Math.abs));
  const byPeak = data.features.map((_, r) => r).sort((a, b) => peak(b) - peak(a) || a - b);
  return Array.from({ length: n }, (_, i) => byPeak[i % byPeak.length]);
}
