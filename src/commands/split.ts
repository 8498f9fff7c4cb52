import { Command } from 'commander';
import { z } from 'zod';
import { defineOptions, option } from '../core/cliOptions.js';
import { commonOptions, runCommand } from '../core/command.js';
import { table } from '../core/output.js';
import { splitModel } from '../prover/stages/splitModel.js';

/** `N` (a whole number ≥ 1) or `auto`, as `split` and `prove` take it. */
export const stagesOption = z.union([
  z.literal('auto'),
  z.coerce
    .number({ invalid_type_error: 'must be a whole number ≥ 1 or "auto"' })
    .int('must be a whole number ≥ 1 or "auto"')
    .min(1, 'must be a whole number ≥ 1 or "auto"'),
]);

const splitOptions = defineOptions(commonOptions, {
  stages: option(
    stagesOption.default('auto'),
    '<n>',
    'how many stages, or auto (balanced on an estimated cost)',
  ),
  out: option(
    z.string({ required_error: 'where to write the stages is required (--out <dir>)' }),
    '<dir>',
    'the directory to write stages.json and stage-<i>.onnx into',
  ),
});

export function splitCommand(): Command {
  return splitOptions
    .addTo(new Command('split'))
    .description(
      'Cut an ONNX model at single-tensor boundaries into stage models (proved separately, linked by Poseidon hashes)',
    )
    .argument('<model>', 'ONNX model file')
    .action((model: string, raw) =>
      runCommand(raw, async (reporter) => {
        const o = splitOptions.parse(raw);
        const staged = await reporter.step(`Splitting ${model}`, () =>
          splitModel({ model, stages: o.stages, out: o.out }),
        );
        const { manifest } = staged;
        reporter.result({ ok: true, dir: staged.dir, ...manifest }, () =>
          [
            `${manifest.stages.length} stage(s) of ${manifest.source.name} written to ${staged.dir}`,
            table(
              manifest.stages.map((s) => [
                s.file,
                s.inputs.map((t) => `${t.name} [${t.dims.join(', ')}]`).join(', '),
                s.outputs.map((t) => `${t.name} [${t.dims.join(', ')}]`).join(', '),
                s.nodes,
                s.estimatedCost.toLocaleString('en-US'),
              ]),
              ['stage', 'input', 'output', 'nodes', 'est. cost'],
            ),
          ].join('\n'),
        );
      }),
    );
}
