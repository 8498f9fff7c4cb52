import { z } from 'zod';
import { compileCircuitOptions } from './compile.js';
import { stagesOption } from './split.js';

/** `prove`'s options, whole-model and staged (proveStaged.ts takes the same parsed object). */
export const proveOptions = compileCircuitOptions.extend({
  out: z.string().default('out/proof.json'),
  stages: stagesOption.optional(),
  jobs: z.coerce.number().int().min(1, 'must be a whole number ≥ 1').optional(),
});
