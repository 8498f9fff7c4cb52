import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PocomputeError } from '../core/errors.js';
import { sha256Hex, writeJsonAtomic } from '../core/files.js';
import type { Reporter } from '../core/output.js';
import type { CompileResult } from '../proof/artifacts.js';
import { feltFromHexLE } from '../proof/felts.js';
import { compileModel } from '../prover/compileModel.js';
import { poseidonOfTensor } from '../prover/poseidon.js';
import { derivedSeed } from '../prover/training/batchSchedule.js';
import { commitTrainingData } from '../prover/training/dataCommitment.js';
import { buildEvaluationGraph } from '../prover/training/evalGraph.js';
import { batchLeaf, scheduledBatchHashes } from '../prover/training/evalSet.js';
import { headModel, splitHead, trunkFeatures } from '../prover/training/headSplit.js';
import { readMlp, type DenseLayer, type MlpSpec } from '../prover/training/mlpSpec.js';
import { parseTrainingData, type TrainingData } from '../prover/training/trainingData.js';
import {
  calibrationRows,
  compileStepCircuit,
  type StepCircuit,
} from '../prover/training/trainRun.js';
import type { BountyRecipe } from './bountyRecipe.js';

/** The part of the base model that is trained, and the features it is trained on. */
export interface BountyModel {
  base: MlpSpec;
  baseSha256: string;
  /** The trained layers alone (the last one for `head`): the step and evaluation circuits' model. */
  head: MlpSpec;
  headBytes: Uint8Array;
  /** The frozen layers below the head (none for `all`). */
  trunk: DenseLayer[];
  /** The training rows as the head sees them: the frozen trunk's outputs (computed once, Float64). */
  data: TrainingData;
}

/**
 * Splits the base model for the recipe and computes the training features. The frozen trunk is
 * evaluated once, outside the circuits, in Float64: its outputs are a pure function of the base
 * model and the data, which anyone recomputes, and the data commitment is taken over them.
 */
export function bountyModel(
  baseBytes: Uint8Array,
  rawData: unknown,
  recipe: BountyRecipe,
): BountyModel {
  const base = readMlp(baseBytes);
  const { head, trunk } = splitHead(base, recipe.layers);
  const classes = base.layers[base.layers.length - 1].outFeatures;
  const raw = parseTrainingData(rawData, base.inFeatures, classes);
  return {
    base,
    baseSha256: sha256Hex(baseBytes),
    head,
    headBytes: headModel(head),
    trunk,
    data: { features: trunkFeatures(trunk, raw.features), targets: raw.targets },
  };
}

/** The evaluation rows as the head sees them (the trunk's outputs), targets one-hot. */
export function evaluationRows(model: BountyModel, rawEval: unknown): TrainingData {
  const classes = model.base.layers[model.base.layers.length - 1].outFeatures;
  const raw = parseTrainingData(rawEval, model.base.inFeatures, classes);
  return { features: trunkFeatures(model.trunk, raw.features), targets: raw.targets };
}

export interface BountyCircuits {
  step: StepCircuit;
  evaluation: {
    artifacts: CompileResult;
    /** Scales of the trainable tensors, the features, the labels (the circuit's inputs). */
    weightScales: number[];
    featureScale: number;
    labelScale: number;
    metricScale: number;
  };
}

/**
 * Compiles the bounty's two circuits in `dir`: one SGD step of the head (as `train` builds it) and
 * the evaluation (forward + metric over `evalRows` rows; inputs hashed, outputs public: the
 * weights, the evaluation set and the metric). The evaluation is calibrated on the training rows
 * with the largest features, never on the secret evaluation set (its settings are public).
 */
