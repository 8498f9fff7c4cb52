import { PocomputeError } from '../../core/errors.js';
import { GraphBuilder } from '../onnx/graphBuilder.js';
import type { MlpSpec } from './mlpSpec.js';
import { batchLoss, type Loss, type TensorSpec, weightDims } from './stepGraph.js';

export type Metric = 'loss' | 'accuracy';

export interface EvaluationOptions {
  metric: Metric;
  loss: Loss;
  rows: number;
}

export interface EvaluationGraph {
  model: Uint8Array;
  /** Each head layer's weight and bias (the step graph's names and dims), `features`, `labels`. */
  inputs: TensorSpec[];
  /** A copy of each input (`<name>_copy`, same order), then `metric` [1,1]. */
  outputs: TensorSpec[];
}

/**
 * The evaluation circuit of a head on a secret evaluation set: the head's weights and the set are
 * inputs, and each comes out again unchanged (an Identity, which EZKL compiles to the same felts at
 * the same scale), followed by the metric. Compiled with inputs `hashed` and outputs `public`, the
 * proof's instances are [Poseidon hash of each input | the weights' felts | the set's felts |
 * metric]: the hashes link the weights to a proved training run, the copies reveal what was
 * evaluated.
 */
export function buildEvaluationGraph(head: MlpSpec, options: EvaluationOptions): EvaluationGraph {
  const R = options.rows;
  if (!Number.isInteger(R) || R < 1 || R > 4096)
    throw new PocomputeError(
      'OPTION_INVALID',
      `the evaluation set must have 1 to 4096 rows, got ${R}`,
    );
  const C = head.layers[head.layers.length - 1].outFeatures;
  const g = new GraphBuilder('evaluation');
  const inputs: TensorSpec[] = [];
  const params = head.layers.map((l) => {
    inputs.push(
      { name: l.weightName, dims: weightDims(l) },
      { name: l.biasName, dims: [l.outFeatures] },
    );
    return { w: g.input(l.weightName, weightDims(l)), b: g.input(l.biasName, [l.outFeatures]) };
  });
  const features = g.input('features', [R, head.inFeatures]);
  const labels = g.input('labels', [R, C]);
  inputs.push({ name: 'features', dims: [R, head.inFeatures] }, { name: 'labels', dims: [R, C] });

  let a = features;
  let z = '';
  head.layers.forEach((l, i) => {
    z = g.node('Gemm', [a, params[i].w, params[i].b], { transB: l.transB ? 1 : 0 }, `z${i}`);
    a = l.activation === 'relu' ? g.node('Relu', [z], {}, `a${i}`) : z;
  });
  // The metric is on the logits (the last Gemm's output), as the step graph's loss is.
  let metric: string;
  if (options.metric === 'loss') {
    metric = batchLoss(g, z, labels, options.loss, C).loss;
  } else {
    // A row is right when its labelled logit is strictly the largest: with y one-hot,
    // max_c (z_c − y_c) = max(largest other logit, labelled logit − 1), which is below the labelled
    // logit exactly when no other logit reaches it; correct = Relu(Sign(labelled − that)). A tie
    // is wrong: a model whose logits are all equal (a zeroed head) scores 0, not every row.
    const picked = g.node(
      'ReduceSum',
      [g.node('Mul', [z, labels], {}, 'labelled'), g.int64Initializer('class_axis', [1], [1])],
      { keepdims: 1 },
      'labelled_logit',
    );
    const rival = g.node(
      'ReduceMax',
      [g.node('Sub', [z, labels], {}, 'others_first')],
      { axes: [1], keepdims: 1 },
      'rival_logit',
    );
    const correct = g.node(
      'Relu',
      [g.node('Sign', [g.node('Sub', [picked, rival], {}, 'margin')], {}, 'margin_sign')],
      {},
      'correct',
    );
    // The count of rows right, not their mean: a count is exact in fixed point (a mean divides by
    // the rows with a rounded 1/R: 14 of 14 came out 0.998), so a target of k rows is met exactly.
    metric = g.node(
      'ReduceSum',
      [correct, g.int64Initializer('all_axes', [2], [0, 1])],
      { keepdims: 1 },
      'rows_right',
    );
  }

  const outputs: TensorSpec[] = inputs.map((t) => {
    const copy = g.node('Identity', [t.name], {}, `${t.name}_copy`);
    g.output(copy, t.dims);
    return { name: copy, dims: t.dims };
  });
  const out = g.node('Identity', [metric], {}, 'metric');
  g.output(out, [1, 1]);
  outputs.push({ name: out, dims: [1, 1] });
  return { model: g.encode(), inputs, outputs };
}

/**
 * The evaluation metric in Float64, independently of the graph: `weights` are the head's tensors
 * in the graph's input order (weight, bias per layer, the weight in its stored layout).
 */
export function evaluationReference(
  head: MlpSpec,
  weights: ArrayLike<number>[],
  features: number[][],
  labels: number[][],
  options: { metric: Metric; loss: Loss },
): number {
  let acts = features;
  let logits = features;
  head.layers.forEach((l, li) => {
    const [w, b] = [weights[2 * li], weights[2 * li + 1]];
    const at = (i: number, o: number) =>
      l.transB ? w[o * l.inFeatures + i] : w[i * l.outFeatures + o];
    logits = acts.map((row) =>
      Array.from({ length: l.outFeatures }, (_, o) =>
        row.reduce((s, x, i) => s + x * at(i, o), b[o]),
      ),
    );
    acts = l.activation === 'relu' ? logits.map((r) => r.map((v) => Math.max(0, v))) : logits;
  });
  const R = logits.length;
  const C = logits[0].length;
  if (options.metric === 'accuracy') {
    // Strictly the largest: a tie is wrong.
    const correct = logits.filter((r, n) => {
      const picked = r.reduce((s, v, c) => s + v * labels[n][c], 0);
      return r.every((v, c) => labels[n][c] === 1 || v < picked);
    }).length;
    return correct;
  }
  if (options.loss === 'mse')
    return (
      logits.reduce((s, r, n) => s + r.reduce((t, v, c) => t + (v - labels[n][c]) ** 2, 0), 0) /
      (R * C)
    );
  return (
    -logits.reduce((s, r, n) => {
      const m = Math.max(...r);
      const lse = m + Math.log(r.reduce((t, v) => t + Math.exp(v - m), 0));
      return s + r.reduce((t, v, c) => t + labels[n][c] * (v - lse), 0);
    }, 0) / R
  );
}
