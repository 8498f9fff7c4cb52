import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import {
  type Receipt,
  readableOutput,
  receiptContentsHash,
  receiptJson,
  receiptSchema,
} from '../../src/proof/receipt.js';

const fixture: Receipt = receiptSchema.parse(
  JSON.parse(
    readFileSync(
      join(PACKAGE_ROOT, 'test', 'fixtures', 'receipts', 'mlp-0.1.0.receipt.json'),
      'utf8',
    ),
  ),
);

/** The same object with its keys in another order, at every level. */
function shuffled(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v) => shuffled(v, seed));
  if (!value || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  const rotated = entries.map((_, i) => entries[(i + seed) % entries.length]);
  return Object.fromEntries(rotated.reverse().map(([k, v]) => [k, shuffled(v, seed + 1)]));
}

describe('receipt bytes', () => {
  it('are the committed fixture, byte for byte, whatever order its keys were built in', () => {
    const bytes = readFileSync(
      join(PACKAGE_ROOT, 'test', 'fixtures', 'receipts', 'mlp-0.1.0.receipt.json'),
      'utf8',
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50 }), (seed) => {
        const reordered = shuffled(fixture, seed) as Receipt;
        expect(receiptJson(reordered)).toBe(bytes);
        expect(receiptContentsHash(reordered)).toBe(receiptContentsHash(fixture));
      }),
    );
  });

  it('hash every field into the contents a signature covers', () => {
    const changed = structuredClone(fixture);
    changed.model.name = 'another.onnx';
    expect(receiptContentsHash(changed)).not.toBe(receiptContentsHash(fixture));
  });
});

describe('readableOutput', () => {
  it('gives one value as a score and several as the top 5, highest first, ties in index order', () => {
    expect(readableOutput([0.25], ['spam'])).toEqual({ kind: 'score', label: 'spam', value: 0.25 });
    expect(readableOutput([1, 3, 3, 0, 2, 5, -1], undefined)).toEqual({
      kind: 'top-k',
      top: [
        { index: 5, value: 5 },
        { index: 1, value: 3 },
        { index: 2, value: 3 },
        { index: 4, value: 2 },
        { index: 0, value: 1 },
      ],
    });
    expect(readableOutput([0.1, 0.9], ['cat', 'dog'])).toEqual({
      kind: 'top-k',
      top: [
        { index: 1, label: 'dog', value: 0.9 },
        { index: 0, label: 'cat', value: 0.1 },
      ],
    });
  });

  it('names no class when the labels do not fit the output, and reads no large tensor', () => {
    expect(readableOutput([0.1, 0.9], ['cat'])).toEqual({
      kind: 'top-k',
      top: [
        { index: 1, value: 0.9 },
        { index: 0, value: 0.1 },
      ],
    });
    expect(readableOutput(new Array(2000).fill(0), undefined)).toBeUndefined();
    expect(readableOutput(undefined, undefined)).toBeUndefined();
  });
});
