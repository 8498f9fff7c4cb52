import { describe, expect, it } from 'vitest';
import { stepInstances } from '../../../src/prover/training/verifyRun.js';

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
});
