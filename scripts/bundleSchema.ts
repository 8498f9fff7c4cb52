import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zodToJsonSchema } from 'zod-to-json-schema';
import { PACKAGE_ROOT } from '../src/core/paths.js';
import { proofBundleSchema } from '../src/proof/bundle.js';
import { receiptSchema } from '../src/proof/receipt.js';

export const BUNDLE_SCHEMA_PATH = join(PACKAGE_ROOT, 'schemas', 'bundle.schema.json');

/** The JSON Schema of a proof bundle, generated from the zod schema `verify` parses bundles with. */
export function bundleJsonSchema(): string {
  const schema = {
    $id: 'https://github.com/pocompute/pocompute/schemas/bundle.schema.json',
    title: 'pocompute proof bundle',
    ...zodToJsonSchema(proofBundleSchema, { $refStrategy: 'none' }),
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

export const RECEIPT_SCHEMA_PATH = join(PACKAGE_ROOT, 'schemas', 'receipt.schema.json');

/** The JSON Schema of a receipt (pocompute-receipt@1), from the zod schema `check` parses with. */
export function receiptJsonSchema(): string {
  const schema = {
    $id: 'https://github.com/pocompute/pocompute/schemas/receipt.schema.json',
    title: 'pocompute receipt',
    ...zodToJsonSchema(receiptSchema, { $refStrategy: 'none' }),
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

// `npm run schema` (re)writes the published files; unit tests fail when they are out of date.
if (process.argv[1]?.endsWith('bundleSchema.js')) {
  writeFileSync(BUNDLE_SCHEMA_PATH, bundleJsonSchema());
  writeFileSync(RECEIPT_SCHEMA_PATH, receiptJsonSchema());
}
