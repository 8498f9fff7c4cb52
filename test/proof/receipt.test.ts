import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { describeReceipt, printable } from '../../src/verifier/describeReceipt.js';
import {
  parseReceiptText,
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

describe('receipt text and strings a receipt carries', () => {
  const text = readFileSync(
    join(PACKAGE_ROOT, 'test', 'fixtures', 'receipts', 'mlp-0.1.0.receipt.json'),
    'utf8',
  );

  it('parses the canonical file, refuses a key given twice (at any depth, escaped or not)', () => {
    expect(parseReceiptText(text)).toEqual(JSON.parse(text));
    expect(parseReceiptText(receiptJson(fixture))).toEqual(fixture);
    for (const dup of [
      text.replace('"format":', '"format": "x", "format":'),
      text.replace('"name": "model.onnx"', '"name": "a", "n\\u0061me": "model.onnx"'),
      text.replace('"commitment":', '"commitment": "0x00",\n      "commitment"   :'),
    ])
      expect(() => parseReceiptText(dup)).toThrow(/appears twice/);
    // The same key in two objects, and key-like strings in values, are fine.
    expect(parseReceiptText('{"a": {"b": 1}, "c": {"b": "\\"b\\": 2"}}')).toBeTruthy();
    expect(() => parseReceiptText('{"a": ')).toThrow(/not valid JSON/);
  });

  it('escapes control and bidi characters, and cuts long text; names holding them are not a receipt', () => {
    expect(printable('ok \u001b[32mVALID\u001b[0m\n\u202eevil')).toBe(
      'ok \\u{1b}[32mVALID\\u{1b}[0m\\u{a}\\u{202e}evil',
    );
    expect(printable('x'.repeat(500), 10)).toBe(`${'x'.repeat(10)}…`);
    for (const name of ['a\u001bb', 'a\u009bb', 'a\u2066b', 'x'.repeat(201)]) {
      const r = structuredClone(fixture);
      r.model.name = name;
      expect(receiptSchema.safeParse(r).success, JSON.stringify(name)).toBe(false);
    }
    // Without anything trusted, a label name is never shown: the index is.
    const labelled = structuredClone(fixture);
    labelled.output.tensors[0].readable = {
      kind: 'top-k',
      top: [{ index: 0, label: 'APPROVED', value: 1 }],
    };
    expect(JSON.stringify(describeReceipt(labelled))).not.toContain('APPROVED');
  });
});
