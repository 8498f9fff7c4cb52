import { OPTIMIZER_REVISION } from '../optimizer/optimizeCircuit.js';
import { existsSync } from 'node:fs';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { resolveConfig } from '../../core/config.js';
import { PocomputeError } from '../../core/errors.js';
import { canonicalJson, readJsonFile, sha256Hex, writeJsonAtomic } from '../../core/files.js';
import type { Reporter } from '../../core/output.js';
import { homePaths } from '../../core/paths.js';
import { makeWorkDir, tmpSuffix } from '../../core/tempDirs.js';
import { parseOptions } from '../../core/options.js';
import { compileOptionsSchema } from '../../proof/artifactsManifest.js';
import { compileModel } from '../compileModel.js';
import type { CompileResult } from '../../proof/artifacts.js';
import { getPythonEngine } from '../../engine/pythonEngine.js';
import { EZKL_VERSION } from '../../proof/engineVersion.js';
import { loadInputs } from '../inputs.js';
import { inspectModel } from '../../proof/inspectModel.js';
import { runArgsSchema } from '../../proof/circuitChoice.js';
import { buildCircuit } from '../optimizer/optimizeCircuit.js';
import { srsIdentity, type SrsSpec } from '../../engine/srs.js';
import {
  STAGED_ARTIFACTS_FILE,
  STAGED_ARTIFACTS_FORMAT,
  type StagedArtifacts,
  type StagedArtifactsRecord,
} from '../../proof/stagedArtifacts.js';
import { readStagedModel, type StagedModel } from '../../proof/stagedModel.js';
import { stageInstanceLayout } from '../../proof/stageInstanceLayout.js';
import { type KnownStageWitness, type StageInput, witnessStage } from './witnessStages.js';

export interface CompileStagesParams {
  staged: StagedModel | string;
  /** A sample input of the whole model: calibrates stage 0, and (through it) the others. */
  input: string;
  srs?: SrsSpec;
  artifactsRoot?: string;
  reporter?: Reporter;
}

/** Compiled stages, and the stage witnesses compiling them made on the sample input. */
export interface CompiledStages extends StagedArtifacts {
  /**
   * Stages 0..N−2 on `input` (each one's output calibrates the next stage): the same witnesses
   * `witnessStages` makes for that input, which it then reuses instead of running them again.
   */
  sampleWitnesses: KnownStageWitness[];
}

/**
 * Compiles every stage of a split model into its own circuit, cached and content-addressed like
 * any compile. Every stage gets the whole model's circuit choice (the optimiser's run args on the
 * source model: scales, decomposition, columns), so the stages compute what the whole circuit
 * computes; stage i+1's input scale is stage i's output scale, and its calibration sample is
 * stage i's witness output. Visibilities follow stageInstanceLayout; params are fixed.
 */
export async function compileStages(params: CompileStagesParams): Promise<CompiledStages> {
  const { reporter } = params;
  const staged =
    typeof params.staged === 'string' ? await readStagedModel(params.staged) : params.staged;
  const config = await resolveConfig();
  const root = resolve(params.artifactsRoot ?? config.artifactsDir ?? homePaths.artifacts());
  await mkdir(root, { recursive: true });
  const runArgs = await sourceRunArgs(staged, params.input, root, params.srs, reporter);
  const count = staged.manifest.stages.length;
  const work = await makeWorkDir('pocompute-prove');
  const stages: CompileResult[] = [];
  const sampleWitnesses: KnownStageWitness[] = [];
  try {
    let input: string = params.input;
    let inputScale = runArgs.input_scale;
    for (let i = 0; i < count; i++) {
      const layout = stageInstanceLayout(i, count, { inputElements: 0, outputElements: 0 });
      const { logrows: _logrows, ...shape } = runArgs;
      const artifacts = await compileModel({
        model: staged.stagePath(i),
        input,
        options: {
          inputVisibility: layout.inputVisibility,
          outputVisibility: layout.outputVisibility,
          settings: { run_args: { ...shape, input_scale: inputScale } },
        },
        srs: params.srs,
        artifactsRoot: root,
        anyCalibration: true,
        reporter,
      });
      stages.push(artifacts);
      if (artifacts.manifest.circuit.inputScales.some((s) => s !== inputScale))
        throw new PocomputeError(
          'STAGE_LINK_MISMATCH',
          `stage ${i} compiled with input scale ${artifacts.manifest.circuit.inputScales}, ` +
            `stage ${i - 1}'s output scale is ${inputScale}`,
        );
      if (i === count - 1) break;
      const sample: StageInput =
        i === 0
          ? (await loadInputs(input, artifacts.manifest.model.inputs)).ezkl
          : (JSON.parse(await readFile(input, 'utf8')) as StageInput);
      const result = await witnessStage(artifacts, sample, i, count);
      sampleWitnesses.push({ index: i, input: sample, result });
      const { outputs } = result;
      input = join(work.path, `stage-${i + 1}-input.json`);
      await writeFile(input, JSON.stringify({ input_data: outputs }));
      inputScale = artifacts.manifest.circuit.outputScales[0];
    }
  } finally {
    await work.remove();
  }
  const key = sha256Hex(canonicalJson(stages.map((s) => s.manifest.key))).slice(0, 16);
  const name = basename(staged.manifest.source.name)
    .replace(/\.onnx$/i, '')
    .replace(/\W/g, '_');
  const dir = join(root, `${name === 'model' ? basename(staged.dir) : name}-staged-${key}`);
  const record: StagedArtifactsRecord = {
    format: STAGED_ARTIFACTS_FORMAT,
    source: staged.manifest.source,
    runArgs,
    stages: stages.map((s, index) => ({
      index,
      modelSha256: s.manifest.model.sha256,
      artifacts: relative(dir, s.dir),
    })),
  };
  if (!existsSync(join(dir, STAGED_ARTIFACTS_FILE))) {
    await mkdir(dir, { recursive: true });
    await writeJsonAtomic(join(dir, STAGED_ARTIFACTS_FILE), record);
  }
  return { dir, source: staged.manifest.source, stages, runArgs, sampleWitnesses };
}

