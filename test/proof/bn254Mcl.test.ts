import { RustBN254 } from '@ethereumjs/evm';
import mcl from 'mcl-wasm';
import { initRustBN } from 'rustbn-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { MclBN254 } from '../../src/proof/bn254Mcl.js';

// The mcl backend is checked against rustbn-wasm, the precompiles @ethereumjs ships and that
// `verify` used before: the same output for every valid input, a failure for every invalid one.

const P = 0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47n;
const R = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001n;

const word = (value: bigint) => value.toString(16).padStart(64, '0');
const bytes = (...words: bigint[]) => Uint8Array.from(Buffer.from(words.map(word).join(''), 'hex'));

let ours: MclBN254;
let reference: RustBN254;

/** The output of a precompile, or 'fail' when it throws or returns no result (both fail the call). */
function outcome(
  backend: MclBN254 | RustBN254,
  op: 'add' | 'mul' | 'pairing',
  input: Uint8Array,
): string {
  try {
    const out = backend[op](input);
    const size = op === 'pairing' ? 32 : 64;
    return out.length === size ? Buffer.from(out).toString('hex') : 'fail';
  } catch {
    return 'fail';
  }
}

const agree = (op: 'add' | 'mul' | 'pairing', input: Uint8Array) =>
  expect(outcome(ours, op, input)).toBe(outcome(reference, op, input));

/** A deterministic stream of 256-bit values. */
function* values(seed: number): Generator<bigint> {
  let state = BigInt(seed);
  for (;;) {
    state = (state * 6364136223846793005n + 1442695040888963407n) % (1n << 256n);
    yield state;
  }
}

// The G1 generator and the G2 generator of EIP-197 (imaginary part first).
const G1 = [1n, 2n];
const G2 = [
  0x198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2n,
  0x1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6edn,
  0x090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975bn,
  0x12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daan,
];

/** kG1, affine (x, y), through the reference backend. */
const multiple = (k: bigint): bigint[] => {
  const out = reference.mul(bytes(...G1, k));
  return [0, 32].map((o) => BigInt(`0x${Buffer.from(out.subarray(o, o + 32)).toString('hex')}`));
};

/** The first kG1 (k = 2, 3, …) whose affine coordinates pass `test`, with k. */
const findMultiple = (test: (point: bigint[]) => boolean): [bigint, bigint[]] => {
  for (let k = 2n; ; k++) {
    const point = multiple(k);
    if (test(point)) return [k, point];
  }
};

/** kG2 from mcl, affine, in EIP-197's order (imaginary part first). */
const g2Multiple = (k: bigint): bigint[] => {
  const q = new mcl.G2();
  q.setStr(`1 ${[G2[1], G2[0], G2[3], G2[2]].map((v) => v.toString(16)).join(' ')}`, 16);
  const scalar = new mcl.Fr();
  scalar.setStr(k.toString(), 10);
  const m = mcl.normalize(mcl.mul(q, scalar));
  const [x, y] = [m.getX(), m.getY()];
  return [x.get_b(), x.get_a(), y.get_b(), y.get_a()].map((f) => BigInt(f.getStr(10)));
};

const powMod = (base: bigint, exponent: bigint, modulus: bigint): bigint => {
  let result = 1n;
  let b = base % modulus;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
  }
  return result;
};

/** √a mod p (p ≡ 3 mod 4), or undefined when a is not a square. */
const sqrtModP = (a: bigint): bigint | undefined => {
  const root = powMod(a, (P + 1n) / 4n, P);
  return (root * root) % P === a % P ? root : undefined;
};

beforeAll(async () => {
  reference = new RustBN254(await initRustBN());
  if (mcl.curveType !== mcl.BN_SNARK1) await mcl.init(mcl.BN_SNARK1);
  ours = new MclBN254(mcl);
});

