import { PocomputeError } from '../../core/errors.js';
import { GraphBuilder } from '../onnx/graphBuilder.js';
import type { DenseLayer, MlpSpec } from './mlpSpec.js';

export type Loss = 'mse' | 'cross-entropy';

export interface StepOptions {
  /** 'head' = the last dense layer, 'all' = every dense layer, or layer indices. */
  trainable: 'head' | 'all' | number[];
  loss: Loss;
  lr: number;
  batch: number;
}

export interface TensorSpec {
  name: string;
  dims: number[];
}

export interface TrainingStepGraph {
  model: Uint8Array;
  /** Trainable weights and biases (in layer order), then `features`, then `labels`. */
  inputs: TensorSpec[];
  /** The updated weights and biases (same order, `<name>_next`), then `loss` [1,1]. */
  outputs: TensorSpec[];
  trainable: number[];
}

export const weightDims = (l: DenseLayer) =>
  l.transB ? [l.outFeatures, l.inFeatures] : [l.inFeatures, l.outFeatures];

export function resolveTrainable(spec: MlpSpec, trainable: StepOptions['trainable']): number[] {
  const all = spec.layers.map((l) => l.index);
  const chosen =
    trainable === 'head'
      ? [all[all.length - 1]]
      : trainable === 'all'
        ? all
        : [...new Set(trainable)].sort((a, b) => a - b);
  if (!chosen.length || chosen.some((i) => !all.includes(i)))
    throw new PocomputeError(
      'OPTION_INVALID',
      `--layers must name dense layers 0..${all.length - 1}, "head" or "all"`,
    );
  return chosen;
}

/**
 * The ONNX graph of one SGD step on a dense/ReLU MLP: forward, loss, backward (written out with
 * basic ops EZKL can prove) and the update W' = W − lr·dW. Frozen layers are constants.
 */
