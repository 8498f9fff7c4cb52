/**
 * Hex ⇄ bytes without Node's Buffer: the verify core (src/proof/evm.ts and what it imports) runs in
 * browsers too, where there is no Buffer.
 */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lower-case hex of the bytes, without a 0x prefix. */
export function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += HEX[byte];
  return out;
}

/** The bytes of an even-length hex string (a 0x prefix is allowed); throws on anything else. */
export function hexToBytes(hex: string): Uint8Array {
  const clean = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex;
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean))
    throw new TypeError(`not hex bytes: ${clean.length > 20 ? `${clean.slice(0, 16)}…` : clean}`);
  const bytes = new Uint8Array(clean.length / 2);
  for (let i = 0; i < bytes.length; i++)
    bytes[i] = Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
