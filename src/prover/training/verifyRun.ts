import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { PocomputeError } from '../../core/errors.js';
import { readFileCapped, requireRegularFile, sha256Hex } from '../../core/files.js';
import { checkBundleAgainst } from '../../proof/checkBundle.js';
import { stepInstances } from './stepInstances.js';
import { openArtifacts, type Artifacts } from '../../proof/artifacts.js';
import { findArtifactsByVk, findCompilationsOfModel } from '../../proof/artifactsIndex.js';
import { readBundle, type ProofBundle } from '../../proof/bundle.js';
import { poseidonOfTensor, toFelts } from '../poseidon.js';
import { batchSchedule, derivedSeed } from './batchSchedule.js';
import { commitmentOf, commitTrainingData, rootFromPath, rowLeaf } from './dataCommitment.js';
import { readMlp, type MlpSpec } from './mlpSpec.js';
import { readRunJson, readRunManifest, runFile, type RunManifest } from './runManifest.js';
import { buildTrainingStepGraph } from './stepGraph.js';
import { readTrainingData } from './trainingData.js';

export interface RunCheck {
  step: number | 'base' | 'circuit' | 'data' | 'final' | 'export';
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
  /** The run's data commitment, and whether a data file was checked against it. */
  data: RunManifest['data'] & { checked: boolean; file?: string };
  /** The base model the run starts from (full sha256), and whether a given file was checked. */
  base: { sha256: string; checked: boolean; file?: string };
  warnings: string[];
}

export interface VerifyRunParams {
  /** The run directory `pocompute train` wrote. */
  run: string;
  /** Also check that this exported model holds the final weights. */
  exported?: string;
  /** A compiled step circuit whose key the verifier trusts (default: one compiled on this machine). */
  artifacts?: string;
  /**
   * With no trusted step key, check the proofs against the run's own key (`keySource: 'run'`)
   * instead of refusing (STEP_KEY_UNTRUSTED): only for `export --allow-untrusted-key`, which says
   * so. Such a check shows the proofs are consistent, not that they are of the SGD step claimed.
   */
  allowUntrustedKey?: boolean;
  /** The training data file: checked against the run's commitment and every step's batch. */
  data?: string;
  /** A base model the verifier trusts: the run must start from it (sha256 and trainable weights). */
  base?: string;
}

/** steps/<i>/batch.json: the scheduled rows, their values and their Merkle paths. */
const batchFileSchema = z.object({
  features: z.array(z.array(z.number().finite()).max(4096)).max(256),
  labels: z.array(z.array(z.number().finite()).max(4096)).max(256),
  merklePaths: z.array(z.array(z.string().max(80)).max(32)).max(256),
});

/** A value of the run's files that EZKL cannot quantize makes the run malformed (exit 2), named. */
const RUN_VALUE = { code: 'RUN_INVALID', what: 'batch value' } as const;
const hashRunValues = (values: number[], scale: number, what: string) =>
  poseidonOfTensor(values, scale, 'f32', { code: 'RUN_INVALID', what });

