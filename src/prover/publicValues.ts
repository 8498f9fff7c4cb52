export function quantizationError(
  name: string,
  quantized: number[],
  float: number[],
): { name: string; maxAbsError: number; maxRelError: number } {
  let maxAbsError = 0;
  let maxRelError = 0;
  quantized.forEach((q, i) => {
    const abs = Math.abs(q - float[i]);
    maxAbsError = Math.max(maxAbsError, abs);
    maxRelError = Math.max(maxRelError, abs / Math.max(Math.abs(float[i]), 1e-6));
  });
  return { name, maxAbsError, maxRelError };
}
