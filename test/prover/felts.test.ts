import { describe, expect, it } from 'vitest';
import { BN254_R, dequantize, feltFromHexLE, feltToSigned } from '../../src/proof/felts.js';

const toHexLE = (value: bigint) => {
  let v = ((value % BN254_R) + BN254_R) % BN254_R;
  let hex = '';
  for (let i = 0; i < 32; i++) {
    hex += (v & 0xffn).toString(16).padStart(2, '0');
    v >>= 8n;
  }
  return hex;
};

describe('field elements', () => {
  it('decode little-endian hex, negative values above r/2', () => {
    expect(feltFromHexLE(`0x${toHexLE(0x1234n)}`)).toBe(0x1234n);
    expect(feltToSigned(feltFromHexLE(toHexLE(-5n)))).toBe(-5n);
  });

  it("dequantize as EZKL's felt_to_float: the signed integer over 2^scale", () => {
    for (const [value, scale, expected] of [
      [819n, 13, 0.0999755859375],
      [-1638n, 13, -0.199951171875],
      [4096n, 12, 1],
      [-1n, 0, -1],
      [123456789n, 7, 964506.1640625],
    ] as const)
      expect(dequantize(toHexLE(value), scale)).toBe(expected);
  });
});
