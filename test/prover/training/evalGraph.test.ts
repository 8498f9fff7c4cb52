import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { seededNormals, seededRandom } from '../../../src/prover/onnx/graphBuilder.js';
import {
  buildEvaluationGraph,
  evaluationReference,
  type Metric,
} from '../../../src/prover/training/evalGraph.js';
import { splitHead, trunkFeatures } from '../../../src/prover/training/headSplit.js';
import { readMlp } from '../../../src/prover/training/mlpSpec.js';
import type { Loss } from '../../../src/prover/training/stepGraph.js';

const spec = readMlp(new Uint8Array(readFileSync('fixtures/real/mlp_784_56_10/model.onnx')));
const sample = JSON.parse(readFileSync('fixtures/real/mlp_784_56_10/test.json', 'utf8')) as {
  inputs: number[][];
  labels: number[];
};
const { head, trunk } = splitHead(spec, 'head');
const R = 16;
const features = trunkFeatures(trunk, sample.inputs.slice(0, R));
const oneHot = (labels: number[]) =>
  labels.map((l) => Array.from({ length: 10 }, (_, c) => (c === l ? 1 : 0)));

async function evaluate(
  options: { metric: Metric; loss: Loss },
  weights: Float32Array[],
  labels: number[][],
) {
  const graph = buildEvaluationGraph(head, { ...options, rows: R });
  const session = await ort.InferenceSession.create(graph.model);
  const values = [...weights, Float32Array.from(features.flat()), Float32Array.from(labels.flat())];
  const feeds: Record<string, ort.Tensor> = {};
  graph.inputs.forEach((t, i) => {
    feeds[t.name] = new ort.Tensor('float32', values[i], t.dims);
  });
  const out = await session.run(feeds);
  // Every input comes out unchanged, in order, before the metric.
  graph.inputs.forEach((t, i) => {
    expect(graph.outputs[i]).toEqual({ name: `${t.name}_copy`, dims: t.dims });
    expect(out[graph.outputs[i].name].data).toEqual(values[i]);
  });
  expect(graph.outputs[graph.inputs.length]).toEqual({ name: 'metric', dims: [1, 1] });
  const metric = (out.metric.data as Float32Array)[0];
  await session.release();
  return metric;
}

describe('the evaluation graph', () => {
  const l = head.layers[0];
  const base = [l.weights, l.bias];

  it('takes the step graph’s tensors, then features and labels', () => {
    const graph = buildEvaluationGraph(head, { metric: 'loss', loss: 'mse', rows: R });
    expect(graph.inputs).toEqual([
      { name: l.weightName, dims: [10, 56] },
      { name: l.biasName, dims: [10] },
      { name: 'features', dims: [R, 56] },
      { name: 'labels', dims: [R, 10] },
    ]);
  });

  it.each([
    ['loss', 'mse'],
    ['loss', 'cross-entropy'],
    ['accuracy', 'cross-entropy'],
  ] as [Metric, Loss][])(
    '%s (%s): onnxruntime matches the float reference',
    async (metric, loss) => {
      for (const labels of [
        oneHot(sample.labels.slice(0, R)),
        oneHot(sample.labels.slice(1, R + 1)),
      ]) {
        const got = await evaluate({ metric, loss }, base, labels);
        const want = evaluationReference(head, base, features, labels, { metric, loss });
        expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-5 + 1e-5 * Math.abs(want));
      }
    },
  );

  it('accuracy is the count of rows whose labelled logit is strictly the largest (a tie is wrong)', async () => {
    const labels = oneHot(sample.labels.slice(0, R));
    // The base model's argmax on these rows, counted independently.
    const argmaxRight = features.filter((row, n) => {
      const z = Array.from({ length: 10 }, (_, o) =>
        row.reduce((s, x, i) => s + x * l.weights[o * 56 + i], l.bias[o]),
      );
      return z.indexOf(Math.max(...z)) === sample.labels[n];
    }).length;
    expect(argmaxRight).toBeGreaterThan(R / 2);
    const want = evaluationReference(head, base, features, labels, {
      metric: 'accuracy',
      loss: 'mse',
    });
    expect(want).toBe(argmaxRight);
    expect(await evaluate({ metric: 'accuracy', loss: 'mse' }, base, labels)).toBe(want);
    // Shifted labels: mostly wrong.
    const wrong = oneHot(sample.labels.slice(1, R + 1));
    const correct = await evaluate({ metric: 'accuracy', loss: 'mse' }, base, wrong);
    expect(correct).toBeLessThan(R / 2);
    // A zero head: every logit ties, no row is right.
    const zero = [new Float32Array(560), new Float32Array(10)];
    expect(await evaluate({ metric: 'accuracy', loss: 'mse' }, zero, wrong)).toBe(0);
    expect(
      evaluationReference(head, zero, features, wrong, { metric: 'accuracy', loss: 'mse' }),
    ).toBe(0);
    // Random weights give something in between, the same in both.
    const r = seededRandom(3);
    const random = [seededNormals(r, 560, 0.3), seededNormals(r, 10, 0.1)];
    expect(await evaluate({ metric: 'accuracy', loss: 'mse' }, random, labels)).toBeCloseTo(
      evaluationReference(head, random, features, labels, { metric: 'accuracy', loss: 'mse' }),
      6,
    );
  });
});
