import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BUNDLE_SCHEMA_PATH, bundleJsonSchema } from '../../scripts/bundleSchema.js';

describe('the published bundle JSON Schema', () => {
  it('is the one generated from the zod schema verify parses bundles with (run `npm run schema`)', () => {
    expect(readFileSync(BUNDLE_SCHEMA_PATH, 'utf8')).toBe(bundleJsonSchema());
  });
});
