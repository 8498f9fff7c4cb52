import { Command } from 'commander';
import { z } from 'zod';
import { defineOptions, negatedFlag, option } from '../core/cliOptions.js';
import { commonOptions, runCommand } from '../core/command.js';
import { EXIT } from '../core/errorCodes.js';
import { table } from '../core/output.js';
import { runDemo } from '../demo/runDemo.js';

const demoOptions = defineOptions(commonOptions, {
  fixture: option(z.string().default('mlp'), '<name>', 'fixture to use: mlp | cnn | two_input'),
  out: option(z.string().optional(), '<dir>', 'where to write the proof bundle (default: out)'),
  outDir: option(z.string().optional(), '<dir>', 'old name of --out', { hidden: true }),
  market: negatedFlag('skip the market loop on the embedded chain'),
});

export function demoCommand(): Command {
  return demoOptions
    .addTo(new Command('demo'))
    .description('Prove and verify the default fixture model on the embedded defaults (dev SRS)')
    .action((raw) =>
      runCommand(raw, async (reporter) => {
        const o = demoOptions.parse(raw);
        const result = await runDemo({
          fixture: o.fixture,
          outDir: o.out ?? o.outDir ?? 'out',
          market: o.market,
          reporter,
        });
        const { bundle, verification } = result;
        const fixtureName = o.fixture;
        reporter.warn(
          'SRS: insecure-dev — this demo proves locally with a dev SRS, not one anyone else should trust.',
        );
        reporter.result(
          {
            ok: verification.valid,
            ...result,
            bundle: {
              path: result.bundlePath,
              public: bundle.public,
              quantization: bundle.quantization,
              timings: bundle.timings,
            },
          },
          () =>
            [
              `Fixture ${fixtureName}: proof ${result.bundlePath}, ${verification.valid ? reporter.c.green('verified') : reporter.c.red('NOT verified')} against ${result.artifactsDir}`,
              table(
                bundle.public.outputs.map((o, i) => [
                  o.name,
                  (o.values ?? []).map((v) => v.toFixed(4)).join(' '),
                  bundle.floatReference.outputs[i]?.values.map((v) => v.toFixed(4)).join(' ') ??
                    '—',
                  bundle.quantization[i]?.maxAbsError.toExponential(2) ?? '—',
                  bundle.quantization[i]?.maxRelError.toExponential(2) ?? '—',
                ]),
                [
                  'output',
                  'proved (quantized)',
                  'float (onnxruntime)',
                  'max abs err',
                  'max rel err',
                ],
              ),
              table(Object.entries(bundle.timings).map(([phase, ms]) => [phase, `${ms} ms`])),
              ...(result.market
                ? [
                    `Market ${result.market.market} on ${result.market.chain.kind} chain ${result.market.chain.chainId}: task ${result.market.taskId} for model ${result.market.modelId} paid ${result.market.rewardEth} ETH to worker ${result.market.worker}`,
                    `worker balance ${Number(result.market.workerBalanceDeltaEth) >= 0 ? '+' : ''}${result.market.workerBalanceDeltaEth} ETH (reward minus gas); proved in ${result.market.proveMs} ms`,
                  ]
                : []),
            ].join('\n'),
        );
        return verification.valid && (!o.market || result.market) ? EXIT.ok : EXIT.invalid;
      }),
    );
}
