// No `node:` import: the receipt check (src/verifier/checkReceipt.ts) runs in browsers too.

/** Stated values equal to trusted ones (relative tolerance 1e-12 of the trusted value, finite only). */
export function sameValues(a: number[] | undefined, b: number[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  if ((a === undefined) !== (b === undefined) || x.length !== y.length) return false;
  // The tolerance is relative to the trusted value (never the stated one), and a stated value that
  // is not finite is never equal: Infinity - y is Infinity, within 1e-12 of |Infinity|.
  return x.every(
    (v, j) =>
      Number.isFinite(v) &&
      Number.isFinite(y[j]) &&
      Math.abs(v - y[j]) <= 1e-12 * Math.max(1, Math.abs(y[j])),
  );
}
