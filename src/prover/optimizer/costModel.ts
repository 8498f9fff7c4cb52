/**
 * A prove-cost estimate read off EZKL settings, without proving: Halo2's prover does FFTs and
 * multi-scalar multiplications over every committed column, so its work grows with
 * 2^logrows × (committed columns). The column counts follow EZKL's layout (src/graph/vars.rs:
 * three advice tensors of `num_inner_cols` columns, duplicated into blocks when the rows overflow
 * 2^logrows; one lookup argument per lookup table or range check, per table piece, on each advice column
 * of the output; table and constant columns split at 2^logrows; on EZKL 23, the second-phase
 * columns of Freivalds' argument for einsums). The benchmark checks the estimate against measured
 * prove times (docs/commands.md, "The circuit optimiser").
 */

/** The parts of EZKL's settings.json the estimate reads. */
export interface EzklSettings {
  run_args: {
    logrows: number;
    num_inner_cols: number;
    decomp_base: number;
    decomp_legs: number;
    input_scale: number;
    param_scale: number;
    scale_rebase_multiplier: number;
    lookup_range: [number, number];
    bounded_log_lookup: boolean;
    /** EZKL 23: einsums proved directly, not by Freivalds' argument. */
    disable_freivalds?: boolean;
  };
  num_rows: number;
  total_assignments: number;
  total_const_size: number;
  required_lookups: unknown[];
  required_range_checks: [number, number][];
  model_input_scales: number[];
  model_output_scales: number[];
  /** EZKL 23: the einsums (matrix products) proved by Freivalds' argument, and their cells. */
  einsum_params?: { total_einsum_col_size: number };
}

export interface CostBreakdown {
  /** Estimated prover work in column-rows (2^logrows × weighted committed columns). */
  cost: number;
  /**
   * What a verifier pays for, whatever the rows: commitments and evaluations per committed
   * column (the proof's size, the verifier's work, and most of the on-chain verifyProof gas).
   */
  verifierColumns: number;
  adviceColumns: number;
  lookupArguments: number;
  tableColumns: number;
  /** Second-phase columns of Freivalds' argument (EZKL 23's einsums; 0 when proved directly). */
  freivaldsColumns: number;
}

/** Rows Halo2 keeps for blinding in each column (EZKL's RESERVED_BLINDING_ROWS, rounded up). */
const BLINDING_ROWS = 6;
/** A lookup argument commits a permuted input, a permuted table and a grand product. */
const LOOKUP_WEIGHT = 3;
/** Fixed (table, constant) columns are committed at setup; the prover only evaluates them. */
const FIXED_WEIGHT = 0.5;
/** Instance, selector and permutation columns every circuit has. */
const BASE_COLUMNS = 4;
/**
 * Freivalds' argument (EZKL 23's einsums) commits its columns in a second phase, after a challenge:
 * the prover computes and commits them apart, with their own extended-domain work. Fitted on the
 * transformer block (docs/commands.md, "The circuit optimiser").
 */
const SECOND_PHASE_WEIGHT = 1.5;
/** The columns one block of Freivalds' argument adds per inner column (challenge powers, products). */
const FREIVALDS_COLUMNS_PER_BLOCK = 6;

/**
 * Whether EZKL 23 proves this circuit's einsums with Freivalds' argument: it has einsum cells and
 * the settings do not disable it. Fewer rows than proving the products directly, but more columns;
 * on a circuit made of matrix products (a transformer block) it is the slower of the two.
 */
export function usesFreivalds(settings: EzklSettings): boolean {
  return (
    settings.run_args.disable_freivalds !== true &&
    (settings.einsum_params?.total_einsum_col_size ?? 0) > 0
  );
}