describe('MclBN254: the BN254 precompiles on mcl, as rustbn-wasm computes them', () => {
  it('ecMul: any 256-bit scalar (also ≥ r), the point at infinity, scalar 0', () => {
    const scalars = values(7);
    for (let i = 0; i < 40; i++) agree('mul', bytes(...G1, scalars.next().value));
    const point = multiple(123456789n);
    for (const k of [0n, 1n, 2n, R - 1n, R, R + 1n, (1n << 256n) - 1n])
      agree('mul', bytes(...point, k));
    agree('mul', bytes(0n, 0n, 5n));
  });

  it('ecAdd: distinct points, doubling, P + (−P), the point at infinity', () => {
    const a = multiple(11n);
    const b = multiple(29n);
    agree('add', bytes(...a, ...b));
    agree('add', bytes(...a, ...a));
    agree('add', bytes(...a, a[0], P - a[1]));
    agree('add', bytes(0n, 0n, ...b));
    agree('add', bytes(0n, 0n, 0n, 0n));
  });

  it('ecPairing: true and false products, empty input, points at infinity', () => {
    const a = 987654321n;
    const aG1 = multiple(a);
    const aG2 = (() => {
      // aG2 from mcl, written back in EIP-197's (imaginary, real) order.
      const q = new mcl.G2();
      q.setStr(`1 ${[G2[1], G2[0], G2[3], G2[2]].map((v) => v.toString(16)).join(' ')}`, 16);
      const scalar = new mcl.Fr();
      scalar.setStr(a.toString(), 10);
      const m = mcl.normalize(mcl.mul(q, scalar));
      const [x, y] = [m.getX(), m.getY()];
      return [x.get_b(), x.get_a(), y.get_b(), y.get_a()].map((f) => BigInt(f.getStr(10)));
    })();
    const negG1 = [G1[0], P - G1[1]];
    agree('pairing', bytes(...aG1, ...G2, ...negG1, ...aG2)); // e(aG1, G2) · e(−G1, aG2) = 1
    agree('pairing', bytes(...aG1, ...G2, ...G1, ...aG2)); // ≠ 1
    agree('pairing', bytes(...G1, ...G2)); // ≠ 1
    agree('pairing', new Uint8Array(0)); // the empty product is 1
    agree('pairing', bytes(0n, 0n, ...G2)); // e(O, G2) = 1
    agree('pairing', bytes(...G1, 0n, 0n, 0n, 0n)); // e(G1, O) = 1
    // Twice: the second call uses the prepared G2 points.
    agree('pairing', bytes(...aG1, ...G2, ...negG1, ...aG2));
    expect(outcome(ours, 'pairing', bytes(...aG1, ...G2, ...negG1, ...aG2))).toBe(word(1n));
  });

  it('fails on a coordinate ≥ p, as EIP-196 requires, also when it is ≡ a valid one', () => {
    agree('mul', bytes(G1[0] + P, G1[1], 3n));
    agree('mul', bytes(G1[0], G1[1] + P, 3n));
    agree('add', bytes(P, 0n, ...G1));
    agree('pairing', bytes(G1[0], G1[1] + P, ...G2));
    agree('pairing', bytes(...G1, G2[0] + P, G2[1], G2[2], G2[3]));
    expect(outcome(ours, 'mul', bytes(G1[0] + P, G1[1], 3n))).toBe('fail');
  });

  it('fails on points not on the curve, in G1 and in G2', () => {
    agree('mul', bytes(1n, 3n, 2n));
    agree('add', bytes(...G1, 1n, 3n));
    agree('pairing', bytes(1n, 3n, ...G2));
    agree('pairing', bytes(...G1, G2[0], G2[1], G2[2], G2[3] + 1n));
    expect(outcome(ours, 'pairing', bytes(...G1, G2[0], G2[1], G2[2], G2[3] + 1n))).toBe('fail');
  });

  it('fails on a G2 point on the twist but outside the order-r subgroup', () => {
    // y² = x³ + b′ on the twist, b′ = 3 / (9 + i): an x whose right-hand side has a square root
    // gives a point of the curve, which is in the subgroup with probability about 1/cofactor.
    const fp2 = (re: bigint, im: bigint) => {
      const v = new mcl.Fp2();
      v.setStr(`${re.toString(16)} ${im.toString(16)}`, 16);
      return v;
    };
    const b = mcl.div(fp2(3n, 0n), fp2(9n, 1n));
    let found: bigint[] | undefined;
    for (let x = 1n; !found; x++) {
      const X = fp2(x, 0n);
      const [ok, Y] = mcl.squareRoot(mcl.add(mcl.mul(mcl.mul(X, X), X), b));
      if (ok) found = [0n, x, BigInt(Y.get_b().getStr(10)), BigInt(Y.get_a().getStr(10))];
    }
    agree('pairing', bytes(...G1, ...found));
    expect(outcome(ours, 'pairing', bytes(...G1, ...found))).toBe('fail');
  });

  it('coordinates with leading zero bytes, in and out; the point at infinity in each place', () => {
    // Multiples of G1 whose x, then y, has a zero first byte (about 1 in 48 of them each).
    const lowX = findMultiple(([x]) => x < 1n << 248n);
    const lowY = findMultiple(([, y]) => y < 1n << 248n);
    const other = multiple(5n);
    for (const [k, point] of [lowX, lowY]) {
      agree('mul', bytes(...G1, k)); // an output with a leading zero byte
      agree('mul', bytes(...point, 3n)); // an input with one
      agree('add', bytes(...point, ...other));
      agree('add', bytes(...other, ...point));
      agree('add', bytes(...point, 0n, 0n));
      expect(outcome(ours, 'mul', bytes(...G1, k))).toBe(word(point[0]) + word(point[1]));
    }
    agree('mul', bytes(...G1, 1n)); // (1, 2): 31 zero bytes in each coordinate
    agree('add', bytes(...G1, 0n, 0n));
    agree('add', bytes(0n, 0n, ...G1));
    agree('mul', bytes(0n, 0n, 0n));
    agree('mul', bytes(0n, 0n, R - 1n));
    agree('mul', bytes(...other, R)); // rO = O
    agree('mul', bytes(...other, 0n));
    expect(outcome(ours, 'mul', bytes(...other, R))).toBe(word(0n) + word(0n));
  });

  it('coordinates p − 1 and p, also as y, and 2²⁵⁶ − 1', () => {
    const max = (1n << 256n) - 1n;
    const point = multiple(77n);
    for (const bad of [P - 1n, P, P + 1n, max]) {
      agree('mul', bytes(bad, point[1], 2n));
      agree('mul', bytes(point[0], bad, 2n));
      agree('add', bytes(...point, bad, point[1]));
      agree('add', bytes(...point, point[0], bad));
      agree('add', bytes(bad, 0n, 0n, 0n));
      agree('add', bytes(0n, bad, 0n, 0n));
    }
    // x = p − 1 is on the curve when (p − 1)³ + 3 = 2 is a square: then (p − 1, ±√2) are points.
    const sqrt2 = sqrtModP(2n);
    if (sqrt2 !== undefined) {
      agree('mul', bytes(P - 1n, sqrt2, 9n));
      agree('add', bytes(P - 1n, sqrt2, ...point));
      agree('add', bytes(P - 1n, P - sqrt2, ...point));
    }
    for (const bad of [P - 1n, P, max])
      for (let i = 0; i < 4; i++) {
        const g2 = [...G2];
        g2[i] = bad;
        agree('pairing', bytes(...G1, ...g2));
      }
    agree('pairing', bytes(P, 0n, ...G2));
    agree('pairing', bytes(0n, P, ...G2));
    expect(outcome(ours, 'add', bytes(...point, point[0], P))).toBe('fail');
  });

  it('G2: the generator, a byte away from it, real and imaginary parts swapped; a refused point is not kept', () => {
    agree('pairing', bytes(...G1, ...G2));
    agree('pairing', bytes(...G1, G2[1], G2[0], G2[3], G2[2]));
    for (let i = 0; i < 4; i++) {
      const g2 = [...G2];
      g2[i] ^= 1n;
      agree('pairing', bytes(...G1, ...g2));
      expect(outcome(ours, 'pairing', bytes(...G1, ...g2))).toBe('fail');
      expect(outcome(ours, 'pairing', bytes(...G1, ...g2))).toBe('fail');
    }
    // A multiple of the generator takes the checks the generator skips; twice: then prepared.
    const q = g2Multiple(5n);
    const fiveG1 = multiple(5n);
    const negG1 = [G1[0], P - G1[1]];
    for (let i = 0; i < 2; i++) {
      agree('pairing', bytes(...G1, ...q, ...fiveG1.slice(0, 1), P - fiveG1[1], ...G2));
      expect(outcome(ours, 'pairing', bytes(...negG1, ...q, ...fiveG1, ...G2))).toBe(word(1n));
    }
  });

  it('ecPairing: odd and even numbers of pairs, points at infinity between them', () => {
    const [a, b] = [31n, 1009n];
    const [aG2, bG2] = [g2Multiple(a), g2Multiple(b)];
    const neg = ([x, y]: bigint[]) => [x, (P - y) % P];
    const pairs = [
      [...multiple(a), ...G2], // e(aG1, G2)
      [...neg(G1), ...aG2], // · e(−G1, aG2) = 1
      [0n, 0n, ...bG2], // · e(O, bG2) = 1
      [...multiple(b), ...G2], // · e(bG1, G2)
      [...G1, 0n, 0n, 0n, 0n], // · e(G1, O) = 1
      [...neg(G1), ...bG2], // · e(−G1, bG2) = 1
      [...multiple(7n), ...G2],
    ];
    for (let n = 1; n <= pairs.length; n++) {
      agree('pairing', bytes(...pairs.slice(0, n).flat()));
      agree('pairing', bytes(...pairs.slice(pairs.length - n).flat()));
    }
    expect(outcome(ours, 'pairing', bytes(...pairs.slice(0, 6).flat()))).toBe(word(1n));
    expect(outcome(ours, 'pairing', bytes(...pairs.flat()))).toBe(word(0n));
  });

  it('ecPairing: more distinct G2 points than are kept prepared', () => {
    // e(kG1, G2) · e(−G1, kG2) = 1 for each k: 70 G2 points, then the first ones again.
    const neg = [G1[0], P - G1[1]];
    const cases = Array.from({ length: 70 }, (_, i) => {
      const k = BigInt(i + 2);
      return bytes(...multiple(k), ...G2, ...neg, ...g2Multiple(k));
    });
    for (const input of [...cases, ...cases.slice(0, 3)])
      expect(outcome(ours, 'pairing', input)).toBe(word(1n));
    const wrong = bytes(...multiple(3n), ...G2, ...neg, ...g2Multiple(2n));
    expect(outcome(ours, 'pairing', wrong)).toBe(word(0n));
  });

  it('inputs shorter than a precompile reads are padded with zeros; longer ones are cut', () => {
    const input = bytes(...multiple(3n), ...multiple(4n));
    for (const length of [0, 1, 31, 32, 63, 64, 65, 95, 96, 127, 128, 129, 160]) {
      const cut = new Uint8Array(length);
      cut.set(input.subarray(0, length));
      agree('add', cut);
      agree('mul', cut);
    }
  });

  it('instances on the same mcl keep apart', () => {
    const other = new MclBN254(mcl);
    const input = bytes(...multiple(3n), 12345n);
    expect(outcome(other, 'mul', input)).toBe(outcome(ours, 'mul', input));
    expect(outcome(other, 'pairing', bytes(...G1, ...G2))).toBe(
      outcome(ours, 'pairing', bytes(...G1, ...G2)),
    );
  });

  it('refuses an mcl-wasm module without the functions it calls; fails calls before mcl.init', () => {
    const broken = { mod: { wasmMemory: mcl.getMemory() } } as unknown as typeof mcl;
    expect(() => new MclBN254(broken)).toThrow(/mcl-wasm/);
    const uninitialised = new MclBN254({} as unknown as typeof mcl);
    expect(() => uninitialised.add(new Uint8Array(128))).toThrow(/not initialised/);
  });

  it('fails on a pairing input that is not a whole number of pairs', () => {
    expect(outcome(ours, 'pairing', new Uint8Array(191))).toBe('fail');
  });
});
