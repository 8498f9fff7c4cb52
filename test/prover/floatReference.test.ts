import { describe, expect, it } from 'vitest';
import { inspectModel } from '../../src/proof/inspectModel.js';
import { compareToFloat, startFloatReference } from '../../src/prover/floatReference.js';
import { runFloatModel } from '../../src/prover/onnx/runFloatModel.js';
import { fixturePath } from '../../src/core/paths.js';

describe('compareToFloat', () => {
  it('reports the quantization error of each output against the float model', () => {
    const { floatReference, quantization } = compareToFloat(['y'], [[1, 2.5]], {
      outputs: [[1, 2]],
    });
    expect(floatReference).toEqual({ outputs: [{ name: 'y', values: [1, 2] }] });
    expect(quantization).toEqual([{ name: 'y', maxAbsError: 0.5, maxRelError: 0.25 }]);
  });

  it('says "no float reference: <reason>" and reports no error when onnxruntime failed', () => {
    const reason = 'no float reference: onnxruntime cannot load m.onnx: no MatMul(int8) kernel';
    expect(compareToFloat(['y'], [[1]], { unavailable: reason })).toEqual({
      floatReference: { outputs: [], unavailable: reason },
      quantization: [],
    });
  });

  it('has no reference when the float and circuit outputs differ in size', () => {
    const result = compareToFloat(['a', 'b'], [[1], [1, 2, 3]], { outputs: [[1], [1]] });
    expect(result.quantization).toEqual([]);
    expect(result.floatReference.unavailable).toBe(
      'no float reference: onnxruntime\'s output "b" has 1 values, the circuit\'s 3',
    );
  });
});

describe('startFloatReference', () => {
  it('computes one reference for the same model and inputs (compile, then prove), another for other inputs', async () => {
    const model = await inspectModel(fixturePath('mlp', 'model.onnx'));
    const size = model.inputs[0].dims.reduce((a, b) => a * b, 1);
    const x = [Array.from({ length: size }, (_, i) => i / size)];
    const y = [Array.from({ length: size }, (_, i) => 1 - i / size)];
    const runner = startFloatReference();
    try {
      const first = runner.run(model, x);
      // The same values read again (a new array): the same computation, not a second one.
      expect(runner.run(model, structuredClone(x))).toBe(first);
      const other = runner.run(model, y);
      expect(other).not.toBe(first);
      expect(await first).toEqual({ outputs: await runFloatModel(model, x) });
      expect(await other).toEqual({ outputs: await runFloatModel(model, y) });
      expect(await first).not.toEqual(await other);
    } finally {
      runner.close();
    }
  });
});
