import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { isPocomputeError } from '../../../src/core/errors.js';
import {
  GraphBuilder,
  seededNormals,
  seededRandom,
} from '../../../src/prover/onnx/graphBuilder.js';
import { withUpdatedWeights } from '../../../src/prover/training/applyWeights.js';
import { readMlp } from '../../../src/prover/training/mlpSpec.js';
import { referenceStep } from '../../../src/prover/training/reference.js';
import { buildTrainingStepGraph, type Loss } from '../../../src/prover/training/stepGraph.js';

/** A small deterministic MLP: 4 → 8 (ReLU) → 6 (ReLU) → 3, with the middle layer stored transB. */
function smallMlp(): Uint8Array {
  const r = seededRandom(42);
  const g = new GraphBuilder('mlp');
  const x = g.input('x', [1, 4]);
  const h1 = g.node('Relu', [
    g.node('Gemm', [
      x,
      g.initializer('W1', [4, 8], seededNormals(r, 32, 0.5)),
      g.initializer('b1', [8], seededNormals(r, 8, 0.1)),
    ]),
  ]);
  const h2 = g.node('Relu', [
    g.node(
      'Gemm',
      [
        h1,
        g.initializer('W2', [6, 8], seededNormals(r, 48, 0.5)),
        g.initializer('b2', [6], seededNormals(r, 6, 0.1)),
      ],
      { transB: 1 },
    ),
  ]);
  g.node(
    'Gemm',
    [
      h2,
      g.initializer('W3', [6, 3], seededNormals(r, 18, 0.5)),
      g.initializer('b3', [3], seededNormals(r, 3, 0.1)),
    ],
    {},
    'logits',
  );
  g.output('logits', [1, 3]);
  return g.encode();
}

function batch(B: number) {
  const r = seededRandom(7);
  const features = Array.from({ length: B }, () => Array.from(seededNormals(r, 4, 1)));
  const labels = Array.from({ length: B }, (_, n) => [0, 1, 2].map((k) => (k === n % 3 ? 1 : 0)));
  return { features, labels };
}

const close = (actual: ArrayLike<number>, expected: ArrayLike<number>) => {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++)
    expect(Math.abs(actual[i] - expected[i])).toBeLessThanOrEqual(
      2e-5 + 2e-4 * Math.abs(expected[i]),
    );
};

describe('the training-step graph', () => {
  const model = smallMlp();
  const spec = readMlp(model);
  const B = 8;
  const { features, labels } = batch(B);

  it.each([
    ['mse', 'head'],
    ['mse', 'all'],
    ['cross-entropy', 'head'],
    ['cross-entropy', 'all'],
  ] as [Loss, 'head' | 'all'][])(
    '%s loss, %s layers: onnxruntime matches the independent float reference',
    async (loss, trainable) => {
      const step = buildTrainingStepGraph(spec, { trainable, loss, lr: 0.05, batch: B });
      const session = await ort.InferenceSession.create(step.model);
      const feeds: Record<string, ort.Tensor> = {};
      for (const input of step.inputs) {
        const layer = spec.layers.find(
          (l) => l.weightName === input.name || l.biasName === input.name,
        );
        const data = layer
          ? layer.weightName === input.name
            ? layer.weights
            : layer.bias
          : Float32Array.from((input.name === 'features' ? features : labels).flat());
        feeds[input.name] = new ort.Tensor('float32', Float32Array.from(data), input.dims);
      }
      const out = await session.run(feeds);
      const reference = referenceStep(spec, new Map(), features, labels, {
        trainable: step.trainable,
        loss,
        lr: 0.05,
      });
      expect(step.trainable).toEqual(trainable === 'head' ? [2] : [0, 1, 2]);
      for (const index of step.trainable) {
        const layer = spec.layers[index];
        close(
          out[`${layer.weightName}_next`].data as Float32Array,
          reference.updated.get(index)!.weights,
        );
        close(
          out[`${layer.biasName}_next`].data as Float32Array,
          reference.updated.get(index)!.bias,
        );
      }
      close(out.loss.data as Float32Array, [reference.loss]);
      expect(reference.loss).toBeGreaterThan(0);
      await session.release();
    },
  );

  it('the update actually moves the weights and lowers the loss on the batch', () => {
    const first = referenceStep(spec, new Map(), features, labels, {
      trainable: [0, 1, 2],
      loss: 'cross-entropy',
      lr: 0.2,
    });
    const second = referenceStep(
      spec,
      new Map([...first.updated].map(([i, p]) => [i, p])),
      features,
      labels,
      { trainable: [0, 1, 2], loss: 'cross-entropy', lr: 0.2 },
    );
    expect(second.loss).toBeLessThan(first.loss);
  });

  it('exports updated weights into the inference model, which then computes with them', async () => {
    const w3 = Float32Array.from(spec.layers[2].weights, (v) => v * 2);
    const updated = withUpdatedWeights(model, { W3: w3 });
    expect(readMlp(updated).layers[2].weights).toEqual(w3);
    const session = await ort.InferenceSession.create(updated);
    const out = await session.run({
      x: new ort.Tensor('float32', Float32Array.from(features[0]), [1, 4]),
    });
    // A plain forward pass with the doubled head gives the same logits.
    let a = features[0];
    for (const l of readMlp(updated).layers) {
      const w = (i: number, o: number) =>
        l.transB ? l.weights[o * l.inFeatures + i] : l.weights[i * l.outFeatures + o];
      const z = Array.from({ length: l.outFeatures }, (_, o) =>
        a.reduce((s, x, i) => s + x * w(i, o), l.bias[o]),
      );
      a = l.activation === 'relu' ? z.map((v) => Math.max(0, v)) : z;
    }
    close(out.logits.data as Float32Array, a);
    await session.release();
  });

  it('refuses models that are not dense/ReLU MLPs, and bad options, with their codes', () => {
    const g = new GraphBuilder('conv');
    const x = g.input('x', [1, 1, 4, 4]);
    g.node('Conv', [x, g.initializer('k', [1, 1, 3, 3], new Float32Array(9))], {}, 'y');
    g.output('y', [1, 1, 2, 2]);
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return isPocomputeError(e) ? e.code : 'other';
      }
      return 'none';
    };
    expect(codeOf(() => readMlp(g.encode()))).toBe('ONNX_UNSUPPORTED');
    expect(
      codeOf(() =>
        buildTrainingStepGraph(spec, { trainable: 'head', loss: 'mse', lr: -1, batch: 8 }),
      ),
    ).toBe('OPTION_INVALID');
    expect(
      codeOf(() =>
        buildTrainingStepGraph(spec, { trainable: 'head', loss: 'mse', lr: 0.1, batch: 0 }),
      ),
    ).toBe('OPTION_INVALID');
    expect(
      codeOf(() =>
        buildTrainingStepGraph(spec, { trainable: [7], loss: 'mse', lr: 0.1, batch: 8 }),
      ),
    ).toBe('OPTION_INVALID');
  });
});
