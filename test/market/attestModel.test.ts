import { describe, expect, it } from 'vitest';
import { codeDifference, stripMetadata } from '../../src/market/attestModel.js';

// solc's trailer: a CBOR map (a2 …) and its length in the last two bytes.
const trailer = (cbor: string) => `${cbor}${(cbor.length / 2).toString(16).padStart(4, '0')}`;
const code = '6080604052348015600f57600080fd5b50';

describe('verifier code comparison', () => {
  it('ignores only the metadata trailer', () => {
    const a = `0x${code}${trailer('a264697066735822aaaa')}`;
    const b = `0x${code}${trailer('a264697066735822bbbb')}`;
    expect(stripMetadata(a)).toBe(code);
    expect(codeDifference(a, b)).toBeUndefined();
  });

  it('names the size and the first different byte of any other change', () => {
    const changed = `0x${code.slice(0, 10)}ff${code.slice(12)}${trailer('a2aa')}`;
    expect(codeDifference(changed, `0x${code}${trailer('a2bb')}`)).toMatch(
      /17 bytes where EZKL's is 17, first different byte at offset 5/,
    );
    expect(codeDifference('0x', `0x${code}`)).toMatch(/no code/);
  });

  it('does not strip a tail that is not a CBOR map', () => {
    expect(stripMetadata(`0x${code}0002`)).toBe(`${code}0002`);
  });
});
