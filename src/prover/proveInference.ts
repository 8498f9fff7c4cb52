import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PocomputeError } from '../core/errors.js';
import { sha256File } from '../core/fileHash.js';
import { requireWritableFilePath, writeJsonAtomic } from '../core/files.js';
import type { Reporter } from '../core/output.js';
import { createDirRemovedOnInterrupt, makeWorkDir, tmpSuffix } from '../core/tempDirs.js';
import { checkArtifactSrs, readArtifactFile } from '../proof/artifacts.js';
import type { CompileOptions } from '../proof/artifactsManifest.js';
import { BUNDLE_FORMAT, type ProofBundle } from '../proof/bundle.js';
import { bundleKeyMaterial } from '../proof/bundleKeyMaterial.js';
import { artifactsFor, type BuiltKeys } from './compileModel.js';
import type { CompileResult } from '../proof/artifacts.js';
import {
  cancelPrestartedWorker,
  getPythonEngine,
  prestartPythonWorker,
} from '../engine/pythonEngine.js';
import { dequantize } from '../proof/felts.js';
import {
  compareToFloat,
  type FloatReference,
  type FloatReferenceRunner,
  startFloatReference,
} from './floatReference.js';
import { circuitInputBounds, explainWitnessFailure, requireInputsInRange } from './inputRange.js';
import { loadInputs } from './inputs.js';
import { inspectModel } from '../proof/inspectModel.js';
import { bundlePublicTensors } from '../proof/circuitLayout.js';
import { selfVerifyBundle } from './selfVerifyBundle.js';
import { prepareVerifierEvm } from '../proof/evm.js';

export interface ProveInferenceParams {
  /** An ONNX model (compiled if needed) or an artifacts directory. */
  target: string;
  input: string;
  out: string;
  options?: Partial<CompileOptions>;
  srs?: string;
  artifactsRoot?: string;
  reporter?: Reporter;
}

export interface ProveInferenceResult {
  bundlePath: string;
  bundle: ProofBundle;
  artifacts: CompileResult;
  /** Every output as the circuit computed it (dequantized), public or not. */
  outputs: number[][];
  /** The float model's outputs on the same input (empty when there is no float reference). */
  floatOutputs: number[][];
}

/** Proves that the model, run on the input, gave the output; writes a self-contained proof bundle. */
export async function proveInference(params: ProveInferenceParams): Promise<ProveInferenceResult> {
  // A bundle that cannot be written is refused before any proving, not after it.
  await requireWritableFilePath(params.out, '--out');
  // EZKL's worker starts (Python, `import ezkl`) while the artifacts and the input are checked;
  // it gets its ops only once they are. One never given them ends here.
  prestartPythonWorker();
  // So does onnxruntime, in its own thread, for the float reference.
  const floatRunner = startFloatReference();
  try {
    return await proveWith(params, floatRunner);
  } finally {
    cancelPrestartedWorker();
    floatRunner.close();
  }
}

async function proveWith(
  params: ProveInferenceParams,
  floatRunner: FloatReferenceRunner,
): Promise<ProveInferenceResult> {
  const { reporter } = params;
  // Phases are timed here, with or without a reporter: the timings go into the bundle.
  const timings: Record<string, number> = {};
  const step = async <T>(label: string, key: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = reporter ? await reporter.step(label, work, key) : await work();
    timings[key] = Math.round(performance.now() - started);
    return result;
  };
  // Holds the input and the witness: removed on every exit path, SIGINT/SIGTERM included.
  const workDir = await makeWorkDir('pocompute-prove');
  const work = workDir.path;
  // A first prove starts proving once compile has the keys, while solc compiles the verifier.
  let early: EarlyProof | undefined;
  try {
    const artifacts = await artifactsFor(params.target, {
      input: params.input,
      options: params.options,
      srs: params.srs,
      artifactsRoot: params.artifactsRoot,
      // The proving key (100+ MB on real models) is hashed while EZKL proves with it (below).
      deferProvingKeyCheck: true,
      // A first prove calibrates on this input: the optimiser's float reference is this prove's.
      floatReference: floatRunner.run,
      onKeys: async (keys) => {
        early = await startEarlyProof(keys, params.input, work);
      },
      reporter,
    }).catch(async (error) => {
      await early?.stop();
      throw error;
    });
    return await proveCompiled(params, floatRunner, artifacts, work, early, { step, timings });
  } finally {
    await early?.settled();
    await workDir.remove();
  }
}

type Timed = { step: Step; timings: Record<string, number> };

