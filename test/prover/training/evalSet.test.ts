import { AbiCoder, concat, keccak256, solidityPacked, ZeroHash } from 'ethers';
import { describe, expect, it } from 'vitest';
import { batchIncludes } from '../../../src/market/batchTree.js';
import { feltFromHexLE } from '../../../src/proof/felts.js';
import { poseidonOfFelts, toFelts } from '../../../src/prover/poseidon.js';
import { batchSchedule } from '../../../src/prover/training/batchSchedule.js';
import { quantizeRows } from '../../../src/prover/training/dataCommitment.js';
import {
  batchLeaf,
  batchPath,
  batchRoot,
  evalCommitment,
  evalSetFelts,
  scheduledBatchHashes,
} from '../../../src/prover/training/evalSet.js';

const abi = AbiCoder.defaultAbiCoder();
const salt = `0x${'ab'.repeat(32)}` as const;

describe('the evaluation-set commitment', () => {
  it('is keccak256(abi.encode(keccak256(abi.encode(uint256[])), salt)), for decimal or 0x felts', () => {
    const felts = [
      '1',
      '2',
      '21888242871839275222246405745257275088548364400416034343698204186575808495616',
    ];
    // abi.encode(uint256[]) by hand: offset 0x20, length, then the words.
    const words = [32n, 3n, ...felts.map(BigInt)].map((v) => solidityPacked(['uint256'], [v]));
    const inner = keccak256(concat(words));
    expect(evalCommitment(felts, salt)).toBe(keccak256(concat([inner, salt])));
    expect(evalCommitment(['0x01', '0x2', `0x${BigInt(felts[2]).toString(16)}`], salt)).toBe(
      evalCommitment(felts, salt),
    );
    expect(evalCommitment(felts, `0x${'cd'.repeat(32)}`)).not.toBe(evalCommitment(felts, salt));
    expect(() => evalCommitment(['-1'], salt)).toThrow(/uint256/);
  });

  it('evalSetFelts: features row-major then labels, as toFelts quantizes them, as uint256', () => {
    const features = [
      [0.5, -1.25],
      [3, 0.1],
    ];
    const labels = [
      [1, 0],
      [0, 1],
    ];
    const felts = evalSetFelts(features, labels, [7, 2]);
    const want = [...toFelts([0.5, -1.25, 3, 0.1], 7), ...toFelts([1, 0, 0, 1], 2)].map((h) =>
      feltFromHexLE(h).toString(),
    );
    expect(felts).toEqual(want);
    expect(felts[0]).toBe('64');
    expect(felts[2]).toBe('384');
    // −1.25·2^7 = −160 is r − 160.
    expect(BigInt(felts[1])).toBe(
      21888242871839275222246405745257275088548364400416034343698204186575808495617n - 160n,
    );
    // 0.1·2^7 = 12.8 rounds to 13; the labels at scale 2: 1 → 4.
    expect(felts.slice(3)).toEqual(['13', '4', '0', '0', '4']);
  });
});

describe('the batch tree of a bounty run', () => {
  it('a leaf is keccak256(abi.encode(step, featuresHash, labelsHash)), instance hex or bigint', () => {
    const f = toFelts([1.5], 4)[0];
    const l = toFelts([2], 0)[0];
    expect(batchLeaf(3, f, l)).toBe(
      keccak256(abi.encode(['uint256', 'uint256', 'uint256'], [3, 24n, 2n])),
    );
    expect(batchLeaf(3, 24n, 2n)).toBe(batchLeaf(3, f, l));
  });

  it('pads to maxSteps then to a power of two with zero leaves, as BatchMerkle', () => {
    const leaves = [0, 1, 2].map((i) => batchLeaf(i, BigInt(i + 10), BigInt(i + 20)));
    const node = (a: string, b: string) => keccak256(concat([a, b]));
    // maxSteps 5: 8 leaves, depth 3.
    const level1 = [
      node(leaves[0], leaves[1]),
      node(leaves[2], ZeroHash),
      node(ZeroHash, ZeroHash),
      node(ZeroHash, ZeroHash),
    ];
    const level2 = [node(level1[0], level1[1]), node(level1[2], level1[3])];
    const root = node(level2[0], level2[1]);
    expect(batchRoot(leaves, 5)).toBe(root);
    for (let i = 0; i < 3; i++) {
      const path = batchPath(leaves, 5, i);
      expect(path).toHaveLength(3);
      expect(batchIncludes(root, 5, i, leaves[i], path)).toBe(true);
    }
    expect(batchPath(leaves, 5, 2)).toEqual([ZeroHash, level1[0], level2[1]]);
    // maxSteps 3 is a tree of 4; one leaf of one step is its own root.
    expect(batchRoot(leaves, 3)).toBe(node(node(leaves[0], leaves[1]), node(leaves[2], ZeroHash)));
    expect(batchRoot(leaves.slice(0, 1), 1)).toBe(leaves[0]);
    expect(batchPath(leaves.slice(0, 1), 1, 0)).toEqual([]);
    expect(() => batchRoot(leaves, 2)).toThrow(/maxSteps/);
    expect(() => batchPath(leaves, 5, 5)).toThrow(/maxSteps/);
  });

  it('scheduled batch hashes are the Poseidon hashes of the scheduled rows at the batch scales', () => {
    const data = {
      features: Array.from({ length: 10 }, (_, r) => [r / 4, -r / 8, 1]),
      targets: Array.from({ length: 10 }, (_, r) => [r % 2, 1 - (r % 2)]),
    };
    const scales = [6, 1];
    const hashes = scheduledBatchHashes(data, scales, 'seed-1', 4, 4);
    expect(hashes).toHaveLength(4);
    const quantized = quantizeRows(data, scales);
    const schedule = batchSchedule('seed-1', 10, 4);
    for (const [i, [f, l]] of hashes.entries()) {
      const rows = schedule(i);
      expect(f).toBe(poseidonOfFelts(rows.flatMap((r) => quantized[r].features)));
      expect(l).toBe(poseidonOfFelts(rows.flatMap((r) => quantized[r].targets)));
    }
    // Steps past the first epoch wrap into the next shuffle: still defined.
    expect(new Set(hashes.map((h) => h[0])).size).toBe(4);
  });
});
