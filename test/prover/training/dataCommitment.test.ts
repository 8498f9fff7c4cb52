import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchSchedule } from '../../../src/prover/training/batchSchedule.js';
import {
  commitTrainingData,
  merklePath,
  quantizeRows,
  rootFromPath,
  rowLeaf,
} from '../../../src/prover/training/dataCommitment.js';

const dataOf = (rows: number) => ({
  features: Array.from({ length: rows }, (_, i) => [i / 7, -i / 3]),
  targets: Array.from({ length: rows }, (_, i) => [i % 2, 1 - (i % 2)]),
});

describe('the data commitment and the batch schedule', () => {
  it('every epoch of the schedule is a permutation of the rows, the same for the same seed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 9 }),
        (rows, batch) => {
          const a = batchSchedule('s', rows, batch);
          const b = batchSchedule('s', rows, batch);
          const stream = Array.from({ length: rows }, (_, i) => a(i)).flat();
          for (let e = 0; e < batch; e++) {
            const epoch = stream.slice(e * rows, (e + 1) * rows);
            expect([...epoch].sort((x, y) => x - y)).toEqual(
              Array.from({ length: rows }, (_, i) => i),
            );
          }
          expect(b(3)).toEqual(a(3));
        },
      ),
      { numRuns: 50 },
    );
    expect(batchSchedule('s', 32, 8)(0)).not.toEqual(batchSchedule('t', 32, 8)(0));
  });

  it('every row reaches the root by its Merkle path, and no other row or position does', () => {
    for (const rows of [1, 2, 5, 32]) {
      const data = dataOf(rows);
      const committed = commitTrainingData(data, [8, 8]);
      const leaves = quantizeRows(data, [8, 8]).map(rowLeaf);
      leaves.forEach((leaf, i) => {
        const path = merklePath(committed.levels, i);
        expect(path).toHaveLength(Math.ceil(Math.log2(rows)));
        expect(rootFromPath(leaf, i, path)).toBe(committed.merkleRoot);
        if (rows > 1) {
          expect(rootFromPath(leaf, (i + 1) % rows, path)).not.toBe(committed.merkleRoot);
          expect(rootFromPath(leaves[(i + 1) % rows], i, path)).not.toBe(committed.merkleRoot);
        }
      });
    }
  });

  it('the commitment changes when labels are permuted or a row is dropped', () => {
    const data = dataOf(6);
    const { commitment } = commitTrainingData(data, [8, 8]);
    const permuted = { ...data, targets: [...data.targets.slice(1), data.targets[0]] };
    expect(commitTrainingData(permuted, [8, 8]).commitment).not.toBe(commitment);
    const dropped = { features: data.features.slice(0, 5), targets: data.targets.slice(0, 5) };
    expect(commitTrainingData(dropped, [8, 8]).commitment).not.toBe(commitment);
    // Values that quantize alike are the same data: the commitment is of the quantized form.
    const jittered = { ...data, features: data.features.map((r) => r.map((v) => v + 1e-6)) };
    expect(commitTrainingData(jittered, [8, 8]).commitment).toBe(commitment);
  });
});
