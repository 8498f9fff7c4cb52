import type { EVMBN254Interface } from '@ethereumjs/evm';
import { bytesToHex, hexToBytes } from '../core/bytes.js';

type Mcl = typeof import('mcl-wasm');
type G1 = InstanceType<Mcl['G1']>;
type G2 = InstanceType<Mcl['G2']>;

interface PreparedG2 {
  point: G2;
  precomputed: InstanceType<Mcl['PrecomputedG2']>;
}

/** Distinct G2 points kept prepared (a verifier has two; a process rarely sees many verifiers). */
const MAX_PREPARED_G2 = 64;

/** The base field modulus of BN254 (alt_bn128): every coordinate must be below it (EIP-196). */
const FIELD_MODULUS = 0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47n;

/** Why a precompile input is refused; the EVM turns any throw into a failed precompile call. */
class Bn254InputError extends Error {}

const word = (input: Uint8Array, offset: number): bigint =>
  BigInt(`0x${bytesToHex(input.subarray(offset, offset + 32)) || '0'}`);

/** A coordinate of the field, refused when it is not reduced (EIP-196: "not a valid field element"). */
function coordinate(input: Uint8Array, offset: number): bigint {
  const value = word(input, offset);
  if (value >= FIELD_MODULUS) throw new Bn254InputError('coordinate not below the field modulus');
  return value;
}

const hex = (value: bigint) => value.toString(16);
const bytes32 = (text: string) => hexToBytes(text.padStart(64, '0'));

/**
 * The BN254 precompiles (ecAdd 0x06, ecMul 0x07, ecPairing 0x08) on herumi's mcl, compiled to
 * WebAssembly (mcl-wasm's BN_SNARK1 is Ethereum's alt_bn128): about 5× faster than rustbn-wasm on
 * ecMul and 4× on pairings, which is most of what EZKL's verifier spends. Inputs are checked as
 * EIP-196/197 require — coordinates below the modulus, points on the curve, G2 points in the
 * order-r subgroup, (0, 0) for the point at infinity — and anything else throws, which the EVM
 * reports as a failed call.
 */
export class MclBN254 implements EVMBN254Interface {
  private readonly preparedG2 = new Map<string, PreparedG2>();

  constructor(private readonly mcl: Mcl) {}

  private g1(input: Uint8Array, offset: number): G1 {
    const x = coordinate(input, offset);
    const y = coordinate(input, offset + 32);
    const point = new this.mcl.G1();
    if (x === 0n && y === 0n) return point; // a new point is the point at infinity
    setPoint(point, `1 ${hex(x)} ${hex(y)}`);
    return point;
  }

  /**
   * A G2 point, checked (on the curve, in the subgroup) and prepared for Miller loops once per
   * distinct encoding: a KZG verifier's G2 points are the same two constants in every call, and the
   * subgroup check alone costs more than the pairing.
   */
  private g2(input: Uint8Array, offset: number): PreparedG2 | undefined {
    const encoded = bytesToHex(input.subarray(offset, offset + 128));
    const cached = this.preparedG2.get(encoded);
    if (cached) return cached;
    // EIP-197 writes an element of F_p^2 as (imaginary, real); mcl reads "real imaginary".
    const [xIm, xRe, yIm, yRe] = [0, 32, 64, 96].map((o) => coordinate(input, offset + o));
    if (xIm === 0n && xRe === 0n && yIm === 0n && yRe === 0n) return undefined; // infinity
    const point = new this.mcl.G2();
    setPoint(point, `1 ${hex(xRe)} ${hex(xIm)} ${hex(yRe)} ${hex(yIm)}`);
    if (!point.isValidOrder()) throw new Bn254InputError('G2 point not in the subgroup');
    if (this.preparedG2.size >= MAX_PREPARED_G2) this.forgetPreparedG2();
    const prepared = { point, precomputed: new this.mcl.PrecomputedG2(point) };
    this.preparedG2.set(encoded, prepared);
    return prepared;
  }

  private forgetPreparedG2(): void {
    for (const { precomputed } of this.preparedG2.values()) precomputed.destroy();
    this.preparedG2.clear();
  }

  private encode(point: G1): Uint8Array {
    if (point.isZero()) return new Uint8Array(64);
    // "1 <x> <y>" in hex: one call into mcl for both affine coordinates.
    const [, x, y] = this.mcl.normalize(point).getStr(16).split(' ');
    const out = new Uint8Array(64);
    out.set(bytes32(x), 0);
    out.set(bytes32(y), 32);
    return out;
  }

  add(input: Uint8Array): Uint8Array {
    return this.encode(this.mcl.add(this.g1(input, 0), this.g1(input, 64)));
  }

  mul(input: Uint8Array): Uint8Array {
    const point = this.g1(input, 0);
    // G1 has prime order r: multiplying by the 256-bit scalar is multiplying by it modulo r.
    const scalar = new this.mcl.Fr();
    scalar.setBigEndianMod(input.subarray(64, 96));
    return this.encode(this.mcl.mul(point, scalar));
  }

  pairing(input: Uint8Array): Uint8Array {
    if (input.length % 192 !== 0) throw new Bn254InputError('pairing input not a multiple of 192');
    let product: InstanceType<Mcl['GT']> | undefined;
    for (let offset = 0; offset < input.length; offset += 192) {
      const p = this.g1(input, offset);
      const q = this.g2(input, offset + 64);
      if (p.isZero() || !q) continue; // e(O, Q) = e(P, O) = 1
      const loop = this.mcl.precomputedMillerLoop(p, q.precomputed);
      product = product ? this.mcl.mul(product, loop) : loop;
    }
    const one = !product || this.mcl.finalExp(product).isOne();
    const result = new Uint8Array(32);
    result[31] = one ? 1 : 0;
    return result;
  }
}

/** Sets a point from mcl's affine text form, refusing one that is not on the curve. */
function setPoint(point: G1 | G2, text: string): void {
  try {
    point.setStr(text, 16);
  } catch {
    throw new Bn254InputError('point not on the curve');
  }
  if (!point.isValid()) throw new Bn254InputError('point not on the curve');
}
