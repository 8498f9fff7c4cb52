import { writeJsonAtomic } from '../../core/files.js';
import { GraphBuilder } from '../onnx/graphBuilder.js';
import type { DenseLayer, MlpSpec } from './mlpSpec.js';
import { weightDims } from './stepGraph.js';
import type { TrainingData } from './trainingData.js';

/**
 * Head fine-tuning with a frozen trunk: every layer below the trainable one is evaluated once,
 * outside any circuit, in Float64 with a fixed summation order, so anyone recomputes the same
 * features from the raw data and the base model. The step and evaluation circuits then take those
 * features, and the data commitment is over the feature rows.
 */
export function splitHead(
  spec: MlpSpec,
  trainable: 'head' | 'all',
): { head: MlpSpec; trunk: DenseLayer[] } {
  if (trainable === 'all') return { head: spec, trunk: [] };
  const last = spec.layers[spec.layers.length - 1];
  return {
    head: {
      inputName: 'features',
      inFeatures: last.inFeatures,
      outputName: spec.outputName,
      layers: [{ ...last, index: 0 }],
    },
    trunk: spec.layers.slice(0, -1),
  };
}

/** An ONNX model of the head alone: `features` [1, in] → Gemm (+ Relu) → the head's output. */
export function headModel(head: MlpSpec): Uint8Array {
  const g = new GraphBuilder('head');
  let current = g.input(head.inputName || 'features', [1, head.inFeatures]);
  head.layers.forEach((l, i) => {
    const last = i === head.layers.length - 1;
    const out = head.outputName || 'logits';
    const z = g.node(
      'Gemm',
      [
        current,
        g.initializer(l.weightName, weightDims(l), l.weights),
        g.initializer(l.biasName, [l.outFeatures], l.bias),
      ],
      { transB: l.transB ? 1 : 0 },
      last && l.activation !== 'relu' ? out : `z${i}`,
    );
    current = l.activation === 'relu' ? g.node('Relu', [z], {}, last ? out : `a${i}`) : z;
  });
  const l = head.layers[head.layers.length - 1];
  g.output(current, [1, l.outFeatures]);
  return g.encode();
}

/**
 * The frozen trunk's output for each row, in Float64: z_o = b_o + Σ_i x_i·w(i, o) summed over i in
 * increasing order (from the bias), then ReLU where the layer has one. Rows pass unchanged through
 * an empty trunk.
 */
export function trunkFeatures(trunk: DenseLayer[], rows: number[][]): number[][] {
  return rows.map((row) => {
    let a = row;
    for (const l of trunk) {
      if (a.length !== l.inFeatures)
        throw new Error(`trunk layer ${l.index} takes ${l.inFeatures} features, got ${a.length}`);
      const z = new Array<number>(l.outFeatures);
      for (let o = 0; o < l.outFeatures; o++) {
        let s = l.bias[o];
        for (let i = 0; i < l.inFeatures; i++)
          s +=
            a[i] * (l.transB ? l.weights[o * l.inFeatures + i] : l.weights[i * l.outFeatures + o]);
        z[o] = l.activation === 'relu' ? Math.max(0, s) : s;
      }
      a = z;
    }
    return a;
  });
}

/** The training data as the head sees it: the trunk's features, the targets unchanged. */
export function featuresData(data: TrainingData, trunk: DenseLayer[]): TrainingData {
  return { features: trunkFeatures(trunk, data.features), targets: data.targets };
}

/** Writes training data in train.json form ({"features", "labels": target vectors}). */
export async function writeTrainingData(path: string, data: TrainingData): Promise<void> {
  await writeJsonAtomic(path, { features: data.features, labels: data.targets });
}
