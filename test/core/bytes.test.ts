import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../src/core/bytes.js';

describe('hex ⇄ bytes without Buffer', () => {
  it('reads what Buffer reads: every byte, either case, with or without 0x', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const hex = Buffer.from(all).toString('hex');
    expect(hexToBytes(hex)).toEqual(all);
    expect(hexToBytes(`0x${hex.toUpperCase()}`)).toEqual(all);
    expect(hexToBytes(`0X${hex}`)).toEqual(all);
    expect(bytesToHex(all)).toBe(hex);
    expect(hexToBytes('')).toEqual(new Uint8Array(0));
  });

  it('throws on an odd length and on any character that is not a hex digit', () => {
    for (const bad of [
      '0',
      'abc',
      '0g',
      'zz',
      '0x0',
      ' 00',
      '00 ',
      'é0',
      '0\u0130',
      '1\u0000',
      '0x-1',
    ])
      expect(() => hexToBytes(bad), JSON.stringify(bad)).toThrow(TypeError);
  });
});
