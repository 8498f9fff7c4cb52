/**
 * EZKL's quantisation (`float_to_felt`) and Poseidon hash (`poseidon_hash`) in plain TypeScript,
 * bit-identical to EZKL 23 (and to the EZKL 21 WASM engine, which computes the same): no engine
 * needed to recompute the hash a proof publishes for a "hashed" tensor.
 *
 * Field elements are strings as EZKL serialises them: 32 bytes little-endian, 64 hex digits.
 *
 * The hash is halo2_gadgets' Poseidon over BN254's scalar field as EZKL instantiates it: width 2,
 * rate 1, x^5 S-box, 8 full and 56 partial rounds, in the `VariableLength` domain (capacity element
 * 2^64; padding to a multiple of the rate, which at rate 1 adds nothing). A message m_1..m_n is
 * absorbed one element per permutation — for each m_i: state[0] += m_i, permute — and the hash is
 * state[0] after the last one. There is no chunking: a tensor of n values costs n permutations.
 * An empty message has no hash (EZKL returns none).
 *
 * The round constants and MDS matrix are not copied from anywhere: they are derived here, once,
 * as the Poseidon reference (generate_parameters_grain.sage, as in halo2_gadgets' `grain` and
 * `mds`) defines them — the Grain LFSR seeded with (prime field, x^alpha S-box, 254-bit field,
 * t = 2, R_F = 8, R_P = 56), 64 × 2 round constants by rejection sampling, then the first Cauchy
 * matrix 1/(x_i + y_j) from 2t further elements reduced mod r. All 128 round constants and the 4
 * MDS entries were checked equal to the table EZKL ships (src/circuit/modules/poseidon/
 * poseidon_params.rs, unchanged from v21 to v23); test/proof/poseidon.test.ts checks the hashes
 * against ones computed by EZKL 23 itself.
 */
import { BN254_R } from './felts.js';

const P = BN254_R;

/** EZKL's input types (`InputType::from_str`): how a value is read before it is quantised. */
export type EzklInputType = 'bool' | 'f16' | 'f32' | 'f64' | 'int' | 'tdim';

const INPUT_TYPES: ReadonlySet<string> = new Set(['bool', 'f16', 'f32', 'f64', 'int', 'tdim']);

// ---------------------------------------------------------------------------------------------
// Field elements as strings

const HEX64 = /^[0-9a-fA-F]{64}$/;

/** A field element (0 ≤ x < r) as EZKL writes it: 32 bytes little-endian, lowercase hex. */
export function feltToHex(x: bigint): string {
  const be = x.toString(16).padStart(64, '0');
  let le = '';
  for (let i = 62; i >= 0; i -= 2) le += be.slice(i, i + 2);
  return le;
}

/**
 * A field element read as EZKL reads one: exactly 64 hex digits, little-endian, canonical (< r).
 * Anything else is refused as EZKL refuses it ("Failed to deserialize message: …").
 */
function feltFromHex(hex: string): bigint {
  if (typeof hex !== 'string')
    throw new Error(`Failed to deserialize message: ${JSON.stringify(hex)} is not a hex string`);
  if (!HEX64.test(hex))
    throw new Error(
      `Failed to deserialize message: ${JSON.stringify(hex)} is not 64 hex digits (32 bytes little-endian)`,
    );
  let be = '';
  for (let i = 62; i >= 0; i -= 2) be += hex.slice(i, i + 2);
  const x = BigInt(`0x${be}`);
  if (x >= P)
    throw new Error(
      `Failed to deserialize message: ${hex} does not encode a valid field element (not below r)`,
    );
  return x;
}

// ---------------------------------------------------------------------------------------------
// Quantisation

/** Rust's `f64::round`: halves away from zero (JS's Math.round takes them towards +∞). */
const roundHalfAway = (y: number): number => (y < 0 ? -Math.round(-y) : Math.round(y));

/** num-traits' f64 → i64 (`to_i64`): truncates, and has no value outside [-2^63, 2^63). */
function toI64(v: number, type: string): number {
  if (!(v >= -(2 ** 63) && v < 2 ** 63))
    throw new RangeError(`${v} is not a 64-bit integer (EZKL's ${type} input panics on it)`);
  return Math.trunc(v) + 0; // + 0: -0 → 0
}

