import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../core/config.js';
import { PocomputeError } from '../core/errors.js';
import { writeJsonAtomic } from '../core/files.js';
import type { Reporter } from '../core/output.js';
import type { CompileOptions } from './artifactsManifest.js';
import type { ProofBundle } from './bundle.js';
import { bundleKeyMaterial } from './bundleKeyMaterial.js';
import { artifactsFor, type CompileResult } from './compileModel.js';
import { getPythonEngine } from './engine/pythonEngine.js';
import { clamped, wasmEngine } from './engine/wasmEngine.js';
import { dequantize } from './felts.js';
import { compareToFloat, floatReference } from './floatReference.js';
import { loadInputs } from './inputs.js';
import { inspectModel } from './onnx/inspectModel.js';
import { publicValuesFromInstances } from './publicValues.js';

export type ProvingEngine = 'native' | 'wasm';

export interface ProveInferenceParams {
  /** An ONNX model (compiled if needed) or an artifacts directory. */
  target: string;
  input: string;
  out: string;
  engine?: ProvingEngine;
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
  const { reporter } = params;
  const engine = params.engine ?? (await resolveConfig()).engine;
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
    reporter,
  });
  const { manifest } = artifacts;
  const model = await inspectModel(artifacts.path('model.onnx'));
  const inputs = await loadInputs(params.input, model.inputs, model.graphInputs);
  if (inputs.ignored.length)
    reporter?.warn(
      `Ignoring the input file's tensors for ${inputs.ignored.join(', ')}: ` +
        'initializers back them (as in EZKL)',
    );
  const float = await step('Running the float model (onnxruntime)', 'float', () =>
    floatReference(model, inputs.values),
  );
  if ('unavailable' in float) reporter?.warn(float.unavailable);

  const work = await mkdtemp(join(tmpdir(), 'pocompute-prove-'));
  try {
    const inputPath = join(work, 'input.json');
    await writeFile(inputPath, JSON.stringify(inputs.ezkl));
    const { witness, proof } =
      engine === 'native'
        ? await proveNative(artifacts, inputPath, work, step)
        : await proveWasm(artifacts, inputs.ezkl, step);

    const claimed = publicValuesFromInstances(proof.instances[0] ?? [], {
      inputs: manifest.model.inputs,
      outputs: manifest.model.outputs,
      inputScales: manifest.circuit.inputScales,
      outputScales: manifest.circuit.outputScales,
      options: manifest.options,
    });
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
      format: 'pocompute-proof@1',
      kind: 'inference',
      createdAt: new Date().toISOString(),
      engine,
      ...(await bundleKeyMaterial(artifacts)),
      proof,
      public: claimed,
      ...reference,
      timings: artifacts.cached ? timings : { ...artifacts.manifest.timings, ...timings },
      inputTypes: model.inputs.map((t, i) => ({ name: t.name, dtype: inputs.dtypes[i] })),
    };
    await writeJsonAtomic(params.out, bundle);
    const floatOutputs = 'outputs' in float ? float.outputs : [];
    return { bundlePath: params.out, bundle, artifacts, outputs, floatOutputs };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

type Step = <T>(label: string, key: string, work: () => Promise<T>) => Promise<T>;
type EzklProof = ProofBundle['proof'];
type Witness = { outputs: string[][] };

async function proveNative(
  artifacts: CompileResult,
  inputPath: string,
  work: string,
  step: Step,
): Promise<{ witness: Witness; proof: EzklProof }> {
  const engine = await getPythonEngine();
  const witnessPath = join(work, 'witness.json');
  const proofPath = join(work, 'proof.json');
  await step('Generating the witness (native)', 'witness', () =>
    engine.run([
      {
        op: 'gen_witness',
        args: { data: inputPath, compiled: artifacts.path('model.compiled'), witness: witnessPath },
      },
    ]),
  );
  await step(`Proving (native EZKL, 2^${artifacts.manifest.circuit.logrows} rows)`, 'prove', () =>
    engine.run([
      {
        op: 'prove',
        args: {
          witness: witnessPath,
          compiled: artifacts.path('model.compiled'),
          pk: artifacts.path('pk.key'),
          proof: proofPath,
          srs: artifacts.manifest.srs.path,
        },
      },
    ]),
  );
  return {
    witness: JSON.parse(await readFile(witnessPath, 'utf8')),
    proof: JSON.parse(await readFile(proofPath, 'utf8')),
  };
}

async function proveWasm(
  artifacts: CompileResult,
  input: unknown,
  step: Step,
): Promise<{ witness: Witness; proof: EzklProof }> {
  const ezkl = wasmEngine();
  const compiled = clamped(await readFile(artifacts.path('model.compiled')));
  const witnessBytes = await step('Generating the witness (WASM)', 'witness', async () =>
    wrapWasm('genWitness', () => ezkl.genWitness(compiled, clamped(JSON.stringify(input)))),
  );
  const proofBytes = await step(
    `Proving (WASM EZKL, 2^${artifacts.manifest.circuit.logrows} rows)`,
    'prove',
    async () => {
      const [pk, srs] = await Promise.all([
        readFile(artifacts.path('pk.key')),
        readFile(artifacts.manifest.srs.path),
      ]);
      return wrapWasm('prove', () =>
        ezkl.prove(clamped(witnessBytes), clamped(pk), compiled, clamped(srs)),
      );
    },
  );
  const decode = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes));
  return { witness: decode(witnessBytes), proof: decode(proofBytes) };
}

function wrapWasm<T>(what: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw new PocomputeError(
      'ENGINE_FAILED',
      `EZKL (WASM) ${what} failed: ${String((error as Error)?.message ?? error)}`,
      { cause: error },
    );
  }
}
