import type { MlpSpec } from './mlpSpec.js';
import type { Loss } from './stepGraph.js';

export interface ReferenceStep {
  /** New [weights, bias] per trainable layer, in the layers' stored layout. */
  updated: Map<number, { weights: Float64Array; bias: Float64Array }>;
  loss: number;
}

/**
 * One SGD step computed directly from the math in Float64, independently of the ONNX step graph:
 * the float check the proved graph is held to.
 */
export function referenceStep(
  spec: MlpSpec,
  params: Map<number, { weights: ArrayLike<number>; bias: ArrayLike<number> }>,
  features: number[][],
  labels: number[][],
  options: { trainable: number[]; loss: Loss; lr: number },
): ReferenceStep {
  const B = features.length;
  const layers = spec.layers.map((l) => {
    const p = params.get(l.index) ?? { weights: l.weights, bias: l.bias };
    // w(i, o): the weight from input i to output o, whatever the storage layout.
    const w = (i: number, o: number) =>
      l.transB ? p.weights[o * l.inFeatures + i] : p.weights[i * l.outFeatures + o];
    return { l, p, w };
  });
  const acts: number[][][] = [features];
  const pre: number[][][] = [];
  for (const { l, p, w } of layers) {
    const input = acts[acts.length - 1];
    const z = input.map((row) =>
      Array.from({ length: l.outFeatures }, (_, o) =>
        row.reduce((s, x, i) => s + x * w(i, o), p.bias[o]),
      ),
    );
    pre.push(z);
    acts.push(l.activation === 'relu' ? z.map((r) => r.map((v) => Math.max(0, v))) : z);
  }
  const logits = pre[pre.length - 1];
  const C = logits[0].length;
  let loss = 0;
  let dz: number[][];
  if (options.loss === 'mse') {
    dz = logits.map((r, n) =>
      r.map((v, k) => {
        const d = v - labels[n][k];
        loss += (d * d) / (B * C);
        return (2 * d) / (B * C);
      }),
    );
  } else {
    dz = logits.map((r, n) => {
      const m = Math.max(...r);
      const e = r.map((v) => Math.exp(v - m));
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v, k) => {
        const p = v / s;
        loss -= (labels[n][k] * Math.log(p)) / B;
        return (p - labels[n][k]) / B;
      });
    });
  }
  const updated = new Map<number, { weights: Float64Array; bias: Float64Array }>();
  const lowest = Math.min(...options.trainable);
  for (let li = layers.length - 1; li >= lowest; li--) {
    const { l, p, w } = layers[li];
    const input = acts[li];
    if (options.trainable.includes(li)) {
      const weights = Float64Array.from(p.weights);
      const bias = Float64Array.from(p.bias);
      for (let i = 0; i < l.inFeatures; i++) {
        for (let o = 0; o < l.outFeatures; o++) {
          const grad = input.reduce((s, row, n) => s + row[i] * dz[n][o], 0);
          weights[l.transB ? o * l.inFeatures + i : i * l.outFeatures + o] -= options.lr * grad;
        }
      }
      for (let o = 0; o < l.outFeatures; o++)
        bias[o] -= options.lr * dz.reduce((s, row) => s + row[o], 0);
      updated.set(li, { weights, bias });
    }
    if (li > lowest) {
      const below = layers[li - 1].l;
      dz = dz.map((row, n) =>
        Array.from({ length: l.inFeatures }, (_, i) => {
          const g = row.reduce((s, d, o) => s + d * w(i, o), 0);
          return below.activation === 'relu' ? (pre[li - 1][n][i] > 0 ? g : 0) : g;
        }),
      );
    }
  }
  return { updated, loss };
}
