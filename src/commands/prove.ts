import { Command } from 'commander';
import { runCommand } from '../core/command.js';
import { table } from '../core/output.js';
import { PocomputeError } from '../core/errors.js';
import { proveInference } from '../prover/proveInference.js';
import { circuitOptionsFrom } from './compile.js';
import { isStagedModelDir } from '../proof/stagedModel.js';
import { proveStagedCommand } from './proveStaged.js';
import { proveOptions } from './proveOptions.js';

export function proveCommand(): Command {
  return proveOptions
    .addTo(new Command('prove'))
    .description(
      'Prove that a model, run on an input, gave its output (compiles the model if needed)',
    )
    .argument('<target>', 'ONNX model file, artifacts directory, or split directory (staged)')
    .action((target: string, raw) =>
      runCommand(raw, async (reporter) => {
        const o = proveOptions.parse(raw);
        if (o.stages !== undefined || o.jobs !== undefined || isStagedModelDir(target)) {
          if (o.receipt)
            throw new PocomputeError(
              'USAGE',
              '--receipt writes a receipt of one proof, not of a staged proof',
            );
          return proveStagedCommand(target, o, reporter);
        }
        const { bundle, bundlePath, artifacts } = await proveInference({
          target,
          input: o.input,
          out: o.out,
          ...circuitOptionsFrom(o),
          reporter,
        });
        // The receipt's module (ethers, ~100 ms to load) only when a receipt is asked for.
        const receipt = o.receipt
          ? await reporter.step('Writing the receipt', async () => {
              const { receiptPathFor, writeReceipt } = await import('../verifier/createReceipt.js');
              return writeReceipt({ bundle, artifacts, out: receiptPathFor(bundlePath) });
            })
          : undefined;
        const error = (name: string, key: 'maxAbsError' | 'maxRelError') =>
          bundle.quantization.find((q) => q.name === name)?.[key].toExponential(2) ?? '—';
        if (bundle.srs.origin === 'insecure-dev')
          reporter.warn('SRS: insecure-dev (local use only)');
        reporter.result(
          {
            ok: true,
            bundle: bundlePath,
            ...(receipt ? { receipt: receipt.path, receiptBytes: receipt.bytes } : {}),
            model: bundle.model,
            public: bundle.public,
            quantization: bundle.quantization,
            floatReference: bundle.floatReference.unavailable ?? 'onnxruntime',
            inputTypes: bundle.inputTypes,
            srs: bundle.srs,
            timings: bundle.timings,
            // What a verifier trusts instead of the bundle (`verify --artifacts <dir>`), and how big.
            artifacts: {
              dir: artifacts.dir,
              logrows: artifacts.manifest.circuit.logrows,
              chosenBy: artifacts.manifest.circuit.choice?.strategy ?? 'ezkl-preset',
            },
          },
          () =>
            [
              `Proof bundle written to ${bundlePath}`,
              ...(receipt
                ? [`Receipt written to ${receipt.path} (${(receipt.bytes / 1024).toFixed(1)} KiB)`]
                : []),
              `Artifacts (2^${artifacts.manifest.circuit.logrows} rows): ${artifacts.dir} — verify elsewhere with \`pocompute verify ${bundlePath} --artifacts <copy of it>\``,
              table(
                bundle.public.outputs.map((o) => [
                  o.name,
                  o.visibility,
                  (o.values ?? []).map((v) => v.toFixed(4)).join(' ') ||
                    (o.hash ? `hash ${o.hash[0].slice(0, 18)}…` : '—'),
                  error(o.name, 'maxAbsError'),
                  error(o.name, 'maxRelError'),
                ]),
                ['output', 'visibility', 'proved value', 'max abs err', 'max rel err'],
              ),
            ].join('\n'),
        );
      }),
    );
}
