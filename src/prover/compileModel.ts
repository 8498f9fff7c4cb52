import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { resolveConfig } from '../core/config.js';
import { PocomputeError } from '../core/errors.js';
import {
  buildDirAtomic,
  canonicalJson,
  sha256File,
  sha256Hex,
  writeJsonAtomic,
} from '../core/files.js';
import { homePaths } from '../core/paths.js';
import type { Reporter } from '../core/output.js';
import { isArtifactsDir, openArtifacts, type Artifacts } from './artifacts.js';
import {
  ARTIFACT_FILES,
  compileOptionsSchema,
  type ArtifactsManifest,
  type CompileOptions,
} from './artifactsManifest.js';
import { getPythonEngine } from './engine/pythonEngine.js';
import { EZKL_VERSION } from './engine/version.js';
import { loadInputs } from './inputs.js';
import { inspectModel } from './onnx/inspectModel.js';
import { buildCircuit } from './optimizer/optimizeCircuit.js';
import { resolveSrs, srsIdentity, verifierSrsFrom, type SrsSpec } from './srs.js';

export interface CompileModelParams {
  model: string;
  /** A sample input: validated against the model and used to calibrate the circuit. */
  input: string;
  options?: Partial<CompileOptions>;
  srs?: SrsSpec;
  artifactsRoot?: string;
  force?: boolean;
  reporter?: Reporter;
}

export interface CompileResult extends Artifacts {
  cached: boolean;
}

/**
 * ONNX model → EZKL circuit, SRS and keys, in a directory named by the content hash of the model
 * and the options, built atomically so that an interrupted compile leaves nothing a later run trusts.
 */
export async function compileModel(params: CompileModelParams): Promise<CompileResult> {
  const { reporter } = params;
  const config = await resolveConfig();
  const model = await inspectModel(params.model);
  await loadInputs(params.input, model.inputs); // wrong shapes fail here, before any EZKL work
  const options = compileOptionsSchema.parse(params.options ?? {});
  const srsSpec = params.srs ?? config.srs;
  const key = sha256Hex(
    canonicalJson({
      model: model.sha256,
      options,
      srs: await srsIdentity(srsSpec),
      ezkl: EZKL_VERSION,
    }),
  ).slice(0, 16);
  const root = resolve(params.artifactsRoot ?? config.artifactsDir ?? homePaths.artifacts());
  const dir = join(root, `${artifactsName(params.model)}-${key}`);

  if (!params.force && isArtifactsDir(dir)) {
    try {
      return { ...(await openArtifacts(dir)), cached: true };
    } catch (error) {
      reporter?.warn(`Rebuilding ${dir}: ${(error as Error).message}`);
    }
  }

  const engine = await getPythonEngine(reporter);
  const step = <T>(label: string, key: string, work: () => Promise<T>) =>
    reporter ? reporter.step(label, work, key) : work();
  const manifest = await buildDirAtomic(dir, async (tmp) => {
    const at = (file: string) => join(tmp, file);
    await copyFile(params.model, at('model.onnx'));
    await copyFile(params.input, at('calibration.json'));
    const timings: Record<string, number> = {};
    const timed = async <T>(name: string, work: () => Promise<T>) => {
      const started = performance.now();
      const result = await work();
      timings[name] = Math.round(performance.now() - started);
      return result;
    };
    // Settings → compiled circuit: EZKL's preset, --settings, or the optimiser's search.
    const choice = await timed('compile', () =>
      buildCircuit({
        engine,
        model,
        modelPath: at('model.onnx'),
        calibrationPath: at('calibration.json'),
        settingsPath: at('settings.json'),
        compiledPath: at('model.compiled'),
        options,
        reporter,
      }),
    );
    const settings = JSON.parse(await readFile(at('settings.json'), 'utf8'));
    const logrows: number = settings.run_args.logrows;
    const srs = await resolveSrs(srsSpec, logrows, reporter);
    await step(`Setting up proving and verifying keys (2^${logrows} rows)`, 'setup', () =>
      timed('setup', () =>
        engine.run([
          {
            op: 'setup',
            args: {
              compiled: at('model.compiled'),
              vk: at('vk.key'),
              pk: at('pk.key'),
              srs: srs.path,
            },
          },
        ]),
      ),
    );
    const verifierSrs = await verifierSrsFrom(srs.path);
    await writeFile(at('verifier.srs'), verifierSrs);
    const files: Record<string, string> = {};
    for (const file of ARTIFACT_FILES) files[file] = await sha256File(at(file));
    const manifest: ArtifactsManifest = {
      format: 'pocompute-artifacts@1',
      key,
      createdAt: new Date().toISOString(),
      ezklVersion: EZKL_VERSION,
      model: {
        name: basename(params.model),
        sha256: model.sha256,
        inputs: model.inputs,
        outputs: model.outputs,
        ops: model.ops,
      },
      options,
      circuit: {
        logrows,
        numRows: settings.num_rows,
        inputScales: settings.model_input_scales,
        outputScales: settings.model_output_scales,
        instanceShapes: settings.model_instance_shapes,
        choice,
      },
      srs: {
        origin: srs.origin,
        path: srs.path,
        sha256: srs.sha256,
        verifierSha256: sha256Hex(verifierSrs),
      },
      files,
      timings,
    };
    await writeJsonAtomic(at('manifest.json'), manifest); // written last: its presence marks a complete build
    return manifest;
  });
  if (manifest.srs.origin === 'insecure-dev')
    reporter?.warn('Keys were set up with an insecure-dev SRS (local use only).');
  return { dir, manifest, path: (file) => join(dir, file), cached: false };
}

/** A readable directory name: the model's file name, or its folder's when the file is just model.onnx. */
function artifactsName(modelPath: string): string {
  const name = basename(modelPath).replace(/\.onnx$/i, '');
  return (name === 'model' ? basename(dirname(resolve(modelPath))) : name).replace(
    /[^A-Za-z0-9_.-]/g,
    '_',
  );
}

/** Accepts either a model (compiled if needed) or an artifacts directory. */
export async function artifactsFor(
  target: string,
  params: Omit<CompileModelParams, 'model'>,
): Promise<CompileResult> {
  if (isArtifactsDir(target)) return { ...(await openArtifacts(target)), cached: true };
  if (
    !target.toLowerCase().endsWith('.onnx') &&
    !(await readFile(target).then(
      () => true,
      () => false,
    ))
  ) {
    throw new PocomputeError('FILE_NOT_FOUND', `not a model or an artifacts directory: ${target}`);
  }
  return compileModel({ ...params, model: target });
}
