import { sha256Hex } from '../../core/files.js';
import { SCHEDULE } from './runManifest.js';

/** The default seed: derived from the data commitment, so the trainer does not choose it. */
export const derivedSeed = (commitment: string) =>
  sha256Hex(`pocompute-seed@1/${commitment}`).slice(0, 32);

/**
 * The batch schedule `sha256-shuffle@1`: the data is shuffled once per epoch (Fisher–Yates, the
 * draw for position j of epoch e being the first 6 bytes of sha256("sha256-shuffle@1/<seed>/e/j")
 * mod j+1) and step i takes the rows at positions i·batch … i·batch+batch−1 of the epochs laid end
 * to end. A pure function of (seed, rows, batch, step): anyone recomputes it.
 */
export function batchSchedule(
  seed: string,
  rows: number,
  batch: number,
): (step: number) => number[] {
  const epochs = new Map<number, number[]>();
  const epoch = (e: number) => {
    let order = epochs.get(e);
    if (!order) {
      order = Array.from({ length: rows }, (_, i) => i);
      for (let j = rows - 1; j > 0; j--) {
        const draw = Number.parseInt(sha256Hex(`${SCHEDULE}/${seed}/${e}/${j}`).slice(0, 12), 16);
        const r = draw % (j + 1);
        [order[j], order[r]] = [order[r], order[j]];
      }
      epochs.set(e, order);
    }
    return order;
  };
  return (step) =>
    Array.from({ length: batch }, (_, r) => {
      const position = step * batch + r;
      return epoch(Math.floor(position / rows))[position % rows];
    });
}
