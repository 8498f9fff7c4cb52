import { hexToBytes } from '../core/bytes.js';
import { BN254_P } from './validateProof.js';
import { type Bn254Arithmetic, PrecompileInputError } from './verifierVm.js';

type Mcl = typeof import('mcl-wasm');

/**
 * The part of mcl-wasm's WebAssembly module used here: mcl's C API (bn.h) on pointers into the
 * module's memory. mcl-wasm exports the module as `mod` (untyped, meant for its tests); its typed
 * wrappers copy every operand to the wasm stack and back and go through strings to read or write a
 * point, which cost more than an ecAdd itself. mcl-wasm is pinned in package.json, and a module
 * without these functions is refused when an MclBN254 is built (mclModule).
 */
interface McWasm {
  wasmMemory: WebAssembly.Memory;
  _malloc(size: number): number;
  _free(pos: number): void;
  _mclBnFr_setBigEndianMod(x: number, buf: number, size: number): number;
  _mclBnFp_setBigEndianMod(x: number, buf: number, size: number): number;
  _mclBnFp_setInt32(x: number, value: number): void;
  _mclBnFp_clear(x: number): void;
  _mclBnFp2_add(z: number, x: number, y: number): void;
  _mclBnFp2_mul(z: number, x: number, y: number): void;
  _mclBnFp2_div(z: number, x: number, y: number): void;
  _mclBnFp2_sqr(y: number, x: number): void;
  _mclBnFp2_isEqual(x: number, y: number): number;
  _mclBnG1_setStr(x: number, buf: number, size: number, ioMode: number): number;
  _mclBnG1_getStr(buf: number, maxSize: number, x: number, ioMode: number): number;
  _mclBnG1_add(z: number, x: number, y: number): void;
  _mclBnG1_mul(z: number, x: number, y: number): void;
  _mclBnG2_isValidOrder(x: number): number;
  _mclBn_getUint64NumToPrecompute(): number;
  _mclBn_precomputeG2(coefficients: number, q: number): void;
  _mclBn_precomputedMillerLoop(e: number, p: number, coefficients: number): void;
  _mclBn_precomputedMillerLoop2(
    e: number,
    p1: number,
    coefficients1: number,
    p2: number,
    coefficients2: number,
  ): void;
  _mclBnGT_mul(z: number, x: number, y: number): void;
  _mclBnGT_isOne(x: number): number;
  _mclBn_finalExp(y: number, x: number): void;
}

/** McWasm's functions, checked present: a missing one must not pass for a failed precompile call. */
const MC_WASM_FUNCTIONS: readonly (keyof McWasm)[] = [
  '_malloc',
  '_free',
  '_mclBnFr_setBigEndianMod',
  '_mclBnFp_setBigEndianMod',
  '_mclBnFp_setInt32',
  '_mclBnFp_clear',
  '_mclBnFp2_add',
  '_mclBnFp2_mul',
  '_mclBnFp2_div',
  '_mclBnFp2_sqr',
  '_mclBnFp2_isEqual',
  '_mclBnG1_setStr',
  '_mclBnG1_getStr',
  '_mclBnG1_add',
  '_mclBnG1_mul',
  '_mclBnG2_isValidOrder',
  '_mclBn_getUint64NumToPrecompute',
  '_mclBn_precomputeG2',
  '_mclBn_precomputedMillerLoop',
  '_mclBn_precomputedMillerLoop2',
  '_mclBnGT_mul',
  '_mclBnGT_isOne',
  '_mclBn_finalExp',
];

/** mcl-wasm's module, undefined before `mcl.init`; throws when it lacks what McWasm names. */
function mclModule(mcl: Mcl): McWasm | undefined {
  const mod = (mcl as unknown as { mod?: McWasm }).mod;
  if (mod === undefined) return undefined;
  const missing = MC_WASM_FUNCTIONS.filter((name) => typeof mod[name] !== 'function');
  if (!(mod.wasmMemory instanceof WebAssembly.Memory) || missing.length > 0)
    throw new Error(
      `mcl-wasm's module lacks what the BN254 precompiles use (${missing.join(', ') || 'wasmMemory'}): is mcl-wasm still 2.4.1?`,
    );
  return mod;
}

/**
 * mcl's `IoEcAffineSerialize`: a G1 point as x ‖ y, each 32 bytes little-endian, (0, 0) for the
 * point at infinity; reading one refuses a point off the curve (coordinates are checked below p
 * before, here).
 */
const IO_EC_AFFINE_SERIALIZE = 4096;

