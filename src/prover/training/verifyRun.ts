import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonFile, sha256Hex } from '../../core/files.js';
import { verifyBundle } from '../../verifier/verifyBundle.js';
import { openArtifacts, type Artifacts } from '../artifacts.js';
import { findArtifactsByVk } from '../artifactsIndex.js';
import { readBundle } from '../bundle.js';
import { poseidonOfTensor } from '../poseidon.js';
import { readMlp, type MlpSpec } from './mlpSpec.js';
import { readRunManifest, type RunManifest } from './runManifest.js';
import { buildTrainingStepGraph } from './stepGraph.js';

export interface RunCheck {
  step: number | 'base' | 'circuit' | 'final' | 'export';
  ok: boolean;
  detail: string;
}

export interface VerifyRunResult {
  valid: boolean;
  checks: RunCheck[];
  /** The first failure, naming its step. */
  failure?: string;
  steps: number;
  losses: number[];
  srsOrigin: string;
  /** Whose step key the proofs were checked with: a compiled step circuit (given or found here) or the run's own. */
  keySource: 'artifacts' | 'run';
  warnings: string[];
}

export interface VerifyRunOptions {
  /** Also check that this exported model holds the final weights. */
  exported?: string;
  /** A compiled step circuit whose key the verifier trusts (default: one compiled on this machine, else the run's own). */
  artifacts?: string;
}

