import { Command } from 'commander';
import { z } from 'zod';
import { defineOptions, flag, option } from '../core/cliOptions.js';
import { commonOptions, parseOptions, runCommand } from '../core/command.js';
import { table } from '../core/output.js';
import { registerModel } from '../market/market.js';
import { registerPipeline } from '../market/registerPipeline.js';
import { registerStagedModel } from '../market/registerStagedModel.js';
import { isStagedModelDir } from '../proof/stagedModel.js';
import { artifactsFor } from '../prover/compileModel.js';
import { circuitOptions, circuitOptionsFrom } from './compile.js';
import { marketOptions, withMarket } from './marketOptions.js';

const modelId = z.string().regex(/^\d+$/, 'a model id is a number');
const registerOptions = defineOptions(circuitOptions, marketOptions, commonOptions, {
  input: option(
    z.string().optional(),
    '<file>',
    'sample input for compiling (default: input.json beside the model)',
  ),
  metadataUri: option(z.string().optional(), '<uri>', 'where workers can find the model'),
  stage: flag('a pipeline stage past the first: its input may be a hashed boundary'),
  layout: option(
    z.enum(['auto', 'single', 'reusable']).default('auto'),
    '<layout>',
    "auto (compile's choice) | single | reusable (EZKL's reusable verifier, its VKA kept in a VKA store)",
  ),
});
const pipelineOptions = defineOptions(marketOptions, commonOptions);

export function modelCommand(): Command {
  const model = new Command('model').description('Models on the market');
  model.addCommand(
    registerOptions
      .addTo(new Command('register'))
      .description("Deploy the model's verifier (or reuse it) and register the model on the market")
      .argument(
        '<target>',
        'ONNX model file, artifacts directory, or a split model directory (registers its stages and pipeline)',
      )
      .action((target: string, raw) =>
        runCommand(raw, async (reporter) => {
          const o = registerOptions.parse(raw);
          const input = o.input ?? target.replace(/[^/]*$/, 'input.json');
          if (isStagedModelDir(target)) {
            // A split model: every stage, then the pipeline (for optimistic tasks).
            const staged = await withMarket(o, reporter, true, (market, chain) =>
              registerStagedModel({ chain, market, staged: target, input, reporter }),
            );
            reporter.result({ ok: true, ...staged }, () =>
              table([
                ['stage models', staged.stages.map((s) => s.modelId).join(' → ')],
                ['pipeline id', staged.pipeline.pipelineId],
                ['gas used', staged.pipeline.gasUsed],
              ]),
            );
            return;
          }
          const artifacts = await artifactsFor(target, {
            input,
            ...circuitOptionsFrom(o),
            reporter,
          });
          const result = await withMarket(o, reporter, true, (market, chain) =>
            registerModel({
              chain,
              market,
              artifacts,
              metadataURI: o.metadataUri,
              stage: o.stage,
              ...(o.layout === 'auto' ? {} : { layout: o.layout }),
              reporter,
            }),
          );
          reporter.result({ ok: true, ...result }, () =>
            table([
              ['model id', result.modelId],
              ['verifier', `${result.verifier.verifier.address} (${result.verifier.layout})`],
              ['instances', `${result.numInputs} inputs, ${result.numOutputs} outputs`],
              ['gas used', result.gasUsed],
            ]),
          );
        }),
      ),
  );
  model.addCommand(
    pipelineOptions
      .addTo(new Command('pipeline'))
      .description(
        'Register a pipeline of registered stage models, in order (for optimistic tasks; one model is a 1-stage pipeline)',
      )
      .argument('<model-ids...>', 'the stage model ids, first stage first')
      .action((ids: string[], raw) =>
        runCommand(raw, async (reporter) => {
          const o = pipelineOptions.parse(raw);
          const stageModels = ids.map((id) => parseOptions(modelId, id));
          const result = await withMarket(o, reporter, true, (market) =>
            registerPipeline({ market, stageModels, reporter }),
          );
          reporter.result({ ok: true, ...result }, () =>
            table([
              ['pipeline id', result.pipelineId],
              ['stages', result.stageModels.map((m) => `model ${m}`).join(' → ')],
              ['instances', `${result.numInputs} inputs, ${result.numOutputs} outputs`],
              ['gas used', result.gasUsed],
            ]),
          );
        }),
      ),
  );
  return model;
}