/** Byte sizes of mcl-wasm's values: its Fp holds 384 bits (6 × 64) whatever the curve. */
const FP = 48;
const G1_SIZE = 3 * FP;
const G2_SIZE = 6 * FP;
const GT_SIZE = 12 * FP;

/** Offsets in the scratch memory each MclBN254 allocates in mcl's module, 16-byte aligned. */
const IN = 0; // 128 bytes of input, as mcl reads it
const STR = 128; // 64 bytes that mcl writes (with room for a terminating zero)
const FR = 224;
const B_TWIST = 256; // b′ = 3 / (9 + i), of the twist y² = x³ + b′ that G2 lies on
const FP2_T = B_TWIST + 2 * FP;
const FP2_U = FP2_T + 2 * FP;
const FP2_V = FP2_U + 2 * FP;
const G1_A = FP2_V + 2 * FP;
const G1_B = G1_A + G1_SIZE;
const G1_OUT = G1_B + G1_SIZE;
const G2_Q = G1_OUT + G1_SIZE;
const GT_1 = G2_Q + G2_SIZE;
const GT_2 = GT_1 + GT_SIZE;
const GT_3 = GT_2 + GT_SIZE;
const SCRATCH_SIZE = GT_3 + GT_SIZE;

/** Distinct G2 points kept prepared (a verifier has two; a process rarely sees many verifiers). */
const MAX_PREPARED_G2 = 64;

/** The base field modulus of BN254 (alt_bn128), big-endian: every coordinate must be below it (EIP-196). */
const FIELD_MODULUS = hexToBytes(BN254_P.toString(16).padStart(64, '0'));

/** The G2 generator in EIP-197's encoding: in the subgroup by definition, so never checked. */
const G2_GENERATOR = hexToBytes(
  '198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2' +
    '1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed' +
    '090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b' +
    '12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa',
);

/** Why a precompile input is refused: the EVM fails the call (anything else thrown is no verdict). */
class Bn254InputError extends PrecompileInputError {}

/** A coordinate of the field, refused when it is not reduced (EIP-196: "not a valid field element"). */
function checkCoordinate(input: Uint8Array, offset: number): void {
  for (let i = 0; i < 32; i++) {
    const byte = input[offset + i];
    const limit = FIELD_MODULUS[i];
    if (byte !== limit) {
      if (byte < limit) return;
      break;
    }
  }
  throw new Bn254InputError('coordinate not below the field modulus');
}

function isZero(input: Uint8Array, offset: number, length: number): boolean {
  for (let i = offset; i < offset + length; i++) if (input[i] !== 0) return false;
  return true;
}

/** Input shorter than a precompile reads is taken as padded on the right with zeros (EIP-196). */
function padded(input: Uint8Array, length: number): Uint8Array {
  if (input.length >= length) return input;
  const out = new Uint8Array(length);
  out.set(input);
  return out;
}

/**
 * What one MclBN254 holds in mcl's module: its scratch memory and its prepared G2 points. Kept apart
 * from the instance so that a FinalizationRegistry can free it when the instance is collected.
 */
interface WasmState {
  mod: McWasm;
  scratch: number;
  heap: Uint8Array;
  /** Miller-loop coefficients of each distinct G2 encoding (EIP-197 bytes as a latin-1 string). */
  preparedG2: Map<string, number>;
  /** Coefficients dropped from preparedG2 during a pairing that may still use them: freed after it. */
  retired: number[];
}

function freeState(state: WasmState): void {
  for (const coefficients of state.preparedG2.values()) state.mod._free(coefficients);
  state.preparedG2.clear();
  freeRetired(state);
  state.mod._free(state.scratch);
}

function freeRetired(state: WasmState): void {
  for (const coefficients of state.retired) state.mod._free(coefficients);
  state.retired.length = 0;
}

const states = new FinalizationRegistry<WasmState>(freeState);

/**
 * The BN254 precompiles (ecAdd 0x06, ecMul 0x07, ecPairing 0x08) on herumi's mcl, compiled to
 * WebAssembly (mcl-wasm's BN_SNARK1 is Ethereum's alt_bn128): about 5× faster than rustbn-wasm on
 * ecMul and 4× on pairings, which is most of what EZKL's verifier spends. Inputs are checked as
 * EIP-196/197 require — coordinates below the modulus, points on the curve, G2 points in the
 * order-r subgroup, (0, 0) for the point at infinity — and anything else throws, which the EVM
 * reports as a failed call. Points go to and from mcl as bytes in its memory, through mcl's C API
 * (see McWasm), not through mcl-wasm's objects and strings. `mcl` must be initialised for BN_SNARK1.
 */
