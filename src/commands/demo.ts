import { Command, Option } from 'commander';
import { runCommand, withCommonOptions } from '../core/command.js';
import { EXIT } from '../core/errorCodes.js';
import { table } from '../core/output.js';
import { runDemo } from '../demo/runDemo.js';

export function demoCommand(): Command {
  return withCommonOptions(new Command('demo'))
    .description('Prove and verify the default fixture model on the embedded defaults (dev SRS)')
    .option('--fixture <name>', 'fixture to use: mlp | cnn | two_input', 'mlp')
    .option('--out <dir>', 'where to write the proof bundle (default: out)')
    .addOption(new Option('--out-dir <dir>', 'old name of --out').hideHelp())
    .option('--no-market', 'skip the market loop on the embedded chain')
    .action((raw) =>
      runCommand(raw, async (reporter) => {
        const result = await runDemo({
          fixture: raw.fixture,
          outDir: raw.out ?? raw.outDir ?? 'out',
          market: raw.market,
          reporter,
        });
        const { bundle, verification } = result;
        const fixtureName = raw.fixture ?? 'mlp';
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
        return verification.valid && (raw.market === false || result.market)
          ? EXIT.ok
          : EXIT.invalid;
      }),
    );
}
