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

describe('parseInputs with element types', () => {
  const typed = (dtype: string, size = 2) =>
    [{ name: 'v', dims: [size], size, dtype }] as Parameters<typeof parseInputs>[1];

  it('passes bools to EZKL as JSON booleans and to onnxruntime as 0/1', () => {
    const parsed = parseInputs({ input_data: [[true, 0, 1, false]] }, typed('bool', 4));
    expect(parsed.ezkl.input_data).toEqual([[true, false, true, false]]);
    expect(parsed.values).toEqual([[1, 0, 1, 0]]);
    expect(parsed.dtypes).toEqual(['bool']);
    expect(code(() => parseInputs([true, 2], typed('bool')))).toBe('INPUT_INVALID');
    expect(code(() => parseInputs([true, 'yes'], typed('bool')))).toBe('INPUT_INVALID');
  });

  it('accepts integers within their type and rejects fractions, overflow and booleans', () => {
    expect(parseInputs([-128, 127], typed('int8')).values).toEqual([[-128, 127]]);
    expect(parseInputs([0, 255], typed('uint8')).values).toEqual([[0, 255]]);
    expect(parseInputs([2 ** 40, -(2 ** 40)], typed('int64')).values[0][0]).toBe(2 ** 40);
    expect(code(() => parseInputs([1.5, 2], typed('int64')))).toBe('INPUT_INVALID');
    expect(code(() => parseInputs([128, 0], typed('int8')))).toBe('INPUT_INVALID');
    expect(code(() => parseInputs([-1, 0], typed('uint8')))).toBe('INPUT_INVALID');
    expect(code(() => parseInputs([2 ** 31, 0], typed('int32')))).toBe('INPUT_INVALID');
    expect(code(() => parseInputs([2 ** 60, 0], typed('int64')))).toBe('INPUT_INVALID');
    expect(code(() => parseInputs([true, 1], typed('int32')))).toBe('INPUT_INVALID');
    expect(code(() => parseInputs([true, 1], typed('float32')))).toBe('INPUT_INVALID');
  });

  it('accepts finite floats (float16 within its range) and refuses types EZKL cannot read', () => {
    expect(parseInputs([0.1, -2.5], typed('float64')).values).toEqual([[0.1, -2.5]]);
    expect(parseInputs([65504, -1], typed('float16')).values).toEqual([[65504, -1]]);
    expect(code(() => parseInputs([70000, 0], typed('float16')))).toBe('INPUT_INVALID');
    expect(code(() => parseInputs([1, 2], typed('unsupported:string')))).toBe('ONNX_UNSUPPORTED');
  });

  it('reads a graph with no inputs from an empty input_data, {} or []', () => {
    for (const raw of [{ input_data: [] }, {}, []])
      expect(parseInputs(raw, []).ezkl).toEqual({ input_data: [] });
  });

  it('reads a graph with no inputs from one empty tensor, which it ignores as EZKL does', () => {
    const read = parseInputs({ input_data: [[]] }, []);
    expect(read.ezkl).toEqual({ input_data: [] });
    expect(read.ignored).toEqual(['input_data[0]']);
  });

  it('ignores tensors for graph inputs that initializers back, as EZKL does', () => {
    const x = [{ name: 'x', dims: [1, 3], size: 3 }];
    const graph = [
      { name: 'x', initializer: false },
      { name: 'w', initializer: true },
    ];
    const byPosition = parseInputs(
      {
        input_data: [
          [1, 2, 3],
          [0.1, 0.2],
        ],
      },
      x,
      'in',
      graph,
    );
    expect(byPosition.values).toEqual([[1, 2, 3]]);
    expect(byPosition.ignored).toEqual(['w']);
    const byName = parseInputs({ x: [1, 2, 3], w: [9] }, x, 'in', graph);
    expect(byName.values).toEqual([[1, 2, 3]]);
    expect(byName.ignored).toEqual(['w']);
    // Too few tensors are still a count error.
    expect(code(() => parseInputs({ input_data: [] }, x, 'in', graph))).toBe('INPUT_SHAPE');
  });

  it('ignores tensors past the model inputs (inputs that became initializers), as EZKL does', () => {
    const x = [{ name: 'x', dims: [1, 3], size: 3 }];
    const read = parseInputs({ input_data: [[1, 2, 3], [0.1, 0.2], [7]] }, x, 'in');
    expect(read.values).toEqual([[1, 2, 3]]);
    expect(read.ezkl).toEqual({ input_data: [[1, 2, 3]] });
    expect(read.ignored).toEqual(['input_data[1]', 'input_data[2]']);
    // EZKL reads by position: the model's input is the first tensor, whatever follows.
    expect(
      code(() =>
        parseInputs(
          {
            input_data: [
              [0.1, 0.2],
              [1, 2, 3],
            ],
          },
          x,
          'in',
        ),
      ),
    ).toBe('INPUT_SHAPE');
    // Named tensors are matched by name: an unknown name is still refused.
    expect(code(() => parseInputs({ x: [1, 2, 3], b: [1] }, x, 'in'))).toBe('INPUT_SHAPE');
  });
});

describe('float16 conversion for onnxruntime', () => {
  it('round-trips halves and rounds to nearest', async () => {
    const { toFloat16Bits, fromFloat16Bits } = await import(
      '../../src/prover/onnx/runFloatModel.js'
    );
    for (const v of [0, 1, -1.25, 0.5, 65504, 2 ** -24, -3.140625])
      expect(fromFloat16Bits(toFloat16Bits(v))).toBe(v);
    expect(fromFloat16Bits(toFloat16Bits(0.1))).toBeCloseTo(0.1, 3);
    expect(toFloat16Bits(1e6)).toBe(0x7c00);
  });
});