/** EZKL's `InputType::roundtrip`: the value as the model's input type holds it. */
function roundtrip(v: number, type: string): number {
  switch (type) {
    case 'f16': // EZKL reads f16 as f32 ("TODO: implement f16")
    case 'f32':
      return Math.fround(v);
    case 'f64':
      return v;
    case 'int':
    case 'tdim':
      return toI64(v, type);
    case 'bool': {
      const b = toI64(v, type);
      if (b !== 0 && b !== 1)
        throw new RangeError(`${v} is not a boolean (EZKL's bool input panics unless 0 or 1)`);
      return b;
    }
    default:
      throw new Error(`invalid input type ${type}`);
  }
}

const I128_MAX_F64 = 2 ** 127; // i128::MAX as f64

/**
 * EZKL's `float_to_felt(value, scale, input_type)`: the value read as its input type (f32 and f16
 * round to the nearest f32), times 2^scale, rounded half away from zero to an i128, negative
 * values as r − |x|. A value past 2^127 / 2^scale is refused ("significant bit truncation", as
 * EZKL words it), NaN quantises to 0 as in EZKL. `type` is EZKL's lowercase name.
 */
export function floatToFelt(value: number, scale: number, type: EzklInputType | string): string {
  if (!INPUT_TYPES.has(type)) throw new Error(`invalid input type ${type}`);
  if (!Number.isInteger(scale) || scale < -(2 ** 31) || scale >= 2 ** 31)
    throw new RangeError(`scale ${scale} is not a 32-bit integer`);
  const x = roundtrip(value, type);
  const mult = 2 ** scale;
  const maxValue = roundHalfAway(I128_MAX_F64 / mult);
  if (x > maxValue || x < -maxValue)
    throw new RangeError('significant bit truncation when instantiating, try lowering the scale');
  const scaled = roundHalfAway(mult * x);
  // Rust's `as i128`: NaN → 0, saturating at the ends (2^127 → i128::MAX).
  let int: bigint;
  if (Number.isNaN(scaled)) int = 0n;
  else if (scaled >= I128_MAX_F64) int = (1n << 127n) - 1n;
  else if (scaled <= -I128_MAX_F64) int = -(1n << 127n);
  else int = BigInt(scaled);
  return feltToHex(int < 0n ? P + int : int);
}

// ---------------------------------------------------------------------------------------------
// Constants: Grain LFSR and the Cauchy MDS matrix

const WIDTH = 2;
const FULL_ROUNDS = 8;
const PARTIAL_ROUNDS = 56;
const FIELD_BITS = 254;

/** The Grain LFSR in self-shrinking mode, as the Poseidon reference defines it. */
class Grain {
  private readonly bits: number[] = [];
  private head = 0;

  constructor(fields: [value: number, width: number][]) {
    for (const [value, width] of fields)
      for (let i = width - 1; i >= 0; i--) this.bits.push((value >> i) & 1);
    while (this.bits.length < 80) this.bits.push(1);
    for (let i = 0; i < 160; i++) this.step();
  }

  /** One LFSR step: b_{i+80} = b_{i+62} ⊕ b_{i+51} ⊕ b_{i+38} ⊕ b_{i+23} ⊕ b_{i+13} ⊕ b_i. */
  private step(): number {
    const b = this.bits;
    const h = this.head;
    const bit = b[h + 62] ^ b[h + 51] ^ b[h + 38] ^ b[h + 23] ^ b[h + 13] ^ b[h];
    b.push(bit);
    this.head++;
    if (this.head > 4096) {
      b.splice(0, this.head);
      this.head = 0;
    }
    return bit;
  }

  /** Self-shrinking: bits in pairs, the second kept only when the first is 1. */
  private nextBit(): number {
    for (;;) {
      const keep = this.step();
      const bit = this.step();
      if (keep) return bit;
    }
  }

  /** `n` output bits read most significant first. */
  private nextBits(n: number): bigint {
    let x = 0n;
    for (let i = 0; i < n; i++) x = (x << 1n) | BigInt(this.nextBit());
    return x;
  }

  /** A uniform field element: 254 bits, redrawn until below r (round constants). */
  fieldElement(): bigint {
    for (;;) {
      const x = this.nextBits(FIELD_BITS);
      if (x < P) return x;
    }
  }

  /** 254 bits reduced mod r, without rejection (the reference's MDS sampling). */
  fieldElementReduced(): bigint {
    return this.nextBits(FIELD_BITS) % P;
  }
}

