import { availableParallelism } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { PocomputeError } from '../../core/errors.js';
import { requireWritableFilePath, writeJsonAtomic } from '../../core/files.js';
import type { Reporter } from '../../core/output.js';
import { pocomputeHome } from '../../core/paths.js';
import { isArtifactsDir } from '../../proof/artifacts.js';
import { BUNDLE_FORMAT, type ProofBundle } from '../../proof/bundle.js';
import { bundleKeyMaterial } from '../../proof/bundleKeyMaterial.js';
import { bundlePublicTensors } from '../../proof/circuitLayout.js';
import { compareToFloat, floatReference } from '../floatReference.js';
import { inspectModel } from '../../proof/inspectModel.js';
import { loadInputs } from '../inputs.js';
import type { SrsSpec } from '../../engine/srs.js';
import { checkStagedBundle } from '../../proof/checkStagedBundle.js';
import { prepareVerifierEvm } from '../../proof/evm.js';
import { compileStages } from './compileStages.js';
import type { StagedArtifacts } from '../../proof/stagedArtifacts.js';
import { proveStage } from './proveStage.js';
import { COST_PROXY, splitModel } from './splitModel.js';
import {
  parseStagedBundle,
  STAGED_BUNDLE_FORMAT,
  type StagedBundle,
} from '../../proof/stagedBundle.js';
import { isStagedModelDir, readStagedModel, type StagedModel } from '../../proof/stagedModel.js';
import { witnessStages } from './witnessStages.js';

export interface ProveStagedParams {
  /** A split directory, or an ONNX model to split first (then `stages` is needed). */
  target: string;
  stages?: number | 'auto';
  input: string;
  out: string;
  /** Stage proofs at once, each in its own EZKL process (default: min(stages, cores)). */
  jobs?: number;
  srs?: SrsSpec;
  artifactsRoot?: string;
  reporter?: Reporter;
}

export interface ProveStagedResult {
  bundlePath: string;
  bundle: StagedBundle;
  staged: StagedModel;
  artifacts: StagedArtifacts;
}

/**
 * Proves a model in stages: splits it if given a model, compiles each stage, runs the witnesses in
 * order (each stage needs the previous output), proves the stages in parallel processes, checks
 * the whole staged bundle as `verify` would against the compiled stages, and writes it.
 */
