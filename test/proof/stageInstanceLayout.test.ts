import { describe, expect, it } from 'vitest';
import {
  circuitLayout,
  positionalLabels,
  publicFeltsFromInstances,
  publicTensorsFromInstances,
} from '../../src/proof/circuitLayout.js';
import {
  type StageInstanceLayout,
  stageInstanceLayout,
} from '../../src/proof/stageInstanceLayout.js';

/** Every (index, count) of pipelines of 1 to 5 stages. */
const positions = [1, 2, 3, 4, 5].flatMap((count) =>
  Array.from({ length: count }, (_, index) => ({ index, count })),
);
const sizeCases = [
  { inputElements: 1, outputElements: 1 },
  { inputElements: 4, outputElements: 3 },
  { inputElements: 784, outputElements: 10 },
];

/** The instance indices a layout gives a role to, in the order it names them. */
function claimed(layout: StageInstanceLayout): number[] {
  const range = (r?: [number, number]) =>
    r ? Array.from({ length: r[1] - r[0] }, (_, i) => r[0] + i) : [];
  return [
    ...range(layout.publicInputs),
    ...(layout.inputHash === undefined ? [] : [layout.inputHash]),
    ...(layout.outputHash === undefined ? [] : [layout.outputHash]),
    ...range(layout.publicOutputs),
  ];
}

describe('stageInstanceLayout', () => {
  it('lays out public inputs, boundary hashes and public outputs by position', () => {
    const sizes = { inputElements: 4, outputElements: 3 };
    expect(stageInstanceLayout(0, 1, sizes)).toMatchObject({
      publicInputs: [0, 4],
      publicOutputs: [4, 7],
      count: 7,
    });
    expect(stageInstanceLayout(0, 3, sizes)).toMatchObject({
      publicInputs: [0, 4],
      outputHash: 4,
      count: 5,
    });
    expect(stageInstanceLayout(1, 3, sizes)).toMatchObject({
      inputHash: 0,
      outputHash: 1,
      count: 2,
    });
    expect(stageInstanceLayout(2, 3, sizes)).toMatchObject({
      inputHash: 0,
      publicOutputs: [1, 4],
      count: 4,
    });
  });

  it('gives each stage exactly its roles: public inputs only first, public outputs only last, a boundary hash between', () => {
    const sizes = { inputElements: 4, outputElements: 3 };
    for (const { index, count } of positions) {
      const layout = stageInstanceLayout(index, count, sizes);
      const first = index === 0;
      const last = index === count - 1;
      expect(layout.inputVisibility).toBe(first ? 'public' : 'hashed');
      expect(layout.outputVisibility).toBe(last ? 'public' : 'hashed');
      expect(layout.publicInputs !== undefined).toBe(first);
      expect(layout.inputHash !== undefined).toBe(!first);
      expect(layout.outputHash !== undefined).toBe(!last);
      expect(layout.publicOutputs !== undefined).toBe(last);
    }
  });

  it('tiles [0, count) exactly, inputs before outputs, with count = its inputs + its outputs', () => {
    for (const sizes of sizeCases)
      for (const { index, count } of positions) {
        const layout = stageInstanceLayout(index, count, sizes);
        const expected =
          (index === 0 ? sizes.inputElements : 1) +
          (index === count - 1 ? sizes.outputElements : 1);
        expect(layout.count).toBe(expected);
        // No gap, no overlap, and in the order inputs → outputs.
        expect(claimed(layout)).toEqual(Array.from({ length: expected }, (_, i) => i));
      }
  });

  it('a middle stage has two instances whatever the model sizes: hash in at 0, hash out at 1', () => {
    for (const sizes of [...sizeCases, { inputElements: 0, outputElements: 0 }])
      expect(stageInstanceLayout(2, 5, sizes)).toEqual({
        inputVisibility: 'hashed',
        outputVisibility: 'hashed',
        inputHash: 0,
        outputHash: 1,
        count: 2,
      });
  });

  it('links every stage to the next: an output hash before the last stage, an input hash after the first', () => {
    for (const count of [2, 3, 4, 5])
      for (let i = 0; i + 1 < count; i++) {
        const sizes = { inputElements: 4, outputElements: 3 };
        expect(stageInstanceLayout(i, count, sizes).outputHash).toBeTypeOf('number');
        expect(stageInstanceLayout(i + 1, count, sizes).inputHash).toBe(0);
      }
  });

  it("agrees with the layout verify reads from EZKL settings (circuitLayout) for the stage's visibilities", () => {
    const hashed = { Hashed: { hash_is_public: true, outlets: [] } };
    for (const sizes of sizeCases)
      for (const { index, count } of positions) {
        const stage = stageInstanceLayout(index, count, sizes);
        const first = index === 0;
        const last = index === count - 1;
        // The settings EZKL writes for such a stage: one boundary tensor in, one out.
        const settings = {
          run_args: {
            input_visibility: first ? 'Public' : hashed,
            output_visibility: last ? 'Public' : hashed,
            param_visibility: 'Fixed',
            logrows: 15,
          },
          num_rows: 500,
          model_input_scales: [7],
          model_output_scales: [7],
          model_instance_shapes: [
            ...(first ? [[1, sizes.inputElements]] : []),
            ...(last ? [[1, sizes.outputElements]] : []),
          ],
          module_sizes: { poseidon: [0, [Number(!first) + Number(!last)]] },
        };
        const layout = circuitLayout(settings);
        expect(layout.instanceCount).toBe(stage.count);
        // Distinct felts at every position: each role must find its own.
        const instances = Array.from({ length: stage.count }, (_, i) =>
          (i + 1).toString(16).padStart(2, '0').padEnd(64, '0'),
        );
        const felts = publicFeltsFromInstances(instances, layout);
        if (stage.publicInputs)
          expect(felts?.inputs).toEqual([instances.slice(...stage.publicInputs)]);
        if (stage.publicOutputs)
          expect(felts?.outputs).toEqual([instances.slice(...stage.publicOutputs)]);
        const tensors = publicTensorsFromInstances(instances, layout, positionalLabels(layout));
        expect(tensors?.inputs[0].hash).toEqual(
          stage.inputHash === undefined ? undefined : [instances[stage.inputHash]],
        );
        expect(tensors?.outputs[0].hash).toEqual(
          stage.outputHash === undefined ? undefined : [instances[stage.outputHash]],
        );
      }
  });
});
