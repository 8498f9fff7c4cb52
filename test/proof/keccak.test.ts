import { keccak_256 } from '@noble/hashes/sha3';
import { describe, expect, it } from 'vitest';
import { keccak256 } from '../../src/proof/keccak.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('keccak-256 on a WebAssembly permutation', () => {
  it('gives the known digests of "" and "abc"', () => {
    expect(hex(keccak256(new Uint8Array(0)))).toBe(
      'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
    );
    expect(hex(keccak256(new TextEncoder().encode('abc')))).toBe(
      '4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45',
    );
  });

  it('agrees with @noble/hashes on every length around the rate and on random inputs', () => {
    let seed = 11;
    const byte = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed & 0xff;
    };
    const lengths = [...Array.from({ length: 420 }, (_, i) => i), 1000, 4096, 25824, 100_000];
    for (const length of lengths) {
      const data = Uint8Array.from({ length }, byte);
      expect(hex(keccak256(data)), `length ${length}`).toBe(hex(keccak_256(data)));
    }
    // A subarray of a larger buffer hashes only its own bytes.
    const big = Uint8Array.from({ length: 300 }, byte);
    expect(hex(keccak256(big.subarray(7, 207)))).toBe(hex(keccak_256(big.subarray(7, 207))));
  });
});