export async function compileBountyCircuits(params: {
  model: BountyModel;
  recipe: BountyRecipe;
  dir: string;
  srs?: string;
  reporter?: Reporter;
}): Promise<BountyCircuits> {
  const { model, recipe, dir } = params;
  const trainable = 'all' as const; // the head model is exactly the trained layers
  const step = await compileStepCircuit({
    spec: model.head,
    data: model.data,
    options: { trainable, loss: recipe.loss, lr: recipe.lr, batch: recipe.batch },
    dir: join(dir, 'step'),
    srs: params.srs,
    reporter: params.reporter,
  });
  const graph = buildEvaluationGraph(model.head, {
    metric: recipe.metric,
    loss: recipe.loss,
    rows: recipe.evalRows,
  });
  const evalDir = join(dir, 'eval');
  await mkdir(evalDir, { recursive: true });
  await writeFile(join(evalDir, 'eval.onnx'), graph.model);
  const rows = calibrationRows(model.data, recipe.evalRows);
  await writeJsonAtomic(join(evalDir, 'calibration.json'), {
    input_data: [
      ...headWeights(model.head),
      rows.flatMap((r) => model.data.features[r]),
      rows.flatMap((r) => model.data.targets[r]),
    ],
  });
  // The evaluation must hash the weights exactly as the steps do, so it is compiled at the step
  // circuit's scales and lookup decomposition (no search of its own: another scale would give
  // other hashes of the same weights, and the metric could never link to the run).
  const stepArgs = JSON.parse(
    await readFile(step.artifacts.path('settings.json'), 'utf8'),
  ).run_args;
  const pinned = Object.fromEntries(
    PINNED_RUN_ARGS.filter((key) => stepArgs[key] !== undefined).map((key) => [key, stepArgs[key]]),
  );
  const artifacts = await compileModel({
    model: join(evalDir, 'eval.onnx'),
    input: join(evalDir, 'calibration.json'),
    options: {
      inputVisibility: 'hashed',
      outputVisibility: 'public',
      paramVisibility: 'fixed',
      calibrationTarget: 'resources',
      settings: { run_args: pinned },
    },
    srs: params.srs,
    reporter: params.reporter,
  });
  const k = step.scales.length;
  const scales = artifacts.manifest.circuit.inputScales;
  const stepScales = [...step.scales, ...step.batchScales];
  if (scales.slice(0, k + 2).some((s, i) => s !== stepScales[i]))
    throw new PocomputeError(
      'ENGINE_FAILED',
      `the evaluation circuit's input scales (${scales.slice(0, k + 2)}) are not the step circuit's (${stepScales}): its weight hashes would not be the run's`,
    );
  return {
    step,
    evaluation: {
      artifacts,
      weightScales: scales.slice(0, k),
      featureScale: scales[k],
      labelScale: scales[k + 1],
      metricScale: artifacts.manifest.circuit.outputScales.at(-1) ?? 0,
    },
  };
}

/** The step circuit's settings the evaluation circuit is compiled with (scales, lookups, columns). */
const PINNED_RUN_ARGS = [
  'input_scale',
  'param_scale',
  'scale_rebase_multiplier',
  'decomp_base',
  'decomp_legs',
  'num_inner_cols',
  'bounded_log_lookup',
] as const;

/** The trainable tensors of the head, in circuit order (weight, bias per layer). */
export const headWeights = (head: MlpSpec): number[][] =>
  head.layers.flatMap((l) => [Array.from(l.weights), Array.from(l.bias)]);

/** Field elements as the contract takes them (EZKL writes them little-endian hex). */
export const feltsToUint = (felts: readonly string[]) => felts.map(feltFromHexLE);

/**
 * The public commitments a bounty is posted with: the base head's weight hashes (step 0 must
 * start there), the training data's commitment (over the features, at the step circuit's batch
 * scales), the schedule's seed (derived from it) and the root over the scheduled batches' hashes.
 */
export function bountyCommitments(
  model: BountyModel,
  circuits: BountyCircuits,
  recipe: BountyRecipe,
) {
  const { step } = circuits;
  const baseWeightsHash = headWeights(model.head).map((t, i) =>
    feltFromHexLE(poseidonOfTensor(t, step.scales[i])),
  );
  const committed = commitTrainingData(model.data, step.batchScales);
  const seed = derivedSeed(committed.commitment);
  const hashes = scheduledBatchHashes(
    model.data,
    step.batchScales,
    seed,
    recipe.batch,
    recipe.maxSteps,
  );
  const leaves = hashes.map(([f, l], i) => batchLeaf(i, f, l));
  return { baseWeightsHash, dataCommitment: committed.commitment, seed, leaves };
}