const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Checks a fine-tuning run: that its step circuit is one SGD step of the base model with the run's
 * options (rebuilt here) and that the key the proofs are checked with is a compilation of exactly
 * that circuit; every step's proof; that step 0 starts from the base model's weights and each step
 * continues the previous one; that each batch is the scheduled slice of the committed data (and,
 * with `data`, of that file); that each loss is the one its proof hashed; and that the final (and
 * an exported model's) weights are the last step's. With no trusted step key (none given, none
 * compiled here) it refuses (STEP_KEY_UNTRUSTED, exit 2): the run's own key would let a run that
 * relabels its options beside proofs made with another key verify.
 */
export async function verifyRun(params: VerifyRunParams): Promise<VerifyRunResult> {
  const { run: dir, ...options } = params;
  // Files the verifier names are checked before any work: a typo is exit 2 at once.
  if (options.exported)
    await requireRegularFile(options.exported, 'exported model', 'INPUT_INVALID');
  if (options.base) await requireRegularFile(options.base, 'base model', 'INPUT_INVALID');
  const run = await readRunManifest(dir);
  const checks: RunCheck[] = [];
  const warnings: string[] = [];
  const k = run.tensors.length;

  const baseBytes = new Uint8Array(
    await readFile(await runFile(dir, run.base.model, 'base model')),
  );
  const baseSpec = readMlp(baseBytes);
  const bundles: ProofBundle[] = [];
  for (const [position, step] of run.steps.entries())
    bundles.push(await readBundle(await runFile(dir, step.proof, `step ${position} proof`)));

  // The circuit must be the SGD step the run claims: rebuilt from the base model and the options.
  const { trainable, loss, lr, batch } = run.options;
  const stepSha = sha256Hex(buildTrainingStepGraph(baseSpec, { trainable, loss, lr, batch }).model);
  const stepFile = await runFile(dir, run.stepModel.path, 'step circuit');
  const stepFileSha = sha256Hex(new Uint8Array(await readFile(stepFile)));
  // Each proof's key must be this one (checked per step below), so it is the key to look up.
  const trusted = await trustedStepKey(stepSha, run.stepModel.vkSha256, options.artifacts);
  if (!trusted.artifacts && !trusted.problem && !options.allowUntrustedKey)
    throw new PocomputeError(
      'STEP_KEY_UNTRUSTED',
      `no trusted key for this run's step circuit (model sha256 ${stepSha.slice(0, 16)}…): it is ` +
        'not compiled in the pocompute home and no --artifacts was given; a run is never verified ' +
        'against its own key',
    );
  const claimed = `layers ${trainable.join(',')}, ${loss}, lr ${lr}, batch ${batch}`;
  const layoutFits =
    !trusted.artifacts ||
    (trusted.artifacts.manifest.circuit.inputScales.length === k + 2 &&
      trusted.artifacts.manifest.circuit.outputScales.length === k + 1);
  const scales =
    trusted.artifacts && layoutFits ? circuitScales(trusted.artifacts, k) : recordedScales(run);
  const circuitProblem =
    stepFileSha !== stepSha || run.stepModel.sha256 !== stepSha
      ? `the step circuit is not one SGD step of the base model with the run's options (${claimed})`
      : (trusted.problem ??
        (layoutFits
          ? undefined
          : `the run records ${k} trainable tensors, its trusted step circuit takes another number`) ??
        (same(scales.all.map(String), recordedScales(run).all.map(String))
          ? undefined
          : `the run records other scales (${recordedScales(run).all}) than its trusted step circuit's (${scales.all})`));
  checks.push({
    step: 'circuit',
    ok: !circuitProblem,
    detail:
      circuitProblem ??
      (trusted.artifacts
        ? `the step circuit is one SGD step of the base model (${loss}, lr ${lr}, batch ${batch}), rebuilt and compared, and the trusted key is its compilation`
        : `step.onnx is one SGD step of the base model (${loss}, lr ${lr}, batch ${batch}), rebuilt and compared; the proofs' key is the run's own, not one you trust`),
  });
  if (!trusted.artifacts && !trusted.problem)
    warnings.push(
      "Verified against the run's own step key (allowUntrustedKey): no key for this step circuit is compiled here, so this shows the proofs are consistent, not that they are of the rebuilt step circuit.",
    );

  const hashWeights = (w: number[][]) =>
    w.map((t, i) => hashRunValues(t, scales.weights[i], `weights tensor ${i} value`));
  const baseOk =
    same(hashWeights(trainableWeights(run, baseSpec)), run.base.weightsHash) &&
    sha256Hex(baseBytes) === run.base.sha256;
  checks.unshift({
    step: 'base',
    ok: baseOk,
    detail: `the base model (sha256 ${run.base.sha256.slice(0, 16)}…) and its trainable weights are the run's recorded ones`,
  });

  // The base model: without a trusted one, a run from any base model of this shape verifies
  // (head-only training builds the same step circuit whatever the other weights are).
  const base = { sha256: run.base.sha256, checked: false, file: options.base };
  if (options.base) {
    const given = new Uint8Array(await readFileCapped(options.base, 'base model', 'INPUT_INVALID'));
    const givenSha = sha256Hex(given);
    const sameWeights =
      givenSha === run.base.sha256 &&
      same(hashWeights(trainableWeights(run, readMlp(given))), run.base.weightsHash);
    checks.splice(1, 0, {
      step: 'base',
      ok: sameWeights,
      detail: sameWeights
        ? `${options.base} (sha256 ${givenSha}) is the run's base model`
        : `${options.base} is not the run's base model: its sha256 is ${givenSha}, the run starts from ${run.base.sha256}`,
    });
    base.checked = true;
  } else
    warnings.push(
      `The base model was not checked: the run starts from the model with sha256 ${run.base.sha256}; pass --base <model.onnx> to check it is the model you trust.`,
    );

  // The data: the commitment is well formed; with a file, the file is what it commits to.
  const data = { ...run.data, checked: false, file: options.data };
  const commitmentOk = commitmentOf(run.data.rows, run.data.merkleRoot) === run.data.commitment;
  const fileData = options.data ? await readTrainingData(options.data, baseSpec) : undefined;
  const committed = fileData ? commitTrainingData(fileData, scales.batch) : undefined;
  if (!commitmentOk || committed) {
    const matches =
      committed?.commitment === run.data.commitment &&
      committed.rows === run.data.rows &&
      committed.merkleRoot === run.data.merkleRoot;
    checks.push({
      step: 'data',
      ok: commitmentOk && (!committed || matches),
      detail: !commitmentOk
        ? `the run's data commitment is not sha256(0x02 ‖ rows ‖ root) of its own Merkle root`
        : matches
          ? `${options.data}: ${committed.rows} rows, the run's training data (commitment ${run.data.commitment.slice(0, 16)}…)`
          : `${options.data} is not the run's training data: it commits to ${committed?.commitment.slice(0, 16)}… (${committed?.rows} rows), the run to ${run.data.commitment.slice(0, 16)}… (${run.data.rows} rows)`,
    });
    data.checked = Boolean(committed);
  }
  if (!committed)
    warnings.push(
      `The training data was not checked: the run commits to ${run.data.commitment} (${run.data.rows} rows); pass --data <file> to check that file is the data its batches came from.`,
    );
  if (run.data.seedSource === 'derived' && run.data.seed !== derivedSeed(run.data.commitment))
    checks.push({
      step: 'data',
      ok: false,
      detail: `the batch seed is recorded as derived from the data commitment but is not`,
    });
  const schedule = batchSchedule(run.data.seed, run.data.rows, batch);
  const depth = Math.ceil(Math.log2(run.data.rows));

  let previousOut = run.base.weightsHash;
  for (const [position, step] of run.steps.entries()) {
    const { problems, rows, weightsOut } = await checkStep({
      dir,
      run,
      position,
      bundle: bundles[position],
      previousOut,
      trusted: trusted.artifacts,
      scales,
      schedule,
      depth,
      fileData,
      dataFile: options.data,
      hashWeights,
    });
    checks.push({
      step: position,
      ok: problems.length === 0,
      detail: problems.length
        ? `step ${position} ${problems.join('; ')}`
        : `step ${position}: proof verifies, links to ${position === 0 ? 'the base model' : `step ${position - 1}`}, batch = scheduled rows ${rowList(rows)}, loss ${step.loss.toFixed(5)}`,
    });
    previousOut = weightsOut;
  }
  if (run.steps.length !== run.options.steps)
    checks.push({
      step: 'final',
      ok: false,
      detail: `the run was made with ${run.options.steps} steps but holds ${run.steps.length} (steps removed)`,
    });
  const finalWeights = await readRunJson(dir, run.final.weights, 'final weights');
  const finalHash = isWeights(finalWeights) ? hashWeights(finalWeights) : [];
  checks.push({
    step: 'final',
    ok: same(finalHash, previousOut) && same(finalHash, run.final.weightsHash),
    detail: "the final weights hash to the last step's output",
  });
  if (options.exported) {
    const exported = trainableWeights(
      run,
      readMlp(
        new Uint8Array(await readFileCapped(options.exported, 'exported model', 'INPUT_INVALID')),
      ),
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
    data,
    base,
    warnings,
  };
}

/** What checkStep needs: the run, the trusted key and what the run-wide checks established. */
interface StepCheck {
  dir: string;
  run: RunManifest;
  position: number;
  bundle: ProofBundle;
  /** The weights hash this step must start from: the base model's, or the previous step's output. */
  previousOut: string[];
  trusted: Artifacts | undefined;
  scales: ReturnType<typeof recordedScales>;
  schedule: (position: number) => number[];
  depth: number;
  fileData: Awaited<ReturnType<typeof readTrainingData>> | undefined;
  dataFile: string | undefined;
  hashWeights: (weights: number[][]) => string[];
}

/**
 * One step of a run: its proof verifies with the trusted key, it continues the previous step, its
 * recorded hashes are its proof's, its batch is the scheduled rows of the committed data (and of the
 * data file, if given), and its loss and saved weights are the ones its proof hashed. Returns the
 * problems found (none: the step holds), its rows, and the weights hash the next step must start from.
 */
async function checkStep(
  c: StepCheck,
): Promise<{ problems: string[]; rows: number[]; weightsOut: string[] }> {
  const {
    dir,
    run,
    position,
    bundle,
    previousOut,
    trusted,
    scales,
    schedule,
    depth,
    fileData,
    dataFile,
    hashWeights,
  } = c;
  const k = run.tensors.length;
  const step = run.steps[position];
  const problems: string[] = [];
  if (step.index !== position)
    problems.push(`is numbered ${step.index} at position ${position} (steps removed or reordered)`);
  const at = stepInstances(bundle.proof.instances[0] ?? [], k);
  if (bundle.artifacts.vkSha256 !== run.stepModel.vkSha256)
    problems.push('was proved with another verifying key (a proof from another run?)');
  const proof = await checkBundleAgainst(bundle, trusted);
  // With the bundle's own verifier there is no key to compare (allowUntrustedKey, said so).
  if (proof.checks.find((c) => c.name === 'verifying key')?.ok === false)
    problems.push(
      trusted
        ? "was proved with another key than the trusted step circuit's"
        : 'carries another verifying key than the one it records',
    );
  if (!proof.checks.find((c) => c.name === 'proof')?.ok) problems.push('its proof does not verify');
  if (!same(at.weightsIn, previousOut))
    problems.push(
      position === 0
        ? "does not start from the base model's weights"
        : `does not continue step ${position - 1}: its input weights are not that step's output`,
    );
  if (!same(at.weightsIn, step.inputWeightsHash) || !same(at.weightsOut, step.outputWeightsHash))
    problems.push("its recorded hashes are not its proof's");
  const rows = schedule(position);
  const batchFile = batchFileSchema.safeParse(
    await readRunJson(dir, step.batch, `step ${position} batch`),
  );
  if (!batchFile.success) problems.push('its batch file is malformed');
  else {
    const b = batchFile.data;
    const batchHash = [
      hashRunValues(b.features.flat(), scales.batch[0], `step ${position} feature`),
      hashRunValues(b.labels.flat(), scales.batch[1], `step ${position} label`),
    ];
    if (!same(batchHash, at.batch))
      problems.push('its batch is not the batch its proof was made on');
    else if (!batchInTree(b, rows, scales.batch, run.data.merkleRoot, depth))
      problems.push(
        `its batch is not the scheduled rows (${rowList(rows)}) of the committed data (seed ${run.data.seed})`,
      );
  }
  if (fileData && rows.some((r) => r >= fileData.features.length))
    problems.push(`its scheduled rows (${rowList(rows)}) are not all in ${dataFile}`);
  else if (fileData) {
    const slice = [
      poseidonOfTensor(
        rows.flatMap((r) => fileData.features[r]),
        scales.batch[0],
      ),
      poseidonOfTensor(
        rows.flatMap((r) => fileData.targets[r]),
        scales.batch[1],
      ),
    ];
    if (!same(slice, at.batch))
      problems.push(`its batch is not the scheduled slice of ${dataFile} (rows ${rowList(rows)})`);
  }
  if (hashRunValues([step.loss], scales.loss, `step ${position} loss`) !== at.loss)
    problems.push('its recorded loss is not the one its proof hashed');
  const weightsOut = await readRunJson(dir, step.weightsOut, `step ${position} weights`);
  if (!isWeights(weightsOut) || !same(hashWeights(weightsOut), at.weightsOut))
    problems.push('its saved output weights are not the ones its proof hashed');
  return { problems, rows, weightsOut: at.weightsOut };
}

/**
 * The step key to trust, from trusted material only (never a config file's artifactsDir): the
 * given artifacts, which must be a compilation of the rebuilt step circuit; else a compilation of
 * the rebuilt step circuit (found by its model sha256) in the pocompute home — the one with the
 * run's key if several, else any, so that proofs made with another key fail (never a fallback).
 * With none, a key compiled here for the run's vk must not belong to another circuit. When nothing
 * is known here, neither artifacts nor a problem: verifyRun refuses (or, if allowed, uses the run's
 * own key and says so).
 */
async function trustedStepKey(
  stepSha: string,
  runKey: string,
  given?: string,
): Promise<{ artifacts?: Artifacts; problem?: string }> {
  if (given) {
    const artifacts = await openArtifacts(given);
    if (artifacts.manifest.model.sha256 !== stepSha)
      return { problem: `${given} is not a compilation of this run's step circuit` };
    return { artifacts };
  }
  const compiled = await findCompilationsOfModel(stepSha);
  if (compiled.length > 0)
    return {
      artifacts: compiled.find((a) => a.manifest.files['vk.key'] === runKey) ?? compiled[0],
    };
  const local = await findArtifactsByVk(runKey, [], { trustedOnly: true });
  if (local && local.manifest.model.sha256 !== stepSha)
    return {
      problem: `the run's proofs use a key compiled here for another circuit (${local.dir}, model sha256 ${local.manifest.model.sha256.slice(0, 16)}…), not for the step circuit the run claims`,
    };
  return { artifacts: local };
}

interface StepScales {
  weights: number[];
  batch: number[];
  loss: number;
  all: number[];
}

const recordedScales = (run: RunManifest): StepScales => {
  const weights = run.tensors.map((t) => t.scale);
  return {
    weights,
    batch: run.batchScales,
    loss: run.lossScale,
    all: [...weights, ...run.batchScales, run.lossScale],
  };
};

/** The scales of the trusted step circuit: weights and batch in, loss out. */
const circuitScales = (artifacts: Artifacts, k: number): StepScales => {
  const { inputScales, outputScales } = artifacts.manifest.circuit;
  const weights = inputScales.slice(0, k);
  const batch = inputScales.slice(k, k + 2);
  const loss = outputScales[k];
  return { weights, batch, loss, all: [...weights, ...batch, loss] };
};

/** Every row of the batch is a leaf of the committed tree at the position the schedule gives. */
function batchInTree(
  batch: z.infer<typeof batchFileSchema>,
  rows: number[],
  scales: number[],
  merkleRoot: string,
  depth: number,
): boolean {
  if (
    batch.features.length !== rows.length ||
    batch.labels.length !== rows.length ||
    batch.merklePaths.length !== rows.length
  )
    return false;
  return rows.every((row, j) => {
    const path = batch.merklePaths[j];
    if (path.length !== depth) return false;
    const leaf = rowLeaf({
      features: toFelts(batch.features[j], scales[0], 'f32', RUN_VALUE),
      targets: toFelts(batch.labels[j], scales[1], 'f32', RUN_VALUE),
    });
    return rootFromPath(leaf, row, path) === merkleRoot;
  });
}

const rowList = (rows: number[]) =>
  rows.length > 8 ? `${rows.slice(0, 8).join(', ')}, …` : rows.join(', ');

const isWeights = (value: unknown): value is number[][] =>
  Array.isArray(value) &&
  value.every((t) => Array.isArray(t) && t.every((v) => typeof v === 'number'));

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
