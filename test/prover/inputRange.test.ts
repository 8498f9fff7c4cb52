import { describe, expect, it } from 'vitest';
import type { CompileOptions } from '../../src/proof/artifactsManifest.js';
import {
  calibrationInputBounds,
  circuitInputBounds,
  requireInputsInRange,
} from '../../src/prover/inputRange.js';

/** The mlp's compiled settings, as far as input bounds go: 256^4 range check at scale 2^13. */
const mlpSettings = {
  run_args: { decomp_base: 256, decomp_legs: 4, ignore_range_check_inputs_outputs: false },
  model_input_scales: [13],
  input_types: ['F32'],
};
const refusal = (values: number[][], bounds = circuitInputBounds(mlpSettings)) => {
  try {
    requireInputsInRange(values, ['x'], bounds);
    return undefined;
  } catch (error) {
    return error as { code: string; message: string };
  }
};

describe("input values against a circuit's range", () => {
  it('reads the range check and scales from settings.json', () => {
    expect(circuitInputBounds(mlpSettings)).toMatchObject({
      scales: [13],
      types: ['f32'],
      range: { max: 256n ** 4n - 1n },
    });
    const unchecked = { ...mlpSettings, run_args: { ignore_range_check_inputs_outputs: true } };
    expect(circuitInputBounds(unchecked).range).toBeUndefined();
  });

  it("refuses exactly what EZKL's range check refuses, quantized as EZKL does (f32 first)", () => {
    // 2^32 − 1 at scale 2^13 is 524287.9998…; as an f32, 524287.99 is 524288 (out), 524287.9 fits.
    expect(refusal([[524287.9, 0, 0, 0]])).toBeUndefined();
    expect(refusal([[-524287.9, 0, 0, 0]])).toBeUndefined();
    expect(refusal([[0, 524287.99, 0, 0]])).toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringMatching(
        /^input "x" value 1 \(524287\.99\) is outside the circuit's range: .* 4294967296, beyond ±4294967295/,
      ),
    });
    expect(refusal([[0, 0, -1e6, 0]])?.message).toMatch(/^input "x" value 2 \(-1000000\)/);
    expect(refusal([[1e308, 0, 0, 0]])?.message).toMatch(/does not fit the circuit's fixed point/);
  });

  it('bounds a compile by every calibration EZKL tries (its default 16384^2 at scale 2^11)', () => {
    const options = { calibrationTarget: 'resources' } as CompileOptions;
    const bounds = calibrationInputBounds(options, ['float32', 'int64', 'bool']);
    expect(bounds).toMatchObject({
      scales: [11, 0, 0],
      types: ['f32', 'int', 'bool'],
      range: { max: 16384n ** 2n - 1n },
    });
    const names = ['x', 'ids', 'mask'];
    expect(() => requireInputsInRange([[131071], [268435455], [1]], names, bounds)).not.toThrow();
    expect(() => requireInputsInRange([[131072], [0], [0]], names, bounds)).toThrow(
      /input "x" value 0 \(131072\) is outside the circuit's range/,
    );
    expect(() => requireInputsInRange([[0], [268435456], [0]], names, bounds)).toThrow(
      /input "ids" value 0/,
    );
    // --settings: its decomposition and the smaller of its scales.
    const given = calibrationInputBounds(
      {
        ...options,
        settings: {
          run_args: { decomp_base: 1024, decomp_legs: 3, input_scale: 9, param_scale: 8 },
        },
      },
      ['float32'],
    );
    expect(given).toMatchObject({ scales: [8], range: { max: 1024n ** 3n - 1n } });
  });
});
