/** Two sides timed in alternation: pocompute and EZKL's Python, in ms. */
export interface SideBySide {
  /** Median over the alternations. */
  pocomputeMs: number;
  ezklPythonMs: number;
  /** Median over the alternations of pocompute / EZKL in that alternation. */
  ratio: number;
  /** How many alternations. */
  n: number;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** The figures of paired samples: `pocompute[i]` and `ezkl[i]` were taken one after the other. */
export function sideBySide(pocompute: number[], ezkl: number[]): SideBySide {
  return {
    pocomputeMs: round(median(pocompute), 2),
    ezklPythonMs: round(median(ezkl), 2),
    ratio: round(median(pocompute.map((p, i) => p / ezkl[i])), 3),
    n: pocompute.length,
  };
}
