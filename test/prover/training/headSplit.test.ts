import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../../src/prover/onnx/graphBuilder.js';
import {
  featuresData,
  headModel,
  splitHead,
  trunkFeatures,
} from '../../../src/prover/training/headSplit.js';
import { readMlp } from '../../../src/prover/training/mlpSpec.js';
import { weightDims } from '../../../src/prover/training/stepGraph.js';
import { parseTrainingData } from '../../../src/prover/training/trainingData.js';

const base = new Uint8Array(readFileSync('fixtures/real/mlp_784_56_10/model.onnx'));
const sample = JSON.parse(readFileSync('fixtures/real/mlp_784_56_10/test.json', 'utf8')) as {
  inputs: number[][];
  labels: number[];
};
const rows = sample.inputs.slice(0, 12);

async function run(model: Uint8Array, input: string, row: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model);
  const out = await session.run({
    [input]: new ort.Tensor('float32', Float32Array.from(row), [1, row.length]),
  });
  const data = out[session.outputNames[0]].data as Float32Array;
  await session.release();
  return data;
}

describe('the head of an MLP and its frozen trunk', () => {
  const spec = readMlp(base);
  const { head, trunk } = splitHead(spec, 'head');

  it('splits the digits MLP into a 784→56 ReLU trunk and a 56→10 head with the base names', () => {
    expect(trunk.map((l) => [l.inFeatures, l.outFeatures, l.activation])).toEqual([
      [784, 56, 'relu'],
    ]);
    expect(head.inFeatures).toBe(56);
    expect(head.layers).toHaveLength(1);
    expect(head.layers[0].weightName).toBe(spec.layers[1].weightName);
    expect(head.layers[0].biasName).toBe(spec.layers[1].biasName);
    expect(splitHead(spec, 'all')).toEqual({ head: spec, trunk: [] });
  });

  it('headModel round-trips through readMlp', () => {
    const again = readMlp(headModel(head));
    expect(again).toEqual(head);
  });

  it('trunk features equal onnxruntime on the hidden layer, and head(features) the full logits', async () => {
    // A truncated model of the trunk: the base model's first Gemm + Relu.
    const g = new GraphBuilder('trunk');
    const l = trunk[0];
    const x = g.input('x', [1, 784]);
    const z = g.node(
      'Gemm',
      [
        x,
        g.initializer(l.weightName, weightDims(l), l.weights),
        g.initializer(l.biasName, [l.outFeatures], l.bias),
      ],
      { transB: l.transB ? 1 : 0 },
    );
    g.output(g.node('Relu', [z], {}, 'hidden'), [1, 56]);
    const trunkModel = g.encode();
    const features = trunkFeatures(trunk, rows);
    const headBytes = headModel(head);
    for (const [r, row] of rows.entries()) {
      const hidden = await run(trunkModel, 'x', row);
      expect(features[r]).toHaveLength(56);
      for (const [i, v] of features[r].entries())
        expect(Math.abs(v - hidden[i])).toBeLessThan(1e-4);
      const logits = await run(base, spec.inputName, row);
      const fromHead = await run(headBytes, 'features', features[r]);
      for (const [i, v] of fromHead.entries()) expect(Math.abs(v - logits[i])).toBeLessThan(1e-4);
    }
  });

  it('an empty trunk leaves rows unchanged; featuresData keeps the targets and parses as training data', () => {
    expect(trunkFeatures([], rows)).toEqual(rows);
    const data = parseTrainingData({ features: rows, labels: sample.labels.slice(0, 12) }, 784, 10);
    const f = featuresData(data, trunk);
    expect(f.targets).toBe(data.targets);
    const reread = parseTrainingData({ features: f.features, labels: f.targets }, 56, 10);
    expect(reread).toEqual(f);
  });
});
