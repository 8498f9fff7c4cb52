import { clamped, wasmEngine } from './engine/wasmEngine.js';

interface PoseidonEngine {
  floatToFelt(input: number, scale: number, type: string): Uint8ClampedArray;
  poseidonHash(message: Uint8ClampedArray): Uint8ClampedArray;
}

/** Quantizes floats exactly as EZKL does for an input of this scale and type (f32 by default). */
export function toFelts(values: ArrayLike<number>, scale: number, type = 'f32'): string[] {
  const ezkl = wasmEngine() as unknown as PoseidonEngine;
  return Array.from(
    values,
    (v) =>
      JSON.parse(
        new TextDecoder().decode(ezkl.floatToFelt(v, scale, type.toLowerCase())),
      ) as string,
  );
}

/**
 * The Poseidon hash EZKL publishes for a tensor with "hashed" visibility, recomputed with its own
 * WASM engine: checks that a proof's hashed instance is these exact values.
 */
export function poseidonOfTensor(values: ArrayLike<number>, scale: number, type = 'f32'): string {
  return poseidonOfFelts(toFelts(values, scale, type));
}

/** EZKL's Poseidon hash of a message of field elements (as `toFelts` writes them). */
export function poseidonOfFelts(message: string[]): string {
  const ezkl = wasmEngine() as unknown as PoseidonEngine;
  const out = JSON.parse(
    new TextDecoder().decode(ezkl.poseidonHash(clamped(JSON.stringify(message)))),
  ) as string[][];
  return out[0][0];
}
