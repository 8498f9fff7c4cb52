import { Command } from 'commander';
import { z } from 'zod';
import { parseOptions, runCommand, withCommonOptions } from '../core/command.js';
import { table } from '../core/output.js';
import { registerModel } from '../market/market.js';
import { artifactsFor } from '../prover/compileModel.js';
import { circuitOptionsFrom, compileCircuitOptions, withCircuitOptions } from './compile.js';
import { marketOptionsSchema, withMarket, withMarketOptions } from './marketOptions.js';

const registerOptions = compileCircuitOptions
  .merge(marketOptionsSchema)
  .extend({ input: z.string().optional(), metadataUri: z.string().optional() });

export function modelCommand(): Command {
  const model = new Command('model').description('Models on the market');
  model.addCommand(
    withCommonOptions(withMarketOptions(withCircuitOptions(new Command('register'))))
      .description("Deploy the model's verifier (or reuse it) and register the model on the market")
      .argument('<target>', 'ONNX model file or artifacts directory')
      .option('--input <file>', 'sample input for compiling (default: input.json beside the model)')
      .option('--metadata-uri <uri>', 'where workers can find the model')
      .action((target: string, raw) =>
        runCommand(raw, async (reporter) => {
          const o = parseOptions(registerOptions, raw);
          const artifacts = await artifactsFor(target, {
            input: o.input ?? target.replace(/[^/]*$/, 'input.json'),
            ...circuitOptionsFrom(o),
            reporter,
          });
          const result = await withMarket(o, reporter, true, (market, chain) =>
            registerModel({ chain, market, artifacts, metadataURI: o.metadataUri, reporter }),
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
  return model;
}
