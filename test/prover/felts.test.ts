import { describe, expect, it } from 'vitest';
import { BN254_R, dequantize, feltFromHexLE, feltToSigned } from '../../src/prover/felts.js';
import { wasmEngine, clamped } from '../../src/prover/engine/wasmEngine.js';

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

  it("dequantize exactly as EZKL's own WASM feltToFloat does", () => {
    const engine = wasmEngine() as unknown as {
      feltToFloat(a: Uint8ClampedArray, scale: number): number;
    };
    for (const [value, scale] of [
      [819n, 13],
      [-1638n, 13],
      [4096n, 12],
      [-1n, 0],
      [123456789n, 7],
    ] as const) {
      const hex = toHexLE(value);
      expect(dequantize(hex, scale)).toBe(engine.feltToFloat(clamped(JSON.stringify(hex)), scale));
    }
  });
});
