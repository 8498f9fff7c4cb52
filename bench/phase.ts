/**
 * One benchmark phase in its own process, so that its peak memory can be measured from outside.
 * Usage: node dist/bench/phase.js <compile|prove-native|verify|onchain> <fixture> <workdir>
 * Prints one JSON line: { phase, fixture, ms, timings }.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withChain } from '../src/chain/chainContext.js';
import { fixturePath } from '../src/core/paths.js';
import { readBundle } from '../src/proof/bundle.js';
import { compileModel } from '../src/prover/compileModel.js';
import { proveInference } from '../src/prover/proveInference.js';
import { trainRun } from '../src/prover/training/trainRun.js';
import { deployVerifier } from '../src/verifier/deployVerifier.js';
import { verifyBundle } from '../src/verifier/verifyBundle.js';
import { verifyOnchain } from '../src/verifier/verifyOnchain.js';

const [phase, fixture, workdir] = process.argv.slice(2);
const model = fixturePath(fixture, 'model.onnx');
const input = fixturePath(fixture, 'input.json');
const artifactsRoot = join(workdir, 'artifacts');
const bundle = join(workdir, `${fixture}.proof`);

const started = performance.now();
let timings: Record<string, number> = {};
if (phase === 'compile') {
  const compiled = await compileModel({ model, input, artifactsRoot, force: true });
  timings = compiled.manifest.timings;
} else if (phase === 'prove-native') {
  const result = await proveInference({ target: model, input, out: bundle, artifactsRoot });
  timings = { prove: 0, ...result.bundle.timings };
} else if (phase === 'verify') {
  const artifacts = await compileModel({ model, input, artifactsRoot });
  const t = performance.now();
  const result = await verifyBundle({ bundle, artifacts: artifacts.dir });
  if (!result.valid) throw new Error('benchmark proof did not verify');
  timings = { verify: Math.round(performance.now() - t) };
} else if (phase === 'onchain') {
  // Deploy gas, runtime code size and verify gas on a fresh anvil with the normal EIP-170 limit.
  const artifacts = await compileModel({ model, input, artifactsRoot });
  const bundleData = await readBundle(bundle);
  // Both layouts: the single contract (when it fits EIP-170) and the reusable verifier + VKA.
  timings = await withChain({}, async (chain) => {
    const out: Record<string, number> = {
      reusable: artifacts.manifest.verifier.layout === 'reusable' ? 1 : 0,
    };
    for (const layout of ['single', 'reusable'] as const) {
      const deployment = await deployVerifier({ artifacts, chain, layout, force: true }).catch(
        (error) => {
          // A single verifier past EIP-170 cannot be deployed on a normal chain.
          if (layout === 'single') return undefined;
          throw error;
        },
      );
      if (!deployment) continue;
      const verified = await verifyOnchain({
        bundle: bundleData,
        chain,
        verifier: deployment.verifier.address,
        trust: { artifacts: artifacts.dir },
      });
      if (!verified.valid) throw new Error(`benchmark proof did not verify on-chain (${layout})`);
      out[`${layout}DeployGas`] = Number(deployment.verifier.gasUsed);
      out[`${layout}RegisterVkaGas`] = Number(deployment.vka?.gasUsed ?? 0);
      out[`${layout}RuntimeSize`] = deployment.verifier.runtimeSize;
      out[`${layout}VerifyGas`] = Number(verified.gas);
    }
    return out;
  });
} else if (phase === 'train-mse' || phase === 'train-cross-entropy') {
  // One proved SGD step of the model's head on its fine-tuning data.
  const loss = phase === 'train-mse' ? 'mse' : 'cross-entropy';
  const run = await trainRun({
    model,
    data: fixturePath(fixture, 'train.json'),
    trainable: 'head',
    loss,
    lr: 0.05,
    batch: 8,
    steps: 1,
    out: join(workdir, `run-${loss}`),
  });
  const settings = JSON.parse(
    await readFile(join(workdir, `run-${loss}`, 'steps', '0', 'proof.json'), 'utf8'),
  ).artifacts;
  timings = {
    stepProve: run.steps[0].proveMs,
    logrows: settings.logrows,
    drift: run.steps[0].drift.maxAbsWeight,
  };
} else {
  throw new Error(`unknown phase ${phase}`);
}
process.stdout.write(
  `${JSON.stringify({ phase, fixture, ms: Math.round(performance.now() - started), timings })}\n`,
);