const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Checks a fine-tuning run: that its step circuit is one SGD step of the base model with the run's
 * options (rebuilt here), every step's proof (WASM, against one verifying key), that step 0 starts
 * from the base model's weights, that each step continues the previous one, that each batch and loss
 * are the ones its proof hashed, and that the final (and an exported model's) weights are the last step's.
 */
export async function verifyRun(
  dir: string,
  options: VerifyRunOptions = {},
): Promise<VerifyRunResult> {
  const run = await readRunManifest(dir);
  const checks: RunCheck[] = [];
  const warnings: string[] = [];
  const scales = run.tensors.map((t) => t.scale);
  const hashWeights = (w: number[][]) => w.map((t, i) => poseidonOfTensor(t, scales[i]));

  const baseBytes = new Uint8Array(await readFile(join(dir, run.base.model)));
  const baseSpec = readMlp(baseBytes);
  const baseWeights = trainableWeights(run, baseSpec);
  const baseOk =
    same(hashWeights(baseWeights), run.base.weightsHash) &&
    sha256Hex(baseBytes) === run.base.sha256;
  checks.push({
    step: 'base',
    ok: baseOk,
    detail: `the base model (sha256 ${run.base.sha256.slice(0, 16)}…) and its trainable weights are the run's recorded ones`,
  });

  // The circuit must be the SGD step the run claims: rebuilt from the base model and the options.
  const { trainable, loss, lr, batch } = run.options;
  const stepSha = sha256Hex(buildTrainingStepGraph(baseSpec, { trainable, loss, lr, batch }).model);
  const stepFileSha = sha256Hex(new Uint8Array(await readFile(join(dir, run.stepModel.path))));
  const trusted = await trustedStepKey(run, stepSha, options.artifacts);
  const circuitProblem =
    stepFileSha !== stepSha || run.stepModel.sha256 !== stepSha
      ? `the step circuit is not one SGD step of the base model with the run's options (layers ${trainable.join(',')}, ${loss}, lr ${lr}, batch ${batch})`
      : trusted.problem;
  checks.push({
    step: 'circuit',
    ok: !circuitProblem,
    detail:
      circuitProblem ??
      `the step circuit is one SGD step of the base model (${loss}, lr ${lr}, batch ${batch}), rebuilt and compared`,
  });
  if (!trusted.artifacts) {
    warnings.push(
      "Verified against the run's own step key: this shows the proofs are consistent, not that the key is for the rebuilt step circuit. Pass --artifacts with a step circuit you compiled (`pocompute compile <run>/step.onnx --input <run>/calibration.json --input-visibility hashed --output-visibility hashed --calibration resources`, same SRS).",
    );
  }

  let previousOut = run.base.weightsHash;
  for (const [position, step] of run.steps.entries()) {
    const problems: string[] = [];
    if (step.index !== position)
      problems.push(
        `is numbered ${step.index} at position ${position} (steps removed or reordered)`,
      );
    const bundle = await readBundle(join(dir, step.proof));
    const instances = bundle.proof.instances[0] ?? [];
    const k = run.tensors.length;
    if (bundle.artifacts.vkSha256 !== run.stepModel.vkSha256)
      problems.push('was proved with another verifying key (a proof from another run?)');
    const proof = await verifyBundle({ bundle, artifacts: trusted.artifacts });
    if (!proof.checks.find((c) => c.name === 'verifying key')?.ok)
      problems.push(
        trusted.artifacts
          ? "was proved with another key than the trusted step circuit's"
          : 'carries another verifying key than the one it records',
      );
    if (!proof.checks.find((c) => c.name === 'proof')?.ok)
      problems.push('its proof does not verify');
    if (!same(instances.slice(0, k), previousOut))
      problems.push(
        position === 0
          ? "does not start from the base model's weights"
          : `does not continue step ${position - 1}: its input weights are not that step's output`,
      );
    if (
      !same(instances.slice(0, k), step.inputWeightsHash) ||
      !same(instances.slice(k + 2, 2 * k + 2), step.outputWeightsHash)
    )
      problems.push("its recorded hashes are not its proof's");
    const batch = (await readJsonFile(join(dir, step.batch), `step ${position} batch`)) as {
      features: number[][];
      labels: number[][];
    };
    const batchHash = [
      poseidonOfTensor(batch.features.flat(), run.batchScales[0]),
      poseidonOfTensor(batch.labels.flat(), run.batchScales[1]),
    ];
    if (!same(batchHash, instances.slice(k, k + 2)))
      problems.push('its batch is not the batch its proof was made on');
    if (poseidonOfTensor([step.loss], run.lossScale) !== instances[2 * k + 2])
      problems.push('its recorded loss is not the one its proof hashed');
    const weightsOut = (await readJsonFile(
      join(dir, step.weightsOut),
      `step ${position} weights`,
    )) as number[][];
    if (!same(hashWeights(weightsOut), instances.slice(k + 2, 2 * k + 2)))
      problems.push('its saved output weights are not the ones its proof hashed');
    checks.push({
      step: position,
      ok: problems.length === 0,
      detail: problems.length
        ? `step ${position} ${problems.join('; ')}`
        : `step ${position}: proof verifies, links to ${position === 0 ? 'the base model' : `step ${position - 1}`}, loss ${step.loss.toFixed(5)}`,
    });
    previousOut = instances.slice(k + 2, 2 * k + 2);
  }
  if (run.steps.length !== run.options.steps)
    checks.push({
      step: 'final',
      ok: false,
      detail: `the run was made with ${run.options.steps} steps but holds ${run.steps.length} (steps removed)`,
    });
  const finalWeights = (await readJsonFile(
    join(dir, run.final.weights),
    'final weights',
  )) as number[][];
  const finalHash = hashWeights(finalWeights);
  checks.push({
    step: 'final',
    ok: same(finalHash, previousOut) && same(finalHash, run.final.weightsHash),
    detail: "the final weights hash to the last step's output",
  });
  if (options.exported) {
    const exported = trainableWeights(
      run,
      readMlp(new Uint8Array(await readFile(options.exported))),
    );
    checks.push({
      step: 'export',
      ok: same(hashWeights(exported), previousOut),
      detail: `${options.exported}: its trainable weights hash to the last step's output`,
    });
  }
  const failure = checks.find((c) => !c.ok)?.detail;
  return {
    valid: !failure,
    checks,
    failure,
    steps: run.steps.length,
    losses: run.steps.map((s) => s.loss),
    srsOrigin: run.srsOrigin,
    keySource: trusted.artifacts ? 'artifacts' : 'run',
    warnings,
  };
}

/**
 * The step key to trust: the given artifacts (which must be the rebuilt step circuit), else the
 * artifacts compiled on this machine with the run's key, if they are of the rebuilt circuit.
 */
async function trustedStepKey(
  run: RunManifest,
  stepSha: string,
  given?: string,
): Promise<{ artifacts?: Artifacts; problem?: string }> {
  if (given) {
    const artifacts = await openArtifacts(given);
    if (artifacts.manifest.model.sha256 !== stepSha)
      return { problem: `${given} is not a compilation of this run's step circuit` };
    return { artifacts };
  }
  const local = await findArtifactsByVk(run.stepModel.vkSha256);
  return local?.manifest.model.sha256 === stepSha ? { artifacts: local } : {};
}

/** A model's trainable tensors, in the run's circuit order. */
export function trainableWeights(run: RunManifest, spec: MlpSpec): number[][] {
  const byName = new Map(
    spec.layers.flatMap(
      (l) =>
        [
          [l.weightName, Array.from(l.weights)],
          [l.biasName, Array.from(l.bias)],
        ] as [string, number[]][],
    ),
  );
  return run.tensors.map((t) => byName.get(t.name) ?? []);
}

export const modelSha = (bytes: Uint8Array) => sha256Hex(bytes);