const mod = (a: bigint): bigint => {
  const m = a % P;
  return m < 0n ? m + P : m;
};

function invert(a: bigint): bigint {
  // Extended Euclid; a ≠ 0 mod r.
  let [r0, r1] = [P, mod(a)];
  let [t0, t1] = [0n, 1n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [t0, t1] = [t1, t0 - q * t1];
  }
  if (r0 !== 1n) throw new Error('not invertible');
  return mod(t0);
}

interface PoseidonConstants {
  /** Round constants, flattened: round i adds rc[2i] and rc[2i + 1]. */
  rc: bigint[];
  /** The MDS matrix [[m00, m01], [m10, m11]]. */
  mds: [bigint, bigint, bigint, bigint];
}

/** Derives the constants (see the header): ~10 ms, once per process, on the first hash. */
export function derivePoseidonConstants(): PoseidonConstants {
  const grain = new Grain([
    [1, 2], // GF(p)
    [0, 4], // S-box x^alpha
    [FIELD_BITS, 12],
    [WIDTH, 12],
    [FULL_ROUNDS, 10],
    [PARTIAL_ROUNDS, 10],
  ]);
  const rc: bigint[] = [];
  for (let i = 0; i < (FULL_ROUNDS + PARTIAL_ROUNDS) * WIDTH; i++) rc.push(grain.fieldElement());
  // The first candidate with distinct x_0, x_1, y_0, y_1 (the reference found it secure: EZKL's
  // table records "Algorithm 1: [True, 0]"); the test vectors would catch any other choice.
  for (;;) {
    const v = Array.from({ length: 2 * WIDTH }, () => grain.fieldElementReduced());
    if (new Set(v).size < v.length) continue;
    const [x0, x1, y0, y1] = v;
    return {
      rc,
      mds: [invert(x0 + y0), invert(x0 + y1), invert(x1 + y0), invert(x1 + y1)],
    };
  }
}

let constants: PoseidonConstants | undefined;

// ---------------------------------------------------------------------------------------------
// The permutation and the sponge

/** x^5 mod r for 0 ≤ x < 3r (an unreduced sum of reduced values): two reductions, not three. */
const pow5 = (x: bigint): bigint => {
  const x2 = (x * x) % P;
  return (x2 * x2 * x) % P;
};

/**
 * Hashes the message absorbed into [s0, s1]: for each element, s0 += m, then the permutation
 * (4 full rounds, 56 partial, 4 full; each adds the round's constants, applies x^5 to every word
 * in a full round and to word 0 in a partial one, then multiplies by the MDS matrix).
 */
function sponge(message: bigint[], c: PoseidonConstants): bigint {
  const { rc } = c;
  const [m00, m01, m10, m11] = c.mds;
  const half = FULL_ROUNDS / 2;
  let s0 = 0n;
  let s1 = 1n << 64n; // the VariableLength domain's capacity element
  for (const m of message) {
    s0 += m; // < 2r: every use below reduces
    let k = 0;
    for (let r = 0; r < half; r++, k += 2) {
      const a = pow5(s0 + rc[k]);
      const b = pow5(s1 + rc[k + 1]);
      s0 = (m00 * a + m01 * b) % P;
      s1 = (m10 * a + m11 * b) % P;
    }
    for (let r = 0; r < PARTIAL_ROUNDS; r++, k += 2) {
      const a = pow5(s0 + rc[k]);
      const b = s1 + rc[k + 1];
      s0 = (m00 * a + m01 * b) % P;
      s1 = (m10 * a + m11 * b) % P;
    }
    for (let r = 0; r < half; r++, k += 2) {
      const a = pow5(s0 + rc[k]);
      const b = pow5(s1 + rc[k + 1]);
      s0 = (m00 * a + m01 * b) % P;
      s1 = (m10 * a + m11 * b) % P;
    }
  }
  return s0;
}

/**
 * EZKL's `poseidon_hash(message)[0]`: the Poseidon hash of field elements (64 hex digits, little
 * endian, each below r — others are refused as EZKL refuses them). EZKL has no hash for an empty
 * message; here that is an error.
 */
export function poseidonHash(felts: readonly string[]): string {
  if (felts.length === 0) throw new RangeError('EZKL has no Poseidon hash of an empty message');
  const message = felts.map(feltFromHex);
  constants ??= derivePoseidonConstants();
  return feltToHex(sponge(message, constants));
}
