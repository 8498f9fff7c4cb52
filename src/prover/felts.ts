/** BN254's scalar field modulus: EZKL's public instances are elements of this field. */
export const BN254_R =
  21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/** EZKL serialises a field element as 32 bytes little-endian hex (optionally 0x-prefixed). */
export function feltFromHexLE(hex: string): bigint {
  const clean = hex.replace(/^0x/, '').padEnd(64, '0');
  let value = 0n;
  for (let i = 62; i >= 0; i -= 2)
    value = (value << 8n) | BigInt(parseInt(clean.slice(i, i + 2), 16));
  return value;
}

/** A field element as the signed integer it encodes (values above r/2 are negative). */
export function feltToSigned(felt: bigint): bigint {
  return felt > BN254_R / 2n ? felt - BN254_R : felt;
}

/** A fixed-point field element back to a float: integer / 2^scale. */
export function dequantize(hex: string, scale: number): number {
  return Number(feltToSigned(feltFromHexLE(hex))) / 2 ** scale;
}

export function feltToUint256(hex: string): bigint {
  return feltFromHexLE(hex);
}