export function buildTrainingStepGraph(spec: MlpSpec, options: StepOptions): TrainingStepGraph {
  if (!(options.lr > 0 && options.lr < 10))
    throw new PocomputeError(
      'OPTION_INVALID',
      `--lr must be a positive learning rate, got ${options.lr}`,
    );
  if (!Number.isInteger(options.batch) || options.batch < 1 || options.batch > 256)
    throw new PocomputeError(
      'OPTION_INVALID',
      `--batch must be an integer from 1 to 256, got ${options.batch}`,
    );
  const trainable = resolveTrainable(spec, options.trainable);
  const lowest = trainable[0];
  const B = options.batch;
  const C = spec.layers[spec.layers.length - 1].outFeatures;
  const g = new GraphBuilder('training_step');
  const inputs: TensorSpec[] = [];
  const outputs: TensorSpec[] = [];

  // Parameters: graph inputs when trainable (they change every step), constants when frozen.
  const params = spec.layers.map((l) => {
    if (trainable.includes(l.index)) {
      inputs.push(
        { name: l.weightName, dims: weightDims(l) },
        { name: l.biasName, dims: [l.outFeatures] },
      );
      return { w: g.input(l.weightName, weightDims(l)), b: g.input(l.biasName, [l.outFeatures]) };
    }
    return {
      w: g.initializer(l.weightName, weightDims(l), l.weights),
      b: g.initializer(l.biasName, [l.outFeatures], l.bias),
    };
  });
  const features = g.input('features', [B, spec.inFeatures]);
  const labels = g.input('labels', [B, C]);
  inputs.push({ name: 'features', dims: [B, spec.inFeatures] }, { name: 'labels', dims: [B, C] });

  // Forward, keeping each layer's input activation for the backward pass.
  const activations: string[] = [features];
  let z = '';
  spec.layers.forEach((l, i) => {
    z = g.node(
      'Gemm',
      [activations[i], params[i].w, params[i].b],
      { transB: l.transB ? 1 : 0 },
      `z${i}`,
    );
    activations.push(l.activation === 'relu' ? g.node('Relu', [z], {}, `a${i}`) : z);
  });

  // Loss and its gradient with respect to the logits.
  const scalar = (name: string, value: number) => g.initializer(name, [1], [value]);
  const mean = batchLoss(g, z, labels, options.loss, C);
  const loss = mean.loss;
  let dz =
    options.loss === 'mse'
      ? g.node('Mul', [mean.diff!, scalar('mse_scale', 2 / (B * C))], {}, 'dlogits')
      : g.node(
          'Mul',
          [g.node('Sub', [mean.probs!, labels], {}, 'p_minus_y'), scalar('batch_scale', 1 / B)],
          {},
          'dlogits',
        );

  // Backward from the head down to the lowest trainable layer, then the SGD update.
  const ones = g.initializer('ones_batch', [1, B], new Float32Array(B).fill(1));
  const lr = scalar('lr', options.lr);
  const updates: { w: string; b: string; layer: DenseLayer }[] = [];
  for (let i = spec.layers.length - 1; i >= lowest; i--) {
    const l = spec.layers[i];
    const input = activations[i];
    if (trainable.includes(i)) {
      const dw = l.transB
        ? g.node(
            'MatMul',
            [g.node('Transpose', [dz], { perm: [1, 0] }, `dz${i}_t`), input],
            {},
            `dw${i}`,
          )
        : g.node(
            'MatMul',
            [g.node('Transpose', [input], { perm: [1, 0] }, `a${i}_t`), dz],
            {},
            `dw${i}`,
          );
      const db = g.node(
        'Reshape',
        [
          g.node('MatMul', [ones, dz], {}, `db${i}_row`),
          g.int64Initializer(`db${i}_shape`, [1], [l.outFeatures]),
        ],
        {},
        `db${i}`,
      );
      const wNext = g.node(
        'Sub',
        [params[i].w, g.node('Mul', [dw, lr], {}, `lr_dw${i}`)],
        {},
        `${l.weightName}_next`,
      );
      const bNext = g.node(
        'Sub',
        [params[i].b, g.node('Mul', [db, lr], {}, `lr_db${i}`)],
        {},
        `${l.biasName}_next`,
      );
      updates.unshift({ w: wNext, b: bNext, layer: l });
    }
    if (i > lowest) {
      const da = l.transB
        ? g.node('MatMul', [dz, params[i].w], {}, `da${i - 1}`)
        : g.node(
            'MatMul',
            [dz, g.node('Transpose', [params[i].w], { perm: [1, 0] }, `w${i}_t`)],
            {},
            `da${i - 1}`,
          );
      // ReLU's derivative from its output: Sign(relu(z)) is 1 where z > 0, else 0.
      dz =
        spec.layers[i - 1].activation === 'relu'
          ? g.node('Mul', [da, g.node('Sign', [input], {}, `mask${i - 1}`)], {}, `dz${i - 1}`)
          : da;
    }
  }
  for (const u of updates) {
    g.output(u.w, weightDims(u.layer));
    g.output(u.b, [u.layer.outFeatures]);
    outputs.push(
      { name: u.w, dims: weightDims(u.layer) },
      { name: u.b, dims: [u.layer.outFeatures] },
    );
  }
  g.output(loss, [1, 1]);
  outputs.push({ name: 'loss', dims: [1, 1] });
  return { model: g.encode(), inputs, outputs, trainable };
}

/**
 * The batch mean loss of logits `z` [rows, C] against `labels` [rows, C], as the step graph and the
 * evaluation graph compute it, over every row: MSE = mean((z − y)²), cross-entropy = −C·mean(y·log softmax(z))
 * (= −(1/rows)·Σ y·log p). Also gives what the gradient reuses: `diff` (mse) or `probs` (ce).
 */
export function batchLoss(
  g: GraphBuilder,
  z: string,
  labels: string,
  loss: Loss,
  C: number,
): { loss: string; diff?: string; probs?: string } {
  if (loss === 'mse') {
    const diff = g.node('Sub', [z, labels], {}, 'diff');
    const mean = g.node(
      'ReduceMean',
      [g.node('Mul', [diff, diff], {}, 'sq')],
      { axes: [0, 1], keepdims: 1 },
      'loss',
    );
    return { loss: mean, diff };
  }
  const probs = g.node('Softmax', [z], { axis: 1 }, 'probs');
  const picked = g.node('Mul', [labels, g.node('Log', [probs], {}, 'logp')], {}, 'picked');
  const mean = g.node(
    'Mul',
    [
      g.node('ReduceMean', [picked], { axes: [0, 1], keepdims: 1 }, 'mean_picked'),
      g.initializer('ce_scale', [1], [-C]),
    ],
    {},
    'loss',
  );
  return { loss: mean, probs };
}
