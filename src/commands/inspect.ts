import { Command } from 'commander';
import { commonOptions, runCommand } from '../core/command.js';
import { table } from '../core/output.js';
import { inspectModel } from '../proof/inspectModel.js';

export function inspectCommand(): Command {
  return commonOptions
    .addTo(new Command('inspect'))
    .description("List an ONNX model's inputs, outputs and ops")
    .argument('<model>', 'ONNX model file')
    .action((path: string, raw) =>
      runCommand(raw, async (reporter) => {
        const { bytes: _bytes, ...model } = await inspectModel(path);
        reporter.result({ ok: true, ...model }, () =>
          [
            table([
              ...model.inputs.map((t) => [
                'input',
                t.name,
                `[${t.dims.join(', ')}]`,
                t.dtype ?? '',
              ]),
              ...model.outputs.map((t) => [
                'output',
                t.name,
                `[${t.dims.join(', ')}]`,
                t.dtype ?? '',
              ]),
            ]),
            `ops: ${model.ops.join(', ')} (opset ${model.opset})`,
          ].join('\n'),
        );
      }),
    );
}
