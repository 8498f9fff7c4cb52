import { describe, expect, it } from 'vitest';
import { jsonTextDepth, jsonValueDepth } from '../../src/core/json.js';

/** The depth by a character scan, as the reader counted it before it used a regular expression. */
function scanDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[' || c === '{') max = Math.max(max, ++depth);
    else if (c === ']' || c === '}') depth--;
  }
  return max;
}

describe('the nesting depth of a JSON text, before it is parsed', () => {
  it('counts brackets outside strings only, escapes and unterminated strings included', () => {
    const texts = [
      '',
      '1',
      '[]',
      '[[[1]],{"a":{"b":[2]}}]',
      '"[[[["',
      '["\\"[[[", [[]]]',
      '["\\\\", [[]]]',
      '["abc\\',
      '{"a": "[", "b": [{"c": "\\u005b"}]}',
      '[[["unterminated [[[[[',
      '\\"[[',
      ']]][[',
    ];
    for (const text of texts) expect(jsonTextDepth(text), text).toBe(scanDepth(text));
  });

  it('agrees with the scan on random texts of brackets, quotes, backslashes and letters', () => {
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = ['[', ']', '{', '}', '"', '\\', 'a', ',', '1', ' '];
    for (let n = 0; n < 2000; n++) {
      let text = '';
      const length = Math.floor(next() * 40);
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(next() * alphabet.length)];
      expect(jsonTextDepth(text), text).toBe(scanDepth(text));
    }
  });

  it('reads a 16 MiB string and a deep text without exhausting the stack, and stops early', () => {
    const long = `["${'ab\\"'.repeat(4 << 20)}", [1]]`;
    expect(jsonTextDepth(long)).toBe(2);
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(jsonTextDepth(deep)).toBe(100_000);
    expect(jsonTextDepth(deep, 64)).toBe(65);
    expect(jsonValueDepth(JSON.parse('[1, [2, {"a": [3]}], "x"]'))).toBe(4);
  });
});
