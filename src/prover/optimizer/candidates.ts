/**
 * The circuit settings the optimiser tries. Each is a set of EZKL `PyRunArgs` fields; EZKL's own
 * gen_settings + calibrate_settings (at these fixed scales) then sizes the circuit for it.
 */
export interface CandidateRunArgs {
  decomp_base: number;
  decomp_legs: number;
  num_inner_cols: number;
  input_scale: number;
  param_scale: number;
  scale_rebase_multiplier: number;
  bounded_log_lookup: boolean;
  /** Set only to go below the logrows EZKL calibrates (advice and tables then wrap into more columns). */
  logrows?: number;
  /**
   * EZKL 23 proves matrix products (einsums) with Freivalds' argument by default: fewer rows, but
   * extra second-phase columns. Set to prove them directly, as EZKL 21 did (costModel.usesFreivalds).
   */
  disable_freivalds?: boolean;
}

/**
 * Range-check decompositions. Every one covers at least EZKL's default (16384^2 = 2^28), so a
 * value EZKL's own settings can range-check, these can too: a smaller base shrinks the range-check
 * table (2^14 rows for the default) at the price of more legs, i.e. more rows.
 */
export const DECOMPOSITIONS: readonly [base: number, legs: number][] = [
  [16384, 2],
  [4096, 3],
  [1024, 3],
  [256, 4],
  [128, 4],
  [32, 6],
  [16, 7],
];

export const INNER_COLUMNS = [1, 2, 4, 8] as const;

/** How far below EZKL's calibrated logrows to try (more columns, shorter ones). */
export const LOGROWS_BELOW = 3;

/** EZKL's smallest circuit (MIN_LOGROWS). */
export const MIN_LOGROWS = 6;

export const candidateLabel = (c: CandidateRunArgs): string =>
  [
    `decomp ${c.decomp_base}^${c.decomp_legs}`,
    `${c.num_inner_cols} col${c.num_inner_cols > 1 ? 's' : ''}`,
    `scales ${c.input_scale}/${c.param_scale}`,
    ...(c.scale_rebase_multiplier !== 1 ? [`rebase ×${c.scale_rebase_multiplier}`] : []),
    ...(c.bounded_log_lookup ? ['bounded log lookup'] : []),
    ...(c.disable_freivalds ? ['no Freivalds'] : []),
  ].join(', ');

/** One coordinate of the search: the variants of a candidate along one dimension. */
export type Dimension = {
  name: string;
  /** Whether the variants change the arithmetic (and so must meet --max-error), or only the layout. */
  changesValues: boolean;
  variants: (c: CandidateRunArgs) => CandidateRunArgs[];
};

export const DIMENSIONS: Dimension[] = [
  {
    name: 'range-check decomposition',
    changesValues: false,
    variants: (c) =>
      DECOMPOSITIONS.map(([base, legs]) => ({ ...c, decomp_base: base, decomp_legs: legs })),
  },
  {
    name: 'inner columns',
    changesValues: false,
    variants: (c) => INNER_COLUMNS.map((cols) => ({ ...c, num_inner_cols: cols })),
  },
  {
    name: 'scales',
    changesValues: true,
    variants: (c) =>
      [-2, -1, 1].map((d) => ({
        ...c,
        input_scale: c.input_scale + d,
        param_scale: c.param_scale + d,
      })),
  },
  {
    name: 'scale rebase multiplier',
    changesValues: true,
    variants: (c) => [2, 4].map((m) => ({ ...c, scale_rebase_multiplier: m })),
  },
  {
    name: 'lookup variant',
    changesValues: true,
    variants: (c) => [{ ...c, bounded_log_lookup: !c.bounded_log_lookup }],
  },
];

export const sameCandidate = (a: CandidateRunArgs, b: CandidateRunArgs): boolean =>
  candidateLabel(a) === candidateLabel(b);