export class MclBN254 implements Bn254Arithmetic {
  private state: WasmState | undefined;

  constructor(private readonly mcl: Mcl) {
    mclModule(mcl); // a wrong mcl-wasm fails here, not in every precompile call
  }

  /** This instance's state in mcl's current module (a new one if mcl was initialised again). */
  private wasm(): WasmState {
    const state = this.state;
    const current = (this.mcl as unknown as { mod?: McWasm }).mod;
    if (state !== undefined && state.mod === current) return state;
    const mod = mclModule(this.mcl);
    if (mod === undefined) throw new Error('mcl-wasm is not initialised (mcl.init(mcl.BN_SNARK1))');
    if (state) states.unregister(this); // its memory went with the module it was allocated in
    const scratch = mod._malloc(SCRATCH_SIZE);
    // b′ = 3 / (9 + i), for the on-curve check of G2 points.
    mod._mclBnFp_setInt32(scratch + FP2_T, 3);
    mod._mclBnFp_clear(scratch + FP2_T + FP);
    mod._mclBnFp_setInt32(scratch + FP2_U, 9);
    mod._mclBnFp_setInt32(scratch + FP2_U + FP, 1);
    mod._mclBnFp2_div(scratch + B_TWIST, scratch + FP2_T, scratch + FP2_U);
    const fresh: WasmState = {
      mod,
      scratch,
      heap: new Uint8Array(mod.wasmMemory.buffer),
      preparedG2: new Map(),
      retired: [],
    };
    states.register(this, fresh, this);
    this.state = fresh;
    return fresh;
  }

  /** mcl's memory as bytes; a view made before the memory grew is detached (length 0). */
  private heap(state: WasmState): Uint8Array {
    if (state.heap.length === 0) state.heap = new Uint8Array(state.mod.wasmMemory.buffer);
    return state.heap;
  }

  /** Reads the G1 point at input[offset…+64] into mcl's memory at `to`; true when it is infinity. */
  private g1(state: WasmState, input: Uint8Array, offset: number, to: number): boolean {
    checkCoordinate(input, offset);
    checkCoordinate(input, offset + 32);
    const heap = this.heap(state);
    const buf = state.scratch + IN;
    // EIP-196's big-endian words as mcl's little-endian ones.
    for (let i = 0; i < 32; i++) {
      heap[buf + i] = input[offset + 31 - i];
      heap[buf + 32 + i] = input[offset + 63 - i];
    }
    if (state.mod._mclBnG1_setStr(to, buf, 64, IO_EC_AFFINE_SERIALIZE) !== 0)
      throw new Bn254InputError('point not on the curve');
    return isZero(input, offset, 64);
  }

  /** The G1 point at `from` in mcl's memory, affine, in EIP-196's encoding ((0, 0) for infinity). */
  private encode(state: WasmState, from: number): Uint8Array {
    const buf = state.scratch + STR;
    if (state.mod._mclBnG1_getStr(buf, 96, from, IO_EC_AFFINE_SERIALIZE) !== 64)
      throw new Error('mcl could not write a G1 point');
    const heap = this.heap(state);
    const out = new Uint8Array(64);
    for (let i = 0; i < 32; i++) {
      out[i] = heap[buf + 31 - i];
      out[32 + i] = heap[buf + 63 - i];
    }
    return out;
  }

