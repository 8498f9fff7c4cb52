import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PocomputeError } from '../core/errors.js';
import { requireWritableFilePath, writeJsonAtomic } from '../core/files.js';
import type { Reporter } from '../core/output.js';
import { makeWorkDir } from '../core/tempDirs.js';
import { checkArtifactSrs, readArtifactFile } from '../proof/artifacts.js';
import type { CompileOptions } from '../proof/artifactsManifest.js';
import { BUNDLE_FORMAT, type ProofBundle } from '../proof/bundle.js';
import { bundleKeyMaterial } from '../proof/bundleKeyMaterial.js';
import { artifactsFor } from './compileModel.js';
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
  const artifacts = await artifactsFor(params.target, {
    input: params.input,
    options: params.options,
    srs: params.srs,
    artifactsRoot: params.artifactsRoot,
    // The proving key (100+ MB on real models) is hashed while EZKL proves with it (below).
    deferProvingKeyCheck: true,
    // A first prove calibrates on this input: the optimiser's float reference is this prove's.
    floatReference: floatRunner.run,
    reporter,
  });
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

  // Holds the input and the witness: removed on every exit path, SIGINT/SIGTERM included.
  const workDir = await makeWorkDir('pocompute-prove');
  const work = workDir.path;
  try {
    const inputPath = join(work, 'input.json');
    await writeFile(inputPath, JSON.stringify(inputs.ezkl));
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
    const native = await proveNative(
      artifacts,
      inputPath,
      work,
      step,
      witnessFailed,
      started,
    ).catch(async (error) => {
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
  } finally {
    await workDir.remove();
  }
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
): Promise<{ witness: Witness; proof: EzklProof; timings: Record<string, number> }> {
  const engine = await getPythonEngine();
  // EZKL's Python reads by path: the compiled circuit was hashed by openArtifacts, and an
  // artifacts directory is never modified or replaced once complete; the pk and the SRS are
  // hashed while EZKL proves (the caller awaits their checks).
  const witnessPath = join(work, 'witness.json');
  const proofPath = join(work, 'proof.json');
  const compiled = artifacts.path('model.compiled');
  // Witness and proof in one Python process, as EZKL's own flow does: one start-up and one
  // import of ezkl, not two. Each op is still timed on its own.
  const ran: Record<string, number> = {};
  const rows = `2^${artifacts.manifest.circuit.logrows} rows`;
  await step(`Generating the witness and proving (native EZKL, ${rows})`, 'witnessProve', () =>
    engine
      .run(
        [
          { op: 'gen_witness', args: { data: inputPath, compiled, witness: witnessPath } },
          {
            op: 'prove',
            args: {
              witness: witnessPath,
              compiled,
              pk: artifacts.path('pk.key'),
              proof: proofPath,
              srs: artifacts.manifest.srs.path,
            },
          },
        ],
        { timings: ran, onStarted },
      )
      // The witness is the input's: a failure there names the input; past it, EZKL's own error.
      .catch((error) =>
        ran.gen_witness === undefined ? witnessFailed(error) : Promise.reject(error),
      ),
  );
  return {
    witness: JSON.parse(await readFile(witnessPath, 'utf8')),
    proof: JSON.parse(await readFile(proofPath, 'utf8')),
    timings: { witness: ran.gen_witness, prove: ran.prove },
  };
}
