import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';

/** The subset of @ezkljs/engine@21.0.0 (WASM, in-process) that pocompute uses. */
interface WasmEzkl {
  genWitness(compiled: Uint8ClampedArray, input: Uint8ClampedArray): Uint8Array;
  prove(
    witness: Uint8ClampedArray,
    pk: Uint8ClampedArray,
    compiled: Uint8ClampedArray,
    srs: Uint8ClampedArray,
  ): Uint8Array;
  verify(
    proof: Uint8ClampedArray,
    vk: Uint8ClampedArray,
    settings: Uint8ClampedArray,
    srs: Uint8ClampedArray,
  ): boolean;
  encodeVerifierCalldata(proof: Uint8ClampedArray, vkAddress?: Uint8Array): Uint8Array;
  poseidonHash(message: Uint8ClampedArray): Uint8ClampedArray;
}

let engine: WasmEzkl | undefined;

/**
 * For a process that only verifies: compile EZKL's 9.7 MB module with V8's baseline compiler
 * (Liftoff) alone. Optimising it in the background costs more than a few verifications ever
 * win back, and the process cannot exit before those compile threads finish: measured on the
 * mlp bundle, one verify process 0.49 s → 0.21 s, 20 verifications 1.18 s → 0.50 s. Must run
 * before the engine is first loaded (the flag is read when the module is compiled); proving,
 * where the optimised code pays off on large circuits, keeps V8's default.
 */
export function preferBaselineWasm(): void {
  if (!engine) setFlagsFromString('--liftoff-only');
}

/** Loaded lazily: instantiating the WASM module costs ~100 ms and most commands never need it. */
export function wasmEngine(): WasmEzkl {
  engine ??= createRequire(import.meta.url)('@ezkljs/engine/nodejs') as WasmEzkl;
  return engine;
}

export const clamped = (bytes: Uint8Array | string): Uint8ClampedArray => {
  const b = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  return new Uint8ClampedArray(b.buffer, b.byteOffset, b.byteLength);
};

export type WasmVerifyOutcome =
  | { ok: true }
  | { ok: false; reason: string; kind: 'rejected' | 'malformed' };

/**
 * Verifies with the WASM engine. EZKL throws both for a proof that fails and for inputs it cannot
 * read; the two are told apart so that a tampered proof is "invalid", a wrong file an input error.
 */
export function verifyWithWasm(
  proof: Uint8Array,
  vk: Uint8Array,
  settings: Uint8Array,
  srs: Uint8Array,
): WasmVerifyOutcome {
  try {
    return wasmEngine().verify(clamped(proof), clamped(vk), clamped(settings), clamped(srs))
      ? { ok: true }
      : { ok: false, reason: 'the proof does not verify', kind: 'rejected' };
  } catch (error) {
    const reason = String((error as Error)?.message ?? error).replace(/^Error:\s*/, '');
    const malformed = /Failed to deserialize (settings|vk)/i.test(reason);
    return { ok: false, reason, kind: malformed ? 'malformed' : 'rejected' };
  }
}
