/**
 * One benchmark phase in its own process, so that its peak memory can be measured from outside.
 * Usage: node dist/bench/phase.js <compile|prove-native|prove-wasm|verify> <fixture> <workdir>
 * Prints one JSON line: { phase, fixture, ms, timings }.
 */
import { join } from 'node:path';
import { fixturePath } from '../src/core/paths.js';
import { compileModel } from '../src/prover/compileModel.js';
import { proveInference } from '../src/prover/proveInference.js';
import { verifyBundle } from '../src/verifier/verifyBundle.js';

const [phase, fixture, workdir] = process.argv.slice(2);
const model = fixturePath(fixture, 'model.onnx');
const input = fixturePath(fixture, 'input.json');
const artifactsRoot = join(workdir, 'artifacts');
const bundle = join(workdir, `${fixture}.proof`);

const started = performance.now();
let timings: Record<string, number> = {};
if (phase === 'compile') {
  timings = (await compileModel({ model, input, artifactsRoot, force: true })).manifest.timings;
} else if (phase === 'prove-native' || phase === 'prove-wasm') {
  const engine = phase === 'prove-native' ? 'native' : 'wasm';
  const result = await proveInference({ target: model, input, out: bundle, engine, artifactsRoot });
  timings = { prove: 0, ...result.bundle.timings };
} else if (phase === 'verify') {
  const artifacts = await compileModel({ model, input, artifactsRoot });
  const t = performance.now();
  const result = await verifyBundle({ bundle, artifacts: artifacts.dir });
  if (!result.valid) throw new Error('benchmark proof did not verify');
  timings = { verify: Math.round(performance.now() - t) };
} else {
  throw new Error(`unknown phase ${phase}`);
}
process.stdout.write(`${JSON.stringify({ phase, fixture, ms: Math.round(performance.now() - started), timings })}\n`);