async function proveCompiled(
  params: ProveInferenceParams,
  floatRunner: FloatReferenceRunner,
  artifacts: CompileResult,
  work: string,
  early: EarlyProof | undefined,
  { step, timings }: Timed,
): Promise<ProveInferenceResult> {
  const { reporter } = params;
  const { manifest } = artifacts;
  // The model compile just read (same sha256 as the manifest's), else the artifacts' copy.
  const model = artifacts.model ?? (await inspectModel(artifacts.path('model.onnx')));
  if (model.sha256 !== manifest.model.sha256)
    throw new PocomputeError('ARTIFACTS_INVALID', `${model.path} changed after it was checked`);
  const inputs = await loadInputs(params.input, model.inputs, model.graphInputs);
  // A value the circuit cannot hold is the input's fault (exit 2), found before any engine runs.
  const names = model.inputs.map((t) => t.name);
  const settings = JSON.parse((await readArtifactFile(artifacts, 'settings.json')).toString());
  requireInputsInRange(inputs.values, names, circuitInputBounds(settings));
  if (inputs.ignored.length)
    reporter?.warn(
      `Ignoring the input file's tensors for ${inputs.ignored.join(', ')}: ` +
        'not model inputs (initializer-backed, or past its inputs), as EZKL ignores them',
    );
  // The float model runs while EZKL proves (another process): its reference is only a report, and
  // loading onnxruntime's WebAssembly would otherwise add to every prove. It runs in its own thread
  // (or, without one, in this one once EZKL has its ops: not before, as it would hold this thread,
  // which sends them). It never rejects.
  let floatRun: Promise<FloatReference> | undefined;
  const startFloat = () => {
    if (!floatRun) {
      const floatStarted = performance.now();
      floatRun = floatRunner.run(model, inputs.values).then((reference) => {
        timings.float = Math.round(performance.now() - floatStarted);
        return reference;
      });
    }
    return floatRun;
  };
  if (floatRunner.threaded) startFloat();

  const inputPath = join(work, 'input.json');
  const ezklInput = JSON.stringify(inputs.ezkl);
  await writeFile(inputPath, ezklInput);
  // A witness EZKL cannot make for an input outside the calibrated range names that input.
  const witnessFailed = async (error: unknown): Promise<never> => {
    throw await explainWitnessFailure(error, inputs.values, names, artifacts);
  };
  // EZKL reads the SRS by path: it is hashed while EZKL proves with it, as the proving key is.
  const srsCheck = checkArtifactSrs(artifacts);
  srsCheck.catch(() => undefined); // awaited below, on every path
  const keysChecked = () => Promise.all([artifacts.deferredCheck, srsCheck]);
  // Once EZKL has its ops: the float reference, and the self-check's EVM (its module, the BN254
  // WebAssembly), are made while EZKL proves.
  const started = () => {
    startFloat();
    prepareVerifierEvm();
  };
  // A proof made with a proving key or SRS other than the manifest's is not used; a failure
  // EZKL had with such a key or SRS is reported as theirs.
  if (early) startFloat(); // what `started` does once EZKL has its ops (the EVM: at the early start)
  const proved = async () =>
    (early && (await earlyNative(early, ezklInput, artifacts, step, witnessFailed, timings))) ??
    (await proveNative(artifacts, inputPath, work, step, witnessFailed, started));
  const native = await proved().catch(async (error) => {
    await keysChecked();
    throw error;
  });
  await keysChecked();
  const { witness, proof } = native;
  Object.assign(timings, native.timings);
  const float = await startFloat();
  if ('unavailable' in float) reporter?.warn(float.unavailable);

  const keyMaterial = await bundleKeyMaterial(artifacts);
  // The bundle's layout is the compiled circuit's (settings), never the ONNX-declared shapes.
  const claimed = bundlePublicTensors(proof, keyMaterial.settings, manifest);
  if (!claimed)
    throw new PocomputeError(
      'SELF_CHECK_FAILED',
      `the proof has ${proof.instances[0]?.length ?? 0} instances, ` +
        "which its circuit's settings do not lay out",
    );
  // The witness holds every output, public or not: quantization error is measured on all of them.
  const witnessOutputs: string[][] = witness.outputs;
  const outputs = manifest.model.outputs.map((_, i) =>
    witnessOutputs[i].map((f) => dequantize(f, manifest.circuit.outputScales[i])),
  );
  const reference = compareToFloat(
    manifest.model.outputs.map((o) => o.name),
    outputs,
    float,
  );
  const bundle: ProofBundle = {
    format: BUNDLE_FORMAT,
    kind: 'inference',
    createdAt: new Date().toISOString(),
    ...keyMaterial,
    proof,
    public: claimed,
    ...reference,
    timings: artifacts.cached ? timings : { ...artifacts.manifest.timings, ...timings },
    inputTypes: model.inputs.map((t, i) => ({ name: t.name, dtype: inputs.dtypes[i] })),
  };
  // Nothing is written unless the bundle passes the checks `verify --artifacts` runs.
  await step('Checking the proof (its Solidity verifier, in-process EVM)', 'selfVerify', () =>
    selfVerifyBundle(bundle, artifacts),
  );
  bundle.timings.selfVerify = timings.selfVerify;
  await writeJsonAtomic(params.out, bundle);
  const floatOutputs = 'outputs' in float ? float.outputs : [];
  return { bundlePath: params.out, bundle, artifacts, outputs, floatOutputs };
}

