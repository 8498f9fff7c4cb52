import { describe, expect, it } from 'vitest';
import { isPocomputeError } from '../../src/core/errors.js';
import { parseInputs } from '../../src/prover/inputs.js';

const declared = [
  { name: 'a', dims: [1, 3], size: 3 },
  { name: 'b', dims: [1, 2, 2], size: 4 },
];
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (isPocomputeError(error)) return error.code;
    throw error;
  }
  return 'no error';
};

describe('parseInputs', () => {
  it('accepts EZKL input_data, a record by input name, and nested arrays alike', () => {
    const expected = [
      [1, 2, 3],
      [4, 5, 6, 7],
    ];
    expect(
      parseInputs(
        {
          input_data: [
            [1, 2, 3],
            [4, 5, 6, 7],
          ],
        },
        declared,
      ).values,
    ).toEqual(expected);
    expect(
      parseInputs(
        {
          b: [
            [
              [4, 5],
              [6, 7],
            ],
          ],
          a: [[1, 2, 3]],
        },
        declared,
      ).values,
    ).toEqual(expected);
    expect(
      parseInputs(
        [
          [[1, 2, 3]],
          [
            [
              [4, 5],
              [6, 7],
            ],
          ],
        ],
        declared,
      ).values,
    ).toEqual(expected);
    expect(
      parseInputs(
        [
          [1, 2],
          [3, 4],
        ],
        [{ name: 'x', dims: [2, 2], size: 4 }],
      ).ezkl,
    ).toEqual({ input_data: [[1, 2, 3, 4]] });
  });

  it('rejects a wrong count, a wrong size, unknown names and non-numbers with their own codes', () => {
    expect(code(() => parseInputs({ input_data: [[1, 2, 3]] }, declared))).toBe('INPUT_SHAPE');
    expect(
      code(() =>
        parseInputs(
          {
            input_data: [
              [1, 2],
              [4, 5, 6, 7],
            ],
          },
          declared,
        ),
      ),
    ).toBe('INPUT_SHAPE');
    expect(code(() => parseInputs({ a: [1, 2, 3], c: [1] }, declared))).toBe('INPUT_SHAPE');
    expect(
      code(() =>
        parseInputs(
          {
            input_data: [
              [1, 'x', 3],
              [4, 5, 6, 7],
            ],
          },
          declared,
        ),
      ),
    ).toBe('INPUT_INVALID');
    expect(code(() => parseInputs('hello', declared))).toBe('INPUT_INVALID');
    expect(
      code(() =>
        parseInputs(
          {
            input_data: [
              [1, Infinity, 3],
              [4, 5, 6, 7],
            ],
          },
          declared,
        ),
      ),
    ).toBe('INPUT_INVALID');
  });
});
