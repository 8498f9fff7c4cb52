import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RECEIPT_SCHEMA_PATH, receiptJsonSchema } from '../../scripts/bundleSchema.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { RECEIPT_FORMAT } from '../../src/proof/receipt.js';

describe('the published receipt JSON Schema', () => {
  it('is the one generated from the zod schema check parses receipts with (run `npm run schema`)', () => {
    expect(readFileSync(RECEIPT_SCHEMA_PATH, 'utf8')).toBe(receiptJsonSchema());
  });

  it('is published with the package and names the format this version writes', () => {
    const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8'));
    expect(pkg.files).toContain('schemas/');
    expect(pkg.exports['./receipt.schema.json']).toBe('./schemas/receipt.schema.json');
    const schema = JSON.parse(readFileSync(RECEIPT_SCHEMA_PATH, 'utf8'));
    expect(schema.properties.format.const).toBe(RECEIPT_FORMAT);
  });
});
