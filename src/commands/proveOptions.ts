import { z } from 'zod';
import { defineOptions, flag, option, type OptionsOf } from '../core/cliOptions.js';
import { commonOptions } from '../core/command.js';
import { circuitOptions } from './compile.js';
import { stagesOption } from './split.js';

/** `prove`'s options, whole-model and staged (proveStaged.ts takes the same parsed object). */
export const proveOptions = defineOptions(circuitOptions, commonOptions, {
  input: option(
    z.string(),
    '<file>',
    'input: {"input_data": [...]}, {"<name>": [...]} or a nested array',
  ),
  out: option(z.string().default('out/proof.json'), '<file>', 'where to write the proof bundle'),
  stages: option(
    stagesOption.optional(),
    '<n>',
    'prove in stages: split the model into N (or auto) stages first',
  ),
  receipt: flag(
    'also write a receipt anyone can check beside the bundle (x.proof → x.receipt.json)',
  ),
  jobs: option(
    z.coerce.number().int().min(1, 'must be a whole number ≥ 1').optional(),
    '<n>',
    'stages proved at once, one EZKL process each (default: min(stages, cores))',
  ),
});
export type ProveOptions = OptionsOf<typeof proveOptions>;
