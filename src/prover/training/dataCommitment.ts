import { createHash } from 'node:crypto';
import { toFelts } from '../poseidon.js';
import type { TrainingData } from './trainingData.js';

/**
 * The commitment a run makes to its whole training data file (scheme `sha256-merkle@1`).
 *
 * Each row, in canonical quantized form — its features and its target vector (a class id becomes
 * one-hot) as the field elements EZKL makes of them at the step circuit's input scales, the very
 * values a proof's batch hash is the Poseidon hash of — is a leaf sha256(0x00 ‖ #features ‖
 * #targets ‖ felts, 32 bytes each). Leaves are padded with zeros to a power of two and paired by
 * sha256(0x01 ‖ left ‖ right) up to the root; the commitment is sha256(0x02 ‖ rows ‖ root). The
 * prefixes keep leaves, nodes and the root apart. SHA-256 rather than Poseidon: nothing proves
 * membership in-circuit, and out of circuit it is much faster than a Poseidon hash. A step's batch rows carry their Merkle paths, so a verifier checks each batch against the
 * commitment with batch·log2(rows) hashes, without the data file.
 */
const ZERO = '0'.repeat(64);
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const sha = (...parts: Uint8Array[]) =>
  createHash('sha256').update(Buffer.concat(parts)).digest('hex');
const hex = (h: string) => Buffer.from(h, 'hex');

export interface QuantizedRow {
  features: string[];
  targets: string[];
}

/** Rows as the step circuit sees them: field elements at its features and labels scales. */
export function quantizeRows(
  rows: { features: number[][]; targets: number[][] },
  scales: readonly number[],
): QuantizedRow[] {
  return rows.features.map((f, r) => ({
    features: toFelts(f, scales[0]),
    targets: toFelts(rows.targets[r], scales[1]),
  }));
}

export const rowLeaf = (row: QuantizedRow) =>
  sha(
    Uint8Array.of(0),
    u32(row.features.length),
    u32(row.targets.length),
    ...[...row.features, ...row.targets].map(hex),
  );

const node = (left: string, right: string) => sha(Uint8Array.of(1), hex(left), hex(right));

export const commitmentOf = (rows: number, merkleRoot: string) =>
  sha(Uint8Array.of(2), u32(rows), hex(merkleRoot));

/** Every level of the tree, leaves first (padded to a power of two), the root last. */
export function merkleLevels(leaves: string[]): string[][] {
  let width = 1;
  while (width < leaves.length) width *= 2;
  const levels = [[...leaves, ...Array<string>(width - leaves.length).fill(ZERO)]];
  while (levels[levels.length - 1].length > 1) {
    const below = levels[levels.length - 1];
    levels.push(
      Array.from({ length: below.length / 2 }, (_, i) => node(below[2 * i], below[2 * i + 1])),
    );
  }
  return levels;
}

/** The sibling hashes from leaf `index` up to the root. */
export const merklePath = (levels: string[][], index: number) =>
  levels.slice(0, -1).map((level, depth) => level[(index >> depth) ^ 1]);

/** The root a leaf at `index` reaches with these siblings. */
export function rootFromPath(leaf: string, index: number, path: readonly string[]): string {
  return path.reduce(
    (hash, sibling, depth) =>
      ((index >> depth) & 1) === 0 ? node(hash, sibling) : node(sibling, hash),
    leaf,
  );
}

export interface DataCommitment {
  rows: number;
  merkleRoot: string;
  commitment: string;
  levels: string[][];
  quantized: QuantizedRow[];
}

export function commitTrainingData(data: TrainingData, scales: readonly number[]): DataCommitment {
  const quantized = quantizeRows(data, scales);
  const levels = merkleLevels(quantized.map(rowLeaf));
  const merkleRoot = levels[levels.length - 1][0];
  return {
    rows: quantized.length,
    merkleRoot,
    commitment: commitmentOf(quantized.length, merkleRoot),
    levels,
    quantized,
  };
}
