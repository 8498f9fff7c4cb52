import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../../../src/core/paths.js';
import {
  circuitLayout,
  positionalLabels,
  publicTensorsFromInstances,
} from '../../../src/proof/circuitLayout.js';
import { readMlp } from '../../../src/prover/training/mlpSpec.js';
import { buildTrainingStepGraph } from '../../../src/prover/training/stepGraph.js';
import { stepInstances } from '../../../src/prover/training/stepInstances.js';

/** Distinct field elements as EZKL writes instances (little-endian hex), one per position. */
const felts = (n: number) =>
  Array.from({ length: n }, (_, i) => (i + 1).toString(16).padStart(4, '0').padEnd(64, '0'));

describe("stepInstances: a training step proof's public instances by name", () => {
  it('reads [weights in ×k | features, labels | weights out ×k | loss]', () => {
    const k = 3;
    const instances = Array.from({ length: 2 * k + 3 }, (_, i) => `felt${i}`);
    expect(stepInstances(instances, k)).toEqual({
      weightsIn: ['felt0', 'felt1', 'felt2'],
      batch: ['felt3', 'felt4'],
      weightsOut: ['felt5', 'felt6', 'felt7'],
      loss: 'felt8',
    });
    expect(stepInstances(instances.slice(0, 5), 1)).toEqual({
      weightsIn: ['felt0'],
      batch: ['felt1', 'felt2'],
      weightsOut: ['felt3'],
      loss: 'felt4',
    });
  });

  it('round-trips: the four parts, put back in order, are the 2k + 3 instances, for k = 1 … 8', () => {
    for (let k = 1; k <= 8; k++) {
      const instances = felts(2 * k + 3);
      const at = stepInstances(instances, k);
      expect(at.weightsIn).toHaveLength(k);
      expect(at.weightsOut).toHaveLength(k);
      expect([...at.weightsIn, ...at.batch, ...at.weightsOut, at.loss]).toEqual(instances);
    }
  });

  it.each(['head', 'all'] as const)(
    "names the step circuit's own tensors (trainable: %s): its hashed inputs, then its hashed outputs",
    (trainable) => {
      const spec = readMlp(new Uint8Array(readFileSync(fixturePath('mlp', 'model.onnx'))));
      const step = buildTrainingStepGraph(spec, { trainable, loss: 'mse', lr: 0.1, batch: 2 });
      const k = step.inputs.length - 2;
      expect(step.outputs).toHaveLength(k + 1);
      // With every tensor hashed, EZKL's instances are one Poseidon hash per input tensor, then one
      // per output tensor, in graph order: label each position with the tensor it hashes.
      const names = [...step.inputs, ...step.outputs].map((t) => t.name);
      const trainableNames = step.inputs.slice(0, k).map((t) => t.name);
      expect(stepInstances(names, k)).toEqual({
        weightsIn: trainableNames,
        batch: ['features', 'labels'],
        weightsOut: trainableNames.map((name) => `${name}_next`),
        loss: 'loss',
      });
    },
  );

  it('agrees with the layout verify reads from the step circuit’s settings (all tensors hashed)', () => {
    const hashed = { Hashed: { hash_is_public: true, outlets: [] } };
    for (const k of [1, 2, 6]) {
      const settings = {
        run_args: {
          input_visibility: hashed,
          output_visibility: hashed,
          param_visibility: 'Fixed',
          logrows: 17,
        },
        num_rows: 1000,
        model_input_scales: Array(k + 2).fill(7),
        model_output_scales: Array(k + 1).fill(7),
        model_instance_shapes: [],
        module_sizes: { poseidon: [0, [2 * k + 3]] },
      };
      const layout = circuitLayout(settings);
      expect(layout.instanceCount).toBe(2 * k + 3);
      const instances = felts(layout.instanceCount);
      const tensors = publicTensorsFromInstances(instances, layout, positionalLabels(layout));
      const hashes = (ts: { hash?: string[] }[] = []) => ts.map((t) => t.hash?.[0]);
      const at = stepInstances(instances, k);
      expect(hashes(tensors?.inputs)).toEqual([...at.weightsIn, ...at.batch]);
      expect(hashes(tensors?.outputs)).toEqual([...at.weightsOut, at.loss]);
    }
  });
});
