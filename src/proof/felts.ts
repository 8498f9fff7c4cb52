/** BN254's scalar field modulus: EZKL's public instances are elements of this field. */
export const BN254_R =
  21888242871839275222246405745257275088548364400416034343698204186575808495617n;

const HEX_64 = /^[0-9a-fA-F]{64}$/;

/**
 * EZKL serialises a field element as 32 bytes little-endian hex (optionally 0x-prefixed; shorter
 * is zero-padded). The hex byte pairs are reversed as a string (no Buffer: this runs in browsers
 * too): a LeNet proof's 794 instances are read several times per verification, and a BigInt shift
 * per byte made that a few ms.
 */
export function feltFromHexLE(hex: string): bigint {
  const clean = hex.replace(/^0x/, '').padEnd(64, '0').slice(0, 64);
  if (!HEX_64.test(clean)) throw new RangeError(`not a hex field element: ${hex.slice(0, 80)}`);
  let bigEndian = '0x';
  for (let i = 62; i >= 0; i -= 2) bigEndian += clean.slice(i, i + 2);
  return BigInt(bigEndian);
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

/** A felt as the EVM sees it: 0x-prefixed 32-byte big-endian hex. */
export const feltHex = (felt: bigint) => `0x${felt.toString(16).padStart(64, '0')}`;
