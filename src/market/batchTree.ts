import { AbiCoder, concat, keccak256, ZeroHash } from 'ethers';
import { PocomputeError } from '../core/errors.js';

/**
 * The Merkle trees a batch is committed by, exactly as contracts/libraries/BatchMerkle.sol and
 * PocomputeBatches build them: one leaf per task in task order, padded with zero leaves to a power
 * of two, a node is keccak256(left ‖ right); a leaf binds the batch id and the task's index.
 */
const abi = AbiCoder.defaultAbiCoder();

/** keccak256(abi.encode(inputs)): how the market hashes one task's input felts. */
export function batchInputHash(inputs: readonly bigint[]): string {
  return keccak256(abi.encode(['uint256[]'], [inputs]));
}

export function batchInputLeaf(batchId: bigint, index: number, inputs: readonly bigint[]): string {
  return keccak256(
    abi.encode(
      ['string', 'uint256', 'uint256', 'bytes32'],
      ['pocompute.batch.input', batchId, index, batchInputHash(inputs)],
    ),
  );
}

export function batchResultLeaf(
  batchId: bigint,
  index: number,
  outputs: readonly bigint[],
  boundaries: readonly bigint[],
): string {
  return keccak256(
    abi.encode(
      ['string', 'uint256', 'uint256', 'uint256[]', 'uint256[]'],
      ['pocompute.batch.result', batchId, index, outputs, boundaries],
    ),
  );
}

/** The tree's levels, leaves first (padded to a power of two), root last. */
function levels(leaves: readonly string[]): string[][] {
  let width = 1;
  while (width < leaves.length) width *= 2;
  const out = [[...leaves, ...Array(width - leaves.length).fill(ZeroHash)]];
  while (out[out.length - 1].length > 1) {
    const level = out[out.length - 1];
    out.push(
      Array.from({ length: level.length / 2 }, (_, i) =>
        keccak256(concat([level[2 * i], level[2 * i + 1]])),
      ),
    );
  }
  return out;
}

export function batchRoot(leaves: readonly string[]): string {
  const all = levels(leaves);
  return all[all.length - 1][0];
}

/** The inclusion proof of leaf `index`: its siblings from the leaves up. */
export function batchPath(leaves: readonly string[], index: number): string[] {
  return levels(leaves)
    .slice(0, -1)
    .map((level, depth) => level[(index >> depth) ^ 1]);
}

/** Whether `leaf` is the `index`-th of `n` leaves under `root` (the contract's rule). */
export function batchIncludes(
  root: string,
  n: number,
  index: number,
  leaf: string,
  path: readonly string[],
): boolean {
  let depth = 0;
  while (1 << depth < n) depth++;
  if (index < 0 || index >= n || path.length !== depth) return false;
  let h = leaf;
  for (const [i, sibling] of path.entries())
    h =
      ((index >> i) & 1) === 0 ? keccak256(concat([h, sibling])) : keccak256(concat([sibling, h]));
  return h === root;
}

/** Splits a flat list (task after task) into `n` chunks of `size` (empty ones when size is 0). */
export function chunk<T>(flat: readonly T[], size: number, n: number): T[][] {
  return Array.from({ length: n }, (_, i) => flat.slice(i * size, (i + 1) * size));
}

/**
 * Checks published per-task data against the root the chain holds: a worker refuses a batch
 * whose inputs do not match it, a requester or consumer a result that is not in it.
 */
export function requireRoot(what: string, root: string, leaves: readonly string[]) {
  const computed = batchRoot(leaves);
  if (computed !== root)
    throw new PocomputeError(
      'BATCH_MISMATCH',
      `${what}: the published data hash to ${computed}, the chain holds ${root}`,
    );
}