type Step = <T>(label: string, key: string, work: () => Promise<T>) => Promise<T>;
type EzklProof = ProofBundle['proof'];
type Witness = { outputs: string[][] };
type WitnessFailed = (error: unknown) => Promise<never>;

async function proveNative(
  artifacts: CompileResult,
  inputPath: string,
  work: string,
  step: Step,
  witnessFailed: WitnessFailed,
  onStarted: () => void,
): Promise<NativeProof> {
  // EZKL's Python reads by path: the compiled circuit was hashed by openArtifacts, and an
  // artifacts directory is never modified or replaced once complete; the pk and the SRS are
  // hashed while EZKL proves (the caller awaits their checks).
  const files = {
    compiled: artifacts.path('model.compiled'),
    pk: artifacts.path('pk.key'),
    srs: artifacts.manifest.srs.path,
  };
  const ran: Record<string, number> = {};
  const rows = `2^${artifacts.manifest.circuit.logrows} rows`;
  return step(`Generating the witness and proving (native EZKL, ${rows})`, 'witnessProve', () =>
    witnessAndProof(files, inputPath, work, ran, onStarted)
      // The witness is the input's: a failure there names the input; past it, EZKL's own error.
      .catch((error) =>
        ran.gen_witness === undefined ? witnessFailed(error) : Promise.reject(error),
      ),
  );
}

/**
 * gen_witness + prove in one Python process, as EZKL's own flow does: one start-up and one import
 * of ezkl, not two. Each op is still timed on its own (`ran` gets those that finished).
 */
async function witnessAndProof(
  files: { compiled: string; pk: string; srs: string },
  inputPath: string,
  work: string,
  ran: Record<string, number>,
  onStarted: () => void,
  signal?: AbortSignal,
): Promise<NativeProof> {
  const engine = await getPythonEngine();
  const witnessPath = join(work, 'witness.json');
  const proofPath = join(work, 'proof.json');
  const { compiled, pk, srs } = files;
  await engine.run(
    [
      { op: 'gen_witness', args: { data: inputPath, compiled, witness: witnessPath } },
      { op: 'prove', args: { witness: witnessPath, compiled, pk, proof: proofPath, srs } },
    ],
    { timings: ran, onStarted, signal },
  );
  return {
    witness: JSON.parse(await readFile(witnessPath, 'utf8')),
    proof: JSON.parse(await readFile(proofPath, 'utf8')),
    timings: { witness: ran.gen_witness, prove: ran.prove },
  };
}

type NativeProof = { witness: Witness; proof: EzklProof; timings: Record<string, number> };

/**
 * A first prove's proof, started by compile's onKeys while solc compiles the verifier (1–2 s that
 * EZKL's own flow does not spend): EZKL proves with links to the build's compiled circuit and
 * proving key, which outlive the build directory's rename.
 */
interface EarlyProof {
  links: { compiled: string; pk: string };
  /** The input it proves, in EZKL's form (as written for EZKL). */
  input: string;
  /** The SRS it proves with. */
  srs: string;
  /** The optimiser's acceptance proof (acceptedProof): EZKL did not prove here. */
  accepted: boolean;
  /** EZKL's run: its proof, or its error; never rejects. */
  run: Promise<{ native: NativeProof } | { error: unknown }>;
  /** Each finished op's time (a failure before the witness is the input's). */
  ran: Record<string, number>;
  /** ms from the start of EZKL's run to its end. */
  elapsed(): Promise<number>;
  /** Once EZKL has ended: the links removed (when the prove no longer checks them). */
  settled(): Promise<void>;
  /** Its EZKL process stopped (the proof will not be used), then settled. */
  stop(): Promise<void>;
}