const runArgsRecordSchema = z.object({ runArgs: runArgsSchema, calibrationSha256: z.string() });

/**
 * The whole model's circuit choice (the optimiser on the source model, as `compile` makes it),
 * decided once per source model, SRS and EZKL version and kept in the artifacts root: proving a
 * split model on new inputs never changes its stages' keys.
 */
async function sourceRunArgs(
  staged: StagedModel,
  input: string,
  root: string,
  srs: SrsSpec | undefined,
  reporter?: Reporter,
): Promise<z.infer<typeof runArgsSchema>> {
  const config = await resolveConfig();
  const options = parseOptions(compileOptionsSchema, {});
  const key = sha256Hex(
    canonicalJson({
      model: staged.manifest.source.sha256,
      options,
      srs: await srsIdentity(srs ?? config.srs),
      ezkl: EZKL_VERSION,
      optimizer: OPTIMIZER_REVISION,
    }),
  ).slice(0, 16);
  const path = join(root, `staged-circuit-${key}.json`);
  if (existsSync(path)) {
    const parsed = runArgsRecordSchema.safeParse(
      await readJsonFile(path, 'staged circuit choice', 'ARTIFACTS_INVALID'),
    );
    if (parsed.success) return parsed.data.runArgs;
  }
  const model = await inspectModel(staged.sourcePath);
  const sample = await loadInputs(input, model.inputs, model.graphInputs);
  const engine = await getPythonEngine(reporter);
  const work = await makeWorkDir('pocompute-prove');
  try {
    const at = (file: string) => join(work.path, file);
    await writeFile(at('calibration.json'), JSON.stringify(sample.ezkl));
    const { choice } = await buildCircuit({
      engine,
      model,
      modelPath: staged.sourcePath,
      calibrationPath: at('calibration.json'),
      settingsPath: at('settings.json'),
      compiledPath: at('model.compiled'),
      options,
      srs: srs ?? config.srs,
      reporter,
    });
    // First decision wins (link fails rather than replace): two processes deciding at once end
    // up compiling the stages with the same run args.
    // Beside the record (same filesystem, for link), named so that a dead process's is swept.
    const mine = `${path}${tmpSuffix()}`;
    await writeFile(
      mine,
      JSON.stringify({
        runArgs: choice.runArgs,
        calibrationSha256: sha256Hex(canonicalJson(sample.ezkl)),
      }),
    );
    const won = await link(mine, path)
      .then(
        () => true,
        (error: NodeJS.ErrnoException) => {
          if (error.code !== 'EEXIST') throw error;
          return false;
        },
      )
      .finally(() => rm(mine, { force: true }));
    if (won) return choice.runArgs;
    const kept = runArgsRecordSchema.safeParse(
      await readJsonFile(path, 'staged circuit choice', 'ARTIFACTS_INVALID'),
    );
    if (!kept.success)
      throw new PocomputeError('ARTIFACTS_INVALID', `${path} is not a staged circuit choice`);
    return kept.data.runArgs;
  } finally {
    await work.remove();
  }
}
