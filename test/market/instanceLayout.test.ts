import { describe, expect, it } from 'vitest';
import { isPocomputeError } from '../../src/core/errors.js';
import {
  dequantizeInputs,
  dequantizeOutputs,
  instanceCounts,
  quantizeInputs,
} from '../../src/market/instanceLayout.js';
import type { ArtifactsManifest } from '../../src/proof/artifactsManifest.js';
import { BN254_R } from '../../src/proof/felts.js';

type Visibility = ArtifactsManifest['options']['inputVisibility'];

/**
 * The parts of an artifacts manifest the market's instance layout reads: two input tensors (2 and
 * 3 elements, scales 7 and 3) and two output tensors (2 and 1 elements, scales 8 and 2).
 */
function manifest(
  inputVisibility: Visibility = 'public',
  outputVisibility: Visibility = 'public',
): ArtifactsManifest {
  const tensor = (name: string, dims: number[]) => ({
    name,
    dims,
    size: dims.reduce((a, b) => a * b, 1),
  });
  return {
    model: {
      inputs: [tensor('a', [1, 2]), tensor('b', [3])],
      outputs: [tensor('y', [1, 2]), tensor('z', [1])],
    },
    options: { inputVisibility, outputVisibility, paramVisibility: 'fixed' },
    circuit: { inputScales: [7, 3], outputScales: [8, 2] },
  } as unknown as ArtifactsManifest;
}

/** A signed integer as the field element (uint256) an instance holds. */
const felt = (value: bigint) => (value < 0n ? BN254_R + value : value);

function thrown(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, got none');
}

describe('instanceCounts: how many instances are the inputs, and how many the outputs', () => {
  it('counts one instance per element of public tensors', () => {
    expect(instanceCounts(manifest())).toEqual({ numInputs: 5, numOutputs: 3 });
  });

  it('counts one instance (a Poseidon hash) per hashed tensor, and none for private ones', () => {
    expect(instanceCounts(manifest('public', 'hashed'))).toEqual({ numInputs: 5, numOutputs: 2 });
    // Stages past the first take their input hashed (the boundary's hash) …
    expect(instanceCounts(manifest('hashed', 'public'), { stage: true })).toEqual({
      numInputs: 2,
      numOutputs: 3,
    });
    expect(instanceCounts(manifest('private', 'hashed'), { stage: true })).toEqual({
      numInputs: 0,
      numOutputs: 2,
    });
  });

  it('refuses a model whose outputs are private (OPTION_INVALID, exit 2): a task would pay for nothing', () => {
    const error = thrown(() => instanceCounts(manifest('public', 'private'), { stage: true }));
    expect(isPocomputeError(error, 'OPTION_INVALID')).toBe(true);
    expect((error as Error).message).toMatch(/needs public \(or hashed\) outputs/);
  });

  it('refuses a model whose inputs are not public, unless it is a pipeline stage', () => {
    for (const visibility of ['hashed', 'private'] as const) {
      const error = thrown(() => instanceCounts(manifest(visibility, 'public')));
      expect(isPocomputeError(error, 'OPTION_INVALID')).toBe(true);
      expect((error as Error).message).toMatch(/commit to the exact input values/);
    }
  });
});

describe('quantizeInputs and dequantizeInputs: the input instances of a task', () => {
  const values = [
    [1, -0.5],
    [2, 0, -1],
  ];
  // Input a at scale 7 (×128), input b at scale 3 (×8); negatives are r − x.
  const instances = [128n, felt(-64n), 16n, 0n, felt(-8n)];

  it('quantizes each tensor with its own scale, in input order, tensors concatenated', () => {
    expect(quantizeInputs(values, manifest(), [])).toEqual(instances);
    // EZKL rounds to the nearest step of its scale: 0.3 × 8 = 2.4 → 2.
    expect(quantizeInputs([[0], [0.3, 0, 0]], manifest(), [])[1]).toBe(2n);
  });

  it('reads the instances back at the offsets of each tensor (a: [0, 2), b: [2, 5)) with its scale', () => {
    expect(dequantizeInputs(instances, manifest())).toEqual(values);
  });

  it('round-trips every value its scale can represent', () => {
    const representable = [
      [127.5, -3.0078125],
      [-1024.125, 7.5, 0.875],
    ];
    const felts = quantizeInputs(representable, manifest(), ['F32', 'F32']);
    expect(felts).toHaveLength(5);
    expect(felts.every((f) => f >= 0n && f < BN254_R)).toBe(true);
    expect(dequantizeInputs(felts, manifest())).toEqual(representable);
  });

  it("reads only the inputs' instances: the outputs after them are not part of any input", () => {
    expect(dequantizeInputs([...instances, 999n, 998n, 997n], manifest())).toEqual(values);
  });

  it('refuses a value that does not fit the fixed point, or is not finite, naming it (INPUT_INVALID)', () => {
    for (const bad of [1e300, Number.NaN, Number.POSITIVE_INFINITY]) {
      const error = thrown(() =>
        quantizeInputs(
          [
            [0, bad],
            [0, 0, 0],
          ],
          manifest(),
          [],
        ),
      );
      expect(isPocomputeError(error, 'INPUT_INVALID')).toBe(true);
      expect((error as Error).message).toMatch(/^input 0 value 1 \(/);
    }
  });
});

describe('dequantizeOutputs: a task’s verified outputs as numbers', () => {
  it('gives each element the scale of the output tensor it belongs to', () => {
    // y (2 elements, scale 8) then z (1 element, scale 2): the third instance is z's.
    expect(dequantizeOutputs([256n, felt(-4n), 4n], manifest())).toEqual([1, -4 / 256, 1]);
  });

  it('reads field elements above r/2 as negative values', () => {
    expect(dequantizeOutputs([felt(-512n), felt(-1n), felt(-6n)], manifest())).toEqual([
      -2,
      -1 / 256,
      -1.5,
    ]);
  });
});
