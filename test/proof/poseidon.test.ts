import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PocomputeError } from '../../src/core/errors.js';
import {
  derivePoseidonConstants,
  feltToHex,
  floatToFelt,
  poseidonHash,
} from '../../src/proof/poseidon.js';
import { BN254_R } from '../../src/proof/felts.js';
import { poseidonOfFelts, poseidonOfTensor, toFelts } from '../../src/prover/poseidon.js';

/** Written by scripts/poseidonVectors.py with EZKL 23.0.5's Python bindings. */
interface Vectors {
  ezkl: string;
  floatToFelt: { type: string; scale: number; vectors: [bits: string, felt: string | null][] }[];
  poseidon: { label: string; length: number; hash: string | null }[];
  poseidonExplicit: { message: string[]; hash: string }[];
}
const vectors = JSON.parse(
  readFileSync(new URL('./poseidonVectors.json', import.meta.url), 'utf8'),
) as Vectors;

const fromBits = (bits: string) => Buffer.from(bits, 'hex').readDoubleBE(0);

/** The script's message: element i = sha256("<label>:<i>") read little-endian, mod r. */
const message = (label: string, length: number) =>
  Array.from({ length }, (_, i) => {
    const digest = createHash('sha256').update(`${label}:${i}`).digest();
    return feltToHex(BigInt(`0x${Buffer.from(digest).reverse().toString('hex')}`) % BN254_R);
  });

const quantize = (v: number, scale: number, type: string): string | null => {
  try {
    return floatToFelt(v, scale, type);
  } catch {
    return null;
  }
};

describe('EZKL 23 vectors', () => {
  it('were made by EZKL 23', () => {
    expect(vectors.ezkl).toMatch(/^23\./);
    expect(vectors.floatToFelt.reduce((n, g) => n + g.vectors.length, 0)).toBeGreaterThan(2000);
  });

  it('float_to_felt: every value, scale and type as EZKL 23 quantizes it (or refuses it)', () => {
    const wrong: string[] = [];
    for (const { type, scale, vectors: cases } of vectors.floatToFelt)
      for (const [bits, felt] of cases) {
        const got = quantize(fromBits(bits), scale, type);
        if (got !== felt) wrong.push(`${fromBits(bits)} @2^${scale} ${type}: ${got} ≠ ${felt}`);
      }
    expect(wrong).toEqual([]);
  });

  it('poseidon_hash of messages of 1 to 1000 elements', () => {
    for (const { label, length, hash } of vectors.poseidon) {
      if (hash === null) {
        expect(length).toBe(0);
        expect(() => poseidonHash(message(label, length))).toThrow(/empty message/);
      } else expect(poseidonHash(message(label, length)), label).toBe(hash);
    }
    for (const { message: m, hash } of vectors.poseidonExplicit) expect(poseidonHash(m)).toBe(hash);
  });

  it('the round constants and MDS are the Grain LFSR ones EZKL ships', () => {
    const { rc, mds } = derivePoseidonConstants();
    expect(rc).toHaveLength(128);
    // EZKL's poseidon_params.rs ROUND_CONSTANTS[0][0] and MDS[0][0].
    expect(rc[0]).toBe(0x09c46e9ec68e9bd4fe1faaba294cba38a71aa177534cdd1b6c7dc0dbd0abd7a7n);
    expect(mds[0]).toBe(0x066f6f85d6f68a85ec10345351a23a3aaf07f38af8c952a7bceca70bd2af7ad5n);
    expect(rc.every((c) => c < BN254_R) && mds.every((c) => c < BN254_R)).toBe(true);
  });
});

describe('floatToFelt', () => {
  it('rounds half away from zero, writes negatives as r - |x|, 32 bytes little-endian', () => {
    expect(floatToFelt(1, 7, 'f32')).toBe(`80${'0'.repeat(62)}`);
    expect(floatToFelt(2.5, 0, 'f64')).toBe(`03${'0'.repeat(62)}`);
    expect(floatToFelt(-2.5, 0, 'f64')).toBe(feltToHex(BN254_R - 3n));
    expect(floatToFelt(-0.5, 0, 'f64')).toBe(feltToHex(BN254_R - 1n));
    // 0.1 is 0.100000001490116… as an f32: at scale 2^30 the two types differ
    expect(floatToFelt(0.1, 30, 'f32')).not.toBe(floatToFelt(0.1, 30, 'f64'));
    expect(floatToFelt(0.1, 30, 'f16')).toBe(floatToFelt(0.1, 30, 'f32'));
  });

  it('refuses what EZKL refuses, in its words', () => {
    expect(() => floatToFelt(2 ** 120, 8, 'f64')).toThrow(/significant bit truncation/);
    expect(() => floatToFelt(Number.POSITIVE_INFINITY, 0, 'f32')).toThrow(/significant bit/);
    expect(() => floatToFelt(1e39, 0, 'f32')).toThrow(/significant bit/); // inf as an f32
    expect(() => floatToFelt(1, 0, 'F32')).toThrow('invalid input type F32');
    expect(() => floatToFelt(2, 0, 'bool')).toThrow(/boolean/);
    expect(() => floatToFelt(2 ** 63, 0, 'int')).toThrow(/64-bit integer/);
    expect(() => floatToFelt(1, 0.5, 'f32')).toThrow(/scale/);
    expect(floatToFelt(Number.NaN, 7, 'f32')).toBe('0'.repeat(64));
  });
});

describe('poseidonHash', () => {
  it('refuses elements EZKL cannot read', () => {
    const one = `01${'0'.repeat(62)}`;
    expect(() => poseidonHash([`0x${one}`])).toThrow(/Failed to deserialize message/);
    expect(() => poseidonHash(['01'])).toThrow(/Failed to deserialize message/);
    expect(() => poseidonHash([feltToHex(BN254_R)])).toThrow(/valid field element/);
    expect(() => poseidonHash([`zz${'0'.repeat(62)}`])).toThrow(/Failed to deserialize/);
    expect(poseidonHash([one.toUpperCase()])).toBe(poseidonHash([one]));
  });
});

describe('src/prover/poseidon.ts on the TypeScript implementation', () => {
  it('toFelts and poseidonOfTensor', () => {
    expect(toFelts([1, -1], 7, 'F32')).toEqual([
      floatToFelt(1, 7, 'f32'),
      feltToHex(BN254_R - 128n),
    ]);
    expect(poseidonOfTensor([1], 0)).toBe(
      '90bbb9c2adeaf0b1cc6c34ed80f11266193aef9e5cfd18a6a1ca283261695608',
    );
    expect(poseidonOfFelts([])).toBeUndefined();
  });

  it('keeps its typed errors', () => {
    const refusal = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return error as PocomputeError;
      }
      throw new Error('no error');
    };
    const big = refusal(() => toFelts([1e308], 0, 'f32', { code: 'RUN_INVALID', what: 'loss' }));
    expect(big).toBeInstanceOf(PocomputeError);
    expect(big.code).toBe('RUN_INVALID');
    expect(big.message).toMatch(/^loss \(1e\+308\) does not fit the circuit's fixed point/);
    const type = refusal(() => toFelts([1, 2], 0, 'foo'));
    expect(type.code).toBe('INPUT_INVALID');
    expect(type.message).toBe('value 0 (1) cannot be quantized: invalid input type foo');
    const range = refusal(() =>
      toFelts([3], 4, 'f32', { range: { max: 47n, why: 'a lookup of ±47' } }),
    );
    expect(range.message).toMatch(/quantized at scale 2\^4 it is 48, beyond ±47 \(a lookup/);
  });
});
