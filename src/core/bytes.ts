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

/** Each ASCII character's value as a hex digit, -1 for a character that is not one. */
const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  NIBBLE['0123456789abcdef'.charCodeAt(i)] = i;
  NIBBLE['0123456789ABCDEF'.charCodeAt(i)] = i;
}

/** The bytes of an even-length hex string (a 0x prefix is allowed); throws on anything else. */
export function hexToBytes(hex: string): Uint8Array {
  const clean = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex;
  const bytes = new Uint8Array(clean.length >> 1);
  let valid = clean.length % 2 === 0;
  for (let i = 0; valid && i < bytes.length; i++) {
    const high = NIBBLE[clean.charCodeAt(2 * i)] ?? -1;
    const low = NIBBLE[clean.charCodeAt(2 * i + 1)] ?? -1;
    valid = high >= 0 && low >= 0;
    bytes[i] = (high << 4) | low;
  }
  if (!valid)
    throw new TypeError(`not hex bytes: ${clean.length > 20 ? `${clean.slice(0, 16)}…` : clean}`);
  return bytes;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