  /**
   * A G2 point's Miller-loop coefficients, the point checked (on the curve, in the subgroup) and
   * prepared once per distinct encoding: a KZG verifier's G2 points are the same two constants in
   * every call, and the subgroup check alone costs more than the pairing. Undefined for infinity.
   */
  private g2(state: WasmState, input: Uint8Array, offset: number): number | undefined {
    const encoded = String.fromCharCode(...input.subarray(offset, offset + 128));
    const cached = state.preparedG2.get(encoded);
    if (cached !== undefined) return cached;
    for (let o = 0; o < 128; o += 32) checkCoordinate(input, offset + o);
    if (isZero(input, offset, 128)) return undefined; // infinity
    const { mod, scratch } = state;
    this.heap(state).set(input.subarray(offset, offset + 128), scratch + IN);
    // EIP-197 writes an element of F_p^2 as (imaginary, real); mcl's Fp2 is (real, imaginary).
    const q = scratch + G2_Q;
    for (const [to, from] of [
      [0, 32],
      [FP, 0],
      [2 * FP, 96],
      [3 * FP, 64],
    ])
      mod._mclBnFp_setBigEndianMod(q + to, scratch + IN + from, 32); // exact: below p, checked
    mod._mclBnFp_setInt32(q + 4 * FP, 1); // z = 1
    mod._mclBnFp_clear(q + 5 * FP);
    if (!this.isG2Generator(input, offset)) {
      // y² = x³ + b′, then the order (mcl's isValid would check it twice: its flag, then ours).
      mod._mclBnFp2_sqr(scratch + FP2_T, q);
      mod._mclBnFp2_mul(scratch + FP2_U, scratch + FP2_T, q);
      mod._mclBnFp2_add(scratch + FP2_T, scratch + FP2_U, scratch + B_TWIST);
      mod._mclBnFp2_sqr(scratch + FP2_V, q + 2 * FP);
      if (mod._mclBnFp2_isEqual(scratch + FP2_T, scratch + FP2_V) !== 1)
        throw new Bn254InputError('point not on the curve');
      if (mod._mclBnG2_isValidOrder(q) !== 1)
        throw new Bn254InputError('G2 point not in the subgroup');
    }
    if (state.preparedG2.size >= MAX_PREPARED_G2) {
      state.retired.push(...state.preparedG2.values());
      state.preparedG2.clear();
    }
    const coefficients = mod._malloc(mod._mclBn_getUint64NumToPrecompute() * 8);
    mod._mclBn_precomputeG2(coefficients, q);
    state.preparedG2.set(encoded, coefficients);
    return coefficients;
  }

  private isG2Generator(input: Uint8Array, offset: number): boolean {
    for (let i = 0; i < 128; i++) if (input[offset + i] !== G2_GENERATOR[i]) return false;
    return true;
  }

  add(input: Uint8Array): Uint8Array {
    const state = this.wasm();
    const data = padded(input, 128);
    const { scratch } = state;
    this.g1(state, data, 0, scratch + G1_A);
    this.g1(state, data, 64, scratch + G1_B);
    state.mod._mclBnG1_add(scratch + G1_OUT, scratch + G1_A, scratch + G1_B);
    return this.encode(state, scratch + G1_OUT);
  }

  mul(input: Uint8Array): Uint8Array {
    const state = this.wasm();
    const data = padded(input, 96);
    const { mod, scratch } = state;
    this.g1(state, data, 0, scratch + G1_A);
    // G1 has prime order r: multiplying by the 256-bit scalar is multiplying by it modulo r.
    this.heap(state).set(data.subarray(64, 96), scratch + IN);
    mod._mclBnFr_setBigEndianMod(scratch + FR, scratch + IN, 32);
    mod._mclBnG1_mul(scratch + G1_OUT, scratch + G1_A, scratch + FR);
    return this.encode(state, scratch + G1_OUT);
  }

  pairing(input: Uint8Array): Uint8Array {
    if (input.length % 192 !== 0) throw new Bn254InputError('pairing input not a multiple of 192');
    const state = this.wasm();
    const { mod, scratch } = state;
    let one = true;
    try {
      // Miller loops, two pairs at a time (mcl shares their squarings), multiplied into `product`;
      // GT_1…3 keep each mcl call's result apart from its operands.
      let product: number | undefined;
      const accumulate = (loop: number) => {
        if (product === undefined) {
          product = loop;
          return;
        }
        const to = scratch + (product === scratch + GT_2 ? GT_3 : GT_2);
        mod._mclBnGT_mul(to, product, loop);
        product = to;
      };
      const loopTo = () => scratch + (product === undefined ? GT_2 : GT_1);
      let pending: number | undefined; // the coefficients of a pair waiting in G1_A for a second
      for (let offset = 0; offset < input.length; offset += 192) {
        const slot = scratch + (pending === undefined ? G1_A : G1_B);
        const infinity = this.g1(state, input, offset, slot);
        const q = this.g2(state, input, offset + 64);
        if (infinity || q === undefined) continue; // e(O, Q) = e(P, O) = 1
        if (pending === undefined) {
          pending = q;
          continue;
        }
        const loop = loopTo();
        mod._mclBn_precomputedMillerLoop2(loop, scratch + G1_A, pending, scratch + G1_B, q);
        pending = undefined;
        accumulate(loop);
      }
      if (pending !== undefined) {
        const loop = loopTo();
        mod._mclBn_precomputedMillerLoop(loop, scratch + G1_A, pending);
        accumulate(loop);
      }
      if (product !== undefined) {
        mod._mclBn_finalExp(scratch + GT_1, product);
        one = mod._mclBnGT_isOne(scratch + GT_1) === 1;
      }
    } finally {
      freeRetired(state);
    }
    const result = new Uint8Array(32);
    result[31] = one ? 1 : 0;
    return result;
  }
}