export async function proveStaged(params: ProveStagedParams): Promise<ProveStagedResult> {
  const { reporter } = params;
  await requireWritableFilePath(params.out, '--out');
  const staged = await stagedModelFor(params);
  const count = staged.manifest.stages.length;
  const jobs = params.jobs ?? Math.max(1, Math.min(count, availableParallelism()));
  if (!Number.isInteger(jobs) || jobs < 1)
    throw new PocomputeError('OPTION_INVALID', `--jobs must be a whole number ≥ 1, got ${jobs}`);
  const timings: Record<string, number> = {};
  const step = async <T>(label: string, key: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = reporter ? await reporter.step(label, work, key) : await work();
    timings[key] = Math.round(performance.now() - started);
    return result;
  };
  const artifacts = await compileStages({
    staged,
    input: params.input,
    srs: params.srs,
    artifactsRoot: params.artifactsRoot,
    reporter,
  });
  const witness = await step(`Generating ${count} stage witnesses (in order)`, 'witness', () =>
    witnessStages(artifacts, params.input, artifacts.sampleWitnesses),
  );
  // The float model (a report; it never rejects) and the self-check's EVM (its module, the BN254
  // WebAssembly) are made while EZKL proves, as in proveInference.
  const model = await inspectModel(staged.sourcePath);
  const inputs = await loadInputs(params.input, model.inputs, model.graphInputs);
  const floatRun = floatReference(model, inputs.values);
  prepareVerifierEvm();
  const proofs = await step(
    `Proving ${count} stage(s), ${jobs} at a time (native EZKL, one process each)`,
    'prove',
    () =>
      runLimited(count, jobs, async (k) => {
        const started = performance.now();
        const proof = await proveStage(artifacts, k, {
          input: witness.stageInputs[k],
          witness: witness.witnesses[k],
        });
        return { ...proof, ms: Math.round(performance.now() - started) };
      }),
  );
  const stages: ProofBundle[] = [];
  for (const [k, stageArtifacts] of artifacts.stages.entries()) {
    const keyMaterial = await bundleKeyMaterial(stageArtifacts);
    const claimed = bundlePublicTensors(
      proofs[k].proof,
      keyMaterial.settings,
      stageArtifacts.manifest,
    );
    if (!claimed)
      throw new PocomputeError(
        'SELF_CHECK_FAILED',
        `stage ${k}'s proof has instances its circuit's settings do not lay out`,
      );
    stages.push({
      format: BUNDLE_FORMAT,
      kind: 'inference',
      createdAt: new Date().toISOString(),
      ...keyMaterial,
      proof: proofs[k].proof,
      public: claimed,
      floatReference: {
        outputs: [],
        unavailable: 'a stage of a staged proof: the float reference is the whole model’s',
      },
      quantization: [],
      timings: { prove: proofs[k].ms },
    });
  }
  const float = await floatRun;
  const last = artifacts.stages[count - 1].manifest.model.outputs;
  const bundle: StagedBundle = {
    format: STAGED_BUNDLE_FORMAT,
    kind: 'staged-inference',
    createdAt: new Date().toISOString(),
    source: staged.manifest.source,
    stages,
    boundaries: witness.boundaries,
    public: { inputs: stages[0].public.inputs, outputs: stages[count - 1].public.outputs },
    ...compareToFloat(
      last.map((o) => o.name),
      witness.outputs,
      float,
    ),
    jobs,
    timings,
  };
  const check = await step(
    'Checking the staged proof (every stage verifier and link)',
    'selfVerify',
    () => checkStagedBundle(parseStagedBundle(bundle), artifacts),
  );
  if (!check.valid)
    throw new PocomputeError(
      'SELF_CHECK_FAILED',
      `the staged proof just made does not verify: ${check.checks
        .filter((c) => !c.ok)
        .map((c) => `${c.name}: ${c.detail}`)
        .join('; ')}; no bundle was written`,
    );
  bundle.timings.selfVerify = timings.selfVerify;
  await writeJsonAtomic(params.out, bundle);
  return { bundlePath: params.out, bundle, staged, artifacts };
}

/** A split directory as given, or the model split into `<home>/splits/<name>-<sha>-<stages>`. */
async function stagedModelFor(params: ProveStagedParams): Promise<StagedModel> {
  if (isStagedModelDir(params.target)) {
    if (params.stages !== undefined)
      throw new PocomputeError(
        'USAGE',
        `${params.target} is already split: drop --stages (or split the model again)`,
      );
    return readStagedModel(params.target);
  }
  if (isArtifactsDir(params.target))
    throw new PocomputeError(
      'USAGE',
      'prove --stages takes an ONNX model or a split directory, not an artifacts directory',
    );
  if (params.stages === undefined)
    throw new PocomputeError('USAGE', 'a staged proof of a model needs --stages N|auto');
  const model = await inspectModel(params.target);
  const name = basename(params.target)
    .replace(/\.onnx$/i, '')
    .replace(/\W/g, '_');
  const out = join(
    resolve(pocomputeHome()),
    'splits',
    `${name}-${model.sha256.slice(0, 16)}-${params.stages}`,
  );
  if (isStagedModelDir(out)) {
    const existing = await readStagedModel(out).catch(() => undefined);
    // A split made by another version of the cut search or cost proxy is made again.
    if (
      existing?.manifest.source.sha256 === model.sha256 &&
      existing.manifest.costProxy === COST_PROXY
    )
      return existing;
  }
  return splitModel({ model: params.target, stages: params.stages, out });
}

/** Runs task(0..count-1) with at most `limit` at once; results in order. */
async function runLimited<T>(
  count: number,
  limit: number,
  task: (index: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return results;
}