async function startEarlyProof(
  keys: BuiltKeys,
  input: string,
  work: string,
): Promise<EarlyProof | undefined> {
  // Its own input, witness and proof: a proof made again from the artifacts (when these are not
  // the files the artifacts hold) never shares a file with it.
  const own = join(work, 'early');
  // An input the circuit cannot hold is not proved here: the prove after compile says why.
  let ezklInput: string;
  try {
    const inputs = await loadInputs(input, keys.model.inputs, keys.model.graphInputs);
    const settings = JSON.parse(await readFile(keys.settings, 'utf8'));
    const names = keys.model.inputs.map((t) => t.name);
    requireInputsInRange(inputs.values, names, circuitInputBounds(settings));
    ezklInput = JSON.stringify(inputs.ezkl);
    await mkdir(own);
    await writeFile(join(own, 'input.json'), ezklInput);
  } catch {
    return undefined;
  }
  // Beside the build directory (one filesystem, for link), named so that a dead process's is
  // swept, and removed on SIGINT/SIGTERM (after EZKL is stopped): a link holds a key's GBs.
  let made: ReturnType<typeof createDirRemovedOnInterrupt>;
  try {
    made = createDirRemovedOnInterrupt(() => join(dirname(keys.dir), `.prove${tmpSuffix()}`));
  } catch {
    return undefined;
  }
  const links = { compiled: join(made.path, 'model.compiled'), pk: join(made.path, 'pk.key') };
  const remove = async () => {
    await rm(made.path, { recursive: true, force: true }).catch(() => undefined);
    made.dispose();
  };
  try {
    await link(keys.compiled, links.compiled);
    await link(keys.pk, links.pk);
  } catch {
    await remove();
    return undefined; // a filesystem without hard links: the proof waits for the artifacts
  }
  const ran: Record<string, number> = {};
  const started = performance.now();
  let ended = started;
  const files = { ...links, srs: keys.srs };
  const abort = new AbortController();
  // The optimiser proved this very input with these keys: its proof is not made a second time.
  const accepted = acceptedProof(keys, ezklInput);
  if (accepted) prepareVerifierEvm(); // what EZKL's start does below: the self-check's EVM
  const proving = accepted
    ? Promise.resolve(accepted)
    : witnessAndProof(files, join(own, 'input.json'), own, ran, prepareVerifierEvm, abort.signal);
  const run = proving
    .then(
      (native) => ({ native }),
      (error: unknown) => ({ error }),
    )
    .finally(() => {
      ended = performance.now();
    });
  // Only once the prove is done with them: removing a link changes the key's ctime (fileHash).
  const settled = () => run.then(remove);
  return {
    links,
    input: ezklInput,
    srs: keys.srs,
    accepted: accepted !== undefined,
    run,
    ran,
    elapsed: () => run.then(() => Math.round(ended - started)),
    settled,
    stop: () => {
      abort.abort();
      return settled();
    },
  };
}

/**
 * The optimiser's acceptance proof (BuiltKeys.acceptanceProof), when it is a proof of this very
 * input in EZKL's form (as this prove writes it for EZKL). What binds it to the artifacts is that
 * compile, in this process, copied the very keys and circuit it was made with into them (and only
 * when their SRS is the manifest's); like any early proof it is used only if the artifacts hold
 * the files compile built, and the self-check verifies it against the artifacts' verifier before
 * a bundle is written.
 */
export function acceptedProof(
  keys: Pick<BuiltKeys, 'acceptanceProof'>,
  ezklInput: string,
): NativeProof | undefined {
  const accepted = keys.acceptanceProof;
  if (!accepted || accepted.input !== ezklInput) return undefined;
  return { witness: accepted.witness as Witness, proof: accepted.proof as EzklProof, timings: {} };
}

/**
 * The early proof, if it was made of this prove's input (the input file read again says the same)
 * with the very files the artifacts hold (the links' hashes are the manifest's: compile hashed
 * those inodes) and its SRS, else undefined: it is stopped, and the proof is made again from the
 * artifacts. So it is when EZKL failed past the witness (it proved beside solc; killed for memory,
 * say): only a witness failure, the input's, is reported from it.
 */
async function earlyNative(
  early: EarlyProof,
  input: string,
  artifacts: CompileResult,
  step: Step,
  witnessFailed: WitnessFailed,
  timings: Record<string, number>,
): Promise<NativeProof | undefined> {
  const { files } = artifacts.manifest;
  const same = async () =>
    early.input === input &&
    early.srs === artifacts.manifest.srs.path &&
    (await sha256File(early.links.compiled)) === files['model.compiled'] &&
    (await sha256File(early.links.pk)) === files['pk.key'];
  if (!(await same().catch(() => false))) {
    await early.stop();
    return undefined;
  }
  const rows = `2^${artifacts.manifest.circuit.logrows} rows`;
  const result = await step(
    `Generating the witness and proving (native EZKL, ${rows}, ${
      early.accepted
        ? "the optimiser's acceptance proof of this input"
        : 'begun while the verifier compiled'
    })`,
    'witnessProve',
    () => early.run,
  );
  // The acceptance proof's time is compile's (its search): this prove timed no EZKL work.
  if (early.accepted) delete timings.witnessProve;
  else timings.witnessProve = await early.elapsed();
  if (!('error' in result)) return result.native;
  return early.ran.gen_witness === undefined ? witnessFailed(result.error) : undefined;
}
