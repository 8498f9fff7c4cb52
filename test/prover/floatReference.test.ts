import { describe, expect, it } from 'vitest';
import { compareToFloat } from '../../src/prover/floatReference.js';

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
