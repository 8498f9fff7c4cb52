import { poseidonOfFelts, toFelts } from '../poseidon.js';
import type { TrainingData } from './trainingData.js';

/**
 * The commitment a run makes to its whole training data file (scheme `poseidon-merkle@1`).
 *
 * Each row, in canonical quantized form — its features and its target vector (a class id becomes
 * one-hot) as the field elements EZKL makes of them at the step circuit's input scales — is a leaf
 * Poseidon(1, features…, targets…). Leaves are padded with zeros to a power of two and paired by
 * Poseidon(2, left, right) up to the root; the commitment is Poseidon(3, rows, root). Tags keep
 * leaves, nodes and the root apart. A step's batch rows carry their Merkle paths, so a verifier
 * checks each batch against the commitment with batch·log2(rows) hashes, without the data file.
 */
const tag = (n: number) => toFelts([n], 0, 'f64')[0];
const ZERO = '0'.repeat(64);

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
  poseidonOfFelts([tag(1), ...row.features, ...row.targets]);

const node = (left: string, right: string) => poseidonOfFelts([tag(2), left, right]);

export const commitmentOf = (rows: number, merkleRoot: string) =>
  poseidonOfFelts([tag(3), tag(rows), merkleRoot]);

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