export function estimateProveCost(settings: EzklSettings): CostBreakdown {
  const { logrows, num_inner_cols: cols, lookup_range } = settings.run_args;
  const usable = 2 ** logrows - BLINDING_ROWS;
  const assignments = Math.max(settings.total_assignments, settings.num_rows * cols);
  const blocks = Math.floor(assignments / (usable * cols)) + 1;
  const adviceColumns = 3 * cols * blocks;
  const tables = settings.required_range_checks.map(([lo, hi]) => hi - lo + 1);
  if (settings.required_lookups.length > 0) {
    const span = lookup_range[1] - lookup_range[0] + 1;
    for (const _ of settings.required_lookups) tables.push(span);
  }
  // A table longer than a column is split, and each piece gets its own lookup argument.
  const tablePieces = tables.reduce((sum, size) => sum + Math.ceil(size / usable), 0);
  const lookupArguments = tablePieces * cols * blocks;
  const tableColumns = tablePieces + Math.ceil(settings.total_const_size / usable);
  // Freivalds' columns, duplicated like advice when the einsum cells overflow a column block.
  const einsumCells = settings.einsum_params?.total_einsum_col_size ?? 0;
  const freivaldsColumns = usesFreivalds(settings)
    ? FREIVALDS_COLUMNS_PER_BLOCK * cols * (Math.floor(einsumCells / (usable * cols)) + 1)
    : 0;
  const columns =
    adviceColumns +
    LOOKUP_WEIGHT * lookupArguments +
    FIXED_WEIGHT * tableColumns +
    SECOND_PHASE_WEIGHT * freivaldsColumns +
    BASE_COLUMNS;
  return {
    cost: 2 ** logrows * columns,
    verifierColumns:
      adviceColumns + LOOKUP_WEIGHT * lookupArguments + tableColumns + freivaldsColumns,
    adviceColumns,
    lookupArguments,
    tableColumns,
    freivaldsColumns,
  };
}

/** What sets a circuit's size (`sizeBound`). */
export interface SizeBound {
  /** `rows`: the circuit's own rows; `table`: its longest range-check or lookup table. */
  by: 'rows' | 'table';
  rows: number;
  /** The longest table's length in rows (0 when there is none). */
  longestTable: number;
  logrows: number;
}

/**
 * Row-bound or table-bound, read off EZKL's calibrated settings. Row-bound: the rows EZKL laid out
 * need its 2^logrows on their own (they overflow 2^(logrows−1)) and no table is longer than they
 * are — so shrinking a table (a smaller decomposition, lower scales) cannot shrink the circuit,
 * and fewer rows only wrap advice into more columns for the same cost. The optimiser's search
 * only pays off on table-bound circuits; on a row-bound one it keeps EZKL's settings at once.
 */
export function sizeBound(settings: EzklSettings): SizeBound {
  const { logrows, lookup_range } = settings.run_args;
  const tables = settings.required_range_checks.map(([lo, hi]) => hi - lo + 1);
  if (settings.required_lookups.length > 0) tables.push(lookup_range[1] - lookup_range[0] + 1);
  const longestTable = Math.max(0, ...tables);
  const rows = settings.num_rows;
  const rowsNeedAll = rows + BLINDING_ROWS > 2 ** (logrows - 1);
  return {
    by: rowsNeedAll && rows >= longestTable ? 'rows' : 'table',
    rows,
    longestTable,
    logrows,
  };
}

/**
 * The same circuit over `cols` inner columns (and, given `decompBase`, its decomposition's range
 * check shrunk to that base), as EZKL would calibrate it: the same assignments in rows × cols,
 * logrows the least that holds the rows and the longest table. The most the search's layout
 * dimensions can reach on a row-bound circuit, estimated without EZKL (a decomposition with
 * more legs only adds rows).
 */
export function withInnerColumns(
  settings: EzklSettings,
  cols: number,
  decompBase = settings.run_args.decomp_base,
): EzklSettings {
  const base = settings.run_args.decomp_base;
  const rangeChecks = settings.required_range_checks.map(([lo, hi]): [number, number] =>
    lo === 0 && hi === base - 1 ? [0, decompBase - 1] : [lo, hi],
  );
  const { longestTable } = sizeBound({ ...settings, required_range_checks: rangeChecks });
  const rows = Math.ceil((settings.num_rows * settings.run_args.num_inner_cols) / cols);
  const logrows = Math.max(
    Math.ceil(Math.log2(rows + BLINDING_ROWS)),
    Math.ceil(Math.log2(longestTable + BLINDING_ROWS)),
  );
  return {
    ...settings,
    run_args: { ...settings.run_args, num_inner_cols: cols, logrows, decomp_base: decompBase },
    num_rows: rows,
    required_range_checks: rangeChecks,
  };
}
