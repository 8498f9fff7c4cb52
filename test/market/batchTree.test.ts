import { concat, keccak256, ZeroHash } from 'ethers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  batchIncludes,
  batchInputLeaf,
  batchPath,
  batchResultLeaf,
  batchRoot,
  chunk,
  requireRoot,
} from '../../src/market/batchTree.js';

const leavesOf = (batchId: bigint, n: number) =>
  Array.from({ length: n }, (_, i) => batchResultLeaf(batchId, i, [BigInt(i), 7n], []));

/**
 * The batch trees as src/market/batchTree.ts builds them (the contract's rule, cross-checked
 * against the chain in test/e2e/batch.test.ts and Foundry's PocomputeBatches.t.sol).
 */
describe('batch trees', () => {
  it('every path proves its own leaf, at its own index, and nothing else', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.nat(), (n, seed) => {
        const leaves = leavesOf(3n, n);
        const root = batchRoot(leaves);
        const index = seed % n;
        const path = batchPath(leaves, index);
        expect(batchIncludes(root, n, index, leaves[index], path)).toBe(true);
        if (n > 1) {
          const other = (index + 1) % n;
          // Another leaf at this index, this leaf at another index.
          expect(batchIncludes(root, n, index, leaves[other], path)).toBe(false);
          expect(batchIncludes(root, n, other, leaves[index], path)).toBe(false);
          // A path one sibling short (an inner node posing as a leaf) or one too long.
          expect(batchIncludes(root, n, index, leaves[index], path.slice(1))).toBe(false);
          expect(batchIncludes(root, n, index, leaves[index], [...path, ZeroHash])).toBe(false);
        }
        expect(batchIncludes(root, n, n, leaves[index], path)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('pads with zero leaves to a power of two and hashes nodes as keccak256(left ‖ right)', () => {
    const leaves = leavesOf(0n, 3);
    const left = keccak256(concat([leaves[0], leaves[1]]));
    const right = keccak256(concat([leaves[2], ZeroHash]));
    expect(batchRoot(leaves)).toBe(keccak256(concat([left, right])));
    expect(batchRoot(leaves.slice(0, 1))).toBe(leaves[0]);
  });

  it('binds a leaf to its batch and its index', () => {
    expect(batchInputLeaf(1n, 0, [5n])).not.toBe(batchInputLeaf(2n, 0, [5n]));
    expect(batchInputLeaf(1n, 0, [5n])).not.toBe(batchInputLeaf(1n, 1, [5n]));
    expect(batchResultLeaf(1n, 0, [5n], [])).not.toBe(batchResultLeaf(1n, 0, [5n], [0n]));
  });

  it('refuses published data that does not hash to the root (BATCH_MISMATCH)', () => {
    const leaves = leavesOf(9n, 5);
    expect(() => requireRoot('batch 9 results', batchRoot(leaves), leaves)).not.toThrow();
    const tampered = [...leaves];
    tampered[4] = batchResultLeaf(9n, 4, [4n, 8n], []);
    expect(() => requireRoot('batch 9 results', batchRoot(leaves), tampered)).toThrow(
      expect.objectContaining({ code: 'BATCH_MISMATCH' }),
    );
  });

  it('splits flat per-task data, also when each task has none', () => {
    expect(chunk([1, 2, 3, 4], 2, 2)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(chunk([], 0, 3)).toEqual([[], [], []]);
  });
});
