import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { markCacheUse } from '../cache/cacheEntries.js';
import { parseOptions } from '../core/options.js';
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
import { sweepStaleTemps } from '../core/tempDirs.js';
import type { Reporter } from '../core/output.js';
import {
  type CompileResult,
  isArtifactsDir,
  type OpenArtifactsOptions,
  openArtifacts,
} from '../proof/artifacts.js';
import {
  ARTIFACT_FILES,
  compileOptionsSchema,
  type ArtifactsManifest,
  type CompileOptions,
} from '../proof/artifactsManifest.js';
import { getPythonEngine } from '../engine/pythonEngine.js';
import { EZKL_VERSION } from '../proof/engineVersion.js';
import { calibrationInputBounds, requireInputsInRange } from './inputRange.js';
import { loadInputs } from './inputs.js';
import { inspectModel, type ModelInfo } from '../proof/inspectModel.js';
import {
  type AcceptanceProof,
  buildCircuit,
  OPTIMIZER_REVISION,
} from './optimizer/optimizeCircuit.js';
import { resolveSrs, srsIdentity, type SrsSpec } from '../engine/srs.js';
import { buildEvmVerifier } from '../engine/emitEvmVerifier.js';
import { VERIFIER_FILE } from '../proof/verifierRecord.js';
import type { FloatReferenceSource } from './floatReference.js';

export interface CompileModelParams {
  model: string;
  /** A sample input: validated against the model and used to calibrate the circuit. */
  input: string;
  options?: Partial<CompileOptions>;
  srs?: SrsSpec;
  artifactsRoot?: string;
  force?: boolean;
  /**
   * Use artifacts compiled for the same model, options and SRS on another calibration sample
   * rather than compiling for this one (what `prove` wants: one key per model, not per input).
   */
  anyCalibration?: boolean;
  /**
   * Found artifacts have their proving key checked in the background (`deferredCheck`), for a
   * caller that proves meanwhile and awaits the check before trusting the proof (prove).
   */
  deferProvingKeyCheck?: boolean;
  /** What computes the optimiser's float reference (BuildCircuitParams.floatReference). */
  floatReference?: FloatReferenceSource;
  /**
   * Called (and awaited) once the circuit's keys are set up, before the verifier is built (1–2 s
   * of solc, which EZKL's own flow does not do): prove starts its proof here, so that EZKL proves
   * while solc compiles. The files are in the build directory, which is renamed when the build
   * completes: a caller links the files it goes on reading (BuiltKeys.dir's parent is on the
   * same filesystem).
   */
  onKeys?: (keys: BuiltKeys) => Promise<void>;
  reporter?: Reporter;
}

/** A circuit's files as compile made them, before its verifier is built (onKeys). */
export interface BuiltKeys {
  /** The build directory. */
  dir: string;
  model: ModelInfo;
  settings: string;
  compiled: string;
  pk: string;
  srs: string;
  /** The optimiser's acceptance proof, made with these very keys (BuiltCircuit.acceptanceProof). */
  acceptanceProof?: AcceptanceProof;
}

/**
 * ONNX model → EZKL circuit, SRS and keys, in a directory named by the content hash of everything
 * that changes the circuit — the model, the options, the SRS, the EZKL version and the calibration
 * sample — built atomically so that an interrupted compile leaves nothing a later run trusts.
 * Builds of one model, options and SRS take turns on one lock (`<root>/<name>-<circuit key>.lock`).
 */
export async function compileModel(params: CompileModelParams): Promise<CompileResult> {
  const { reporter } = params;
  // Options first: a refused option (hashed params) is a usage error before any file is read.
  const options = parseOptions(compileOptionsSchema, params.options ?? {});
  const config = await resolveConfig();
  const model = await inspectModel(params.model);
  // Wrong shapes fail here, before any EZKL work.
  const sample = await loadInputs(params.input, model.inputs, model.graphInputs);
  const srsSpec = params.srs ?? config.srs;
  // Everything but the sample that changes settings.json, the circuit or the keys belongs in this
  // hash (a new compile option or a settings search: add it to `options`).
  const circuitKey = sha256Hex(
    canonicalJson({
      model: model.sha256,
      options,
      srs: await srsIdentity(srsSpec),
      ezkl: EZKL_VERSION,
      optimizer: OPTIMIZER_REVISION,
    }),
  );
  const calibrationSha256 = sha256Hex(canonicalJson(sample.ezkl));
  const key = sha256Hex(canonicalJson({ circuitKey, calibrationSha256 })).slice(0, 16);
  const root = resolve(params.artifactsRoot ?? config.artifactsDir ?? homePaths.artifacts());
  await sweepStaleTemps([root, homePaths.srs(), join(homePaths.cache(), 'sha256')]);
  const name = artifactsName(params.model);
  // Content-addressed: the same model under another file name or folder finds the same artifacts.
  const dir = (await dirWithKey(root, key)) ?? join(root, `${name}-${key}`);

  const opening = params.deferProvingKeyCheck ? { defer: ['pk.key'] as const } : {};
  const valid = (at: string): Promise<CompileResult | undefined> =>
    isArtifactsDir(at)
      ? openArtifacts(at, opening).then(
          (artifacts) => ({ ...artifacts, cached: true }),
          () => undefined,
        )
      : Promise.resolve(undefined);
  const sibling = () =>
    params.anyCalibration
      ? calibratedSibling(root, circuitKey, opening)
      : Promise.resolve(undefined);
  if (!params.force) {
    // Complete directories are immutable: reading one needs no lock.
    const found = (await valid(dir)) ?? (await sibling());
    if (found) return { ...(await markCacheUse(found)), model };
    if (isArtifactsDir(dir)) reporter?.warn(`Rebuilding ${dir}: it does not match its manifest`);
  }

  // Compiling on this sample: one no calibration can hold is the input's fault (exit 2), found
  // before EZKL runs. (Artifacts found above have their own bounds, which prove checks.)
  requireInputsInRange(
    sample.values,
    model.inputs.map((t) => t.name),
    calibrationInputBounds(options, sample.dtypes),
  );
  const engine = await getPythonEngine(reporter);
  const step = <T>(label: string, key: string, work: () => Promise<T>) =>
    reporter ? reporter.step(label, work, key) : work();
  const build = async (tmp: string): Promise<CompileResult> => {
    const at = (file: string) => join(tmp, file);
    await copyFile(params.model, at('model.onnx'));
    // EZKL's own input format (flat tensors, JSON booleans for bool inputs), whatever form was given.
    await writeFile(at('calibration.json'), JSON.stringify(sample.ezkl));
    const timings: Record<string, number> = {};
    const timed = async <T>(name: string, work: () => Promise<T>) => {
      const started = performance.now();
      const result = await work();
      timings[name] = Math.round(performance.now() - started);
      return result;
    };
    // Settings → compiled circuit: EZKL's preset, --settings, or the optimiser's search.
    const { choice, keysSrs, acceptanceProof } = await timed('compile', () =>
      buildCircuit({
        engine,
        model,
        modelPath: at('model.onnx'),
        calibrationPath: at('calibration.json'),
        settingsPath: at('settings.json'),
        compiledPath: at('model.compiled'),
        options,
        srs: srsSpec,
        keys: { vk: at('vk.key'), pk: at('pk.key') },
        floatReference: params.floatReference,
        reporter,
      }),
    );
    const settings = JSON.parse(await readFile(at('settings.json'), 'utf8'));
    const logrows: number = settings.run_args.logrows;
    const srs = await resolveSrs(srsSpec, logrows, reporter);
    // The optimiser's accepted circuit was set up (and proved) with this SRS already: its keys stay.
    const keysKept = keysSrs?.path === srs.path && keysSrs.sha256 === srs.sha256;
    if (keysKept) {
      reporter?.info(`Keys (2^${logrows} rows): the ones the optimiser's acceptance proof used`);
    } else {
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
    }
    // Before the files are hashed: a caller's links change the keys' ctime (their link count).
    await params.onKeys?.({
      dir: tmp,
      model,
      settings: at('settings.json'),
      compiled: at('model.compiled'),
      pk: at('pk.key'),
      srs: srs.path,
      ...(keysKept && acceptanceProof ? { acceptanceProof } : {}),
    });
    // The files are hashed for the manifest while EZKL and solc build the verifier: the proving
    // key (100+ MB, GBs on real models) costs as much CPU as the verifier's compile.
    const hashed = new Map<string, Promise<string>>();
    for (const file of ARTIFACT_FILES)
      if (file !== VERIFIER_FILE) hashed.set(file, sha256File(at(file)));
    for (const hashing of hashed.values()) hashing.catch(() => undefined); // awaited below
    // EZKL's Solidity verifier for this key: what verify runs in-process and the chain deploys.
    const evm = await step(
      'Emitting and compiling the Solidity verifier (solc 0.8.20)',
      'verifier',
      () =>
        timed('verifier', async () => {
          const dir = at('evm-build');
          await mkdir(dir);
          const built = await buildEvmVerifier(
            { vk: at('vk.key'), settings: at('settings.json'), srs: srs.path },
            dir,
            { engine },
          );
          await rm(dir, { recursive: true, force: true });
          return built;
        }),
    );
    await writeJsonAtomic(at(VERIFIER_FILE), evm);
    const files: Record<string, string> = {};
    for (const file of ARTIFACT_FILES)
      files[file] = await (hashed.get(file) ?? sha256File(at(file)));
    const manifest: ArtifactsManifest = {
      format: 'pocompute-artifacts@2',
      key,
      circuitKey,
      calibrationSha256,
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
      },
      verifier: {
        layout: evm.layout,
        reason: evm.reason,
        runtimeSize: evm.verifier.runtimeSize,
        compilerVersion: evm.compilerVersion,
      },
      files,
      timings,
    };
    await writeJsonAtomic(at('manifest.json'), manifest); // written last: its presence marks a complete build
    return { dir, manifest, path: (file) => join(dir, file), cached: false };
  };
  let replacedKeptAt: string | undefined;
  const built = await buildDirAtomic(dir, build, {
    reuse: valid,
    alternative: sibling,
    force: params.force,
    // A forced rebuild goes in place. Keys are reproducible, so it should make the same key; if it
    // does not, the old compilation stays (under its vk hash) so proofs made with it still verify.
    keepReplaced: (existing, rebuilt) => {
      const oldVk = existing.manifest.files['vk.key'];
      if (oldVk === rebuilt.manifest.files['vk.key']) return undefined;
      replacedKeptAt = supersededDir(dir, oldVk);
      return replacedKeptAt;
    },
    lockPath: join(root, `${name}-${circuitKey.slice(0, 16)}.lock`),
    onWait: () => reporter?.info(`Waiting for another pocompute process compiling ${name}…`),
  });
  if (replacedKeptAt) {
    reporter?.warn(
      `The rebuild made another verifying key (sha256 ${built.manifest.files['vk.key'].slice(0, 16)}…); the previous compilation was kept at ${replacedKeptAt}, where proofs made with it are still found by their key.`,
    );
    return { ...built, replacedKeptAt };
  }
  if (!built.cached && built.manifest.srs.origin === 'insecure-dev')
    reporter?.warn('Keys were set up with an insecure-dev SRS (local use only).');
  return { ...built, model };
}

/**
 * The artifacts of this circuit family (same model, options, SRS, EZKL) calibrated on another
 * sample: the oldest valid one, so that every process settles on the same key.
 */
async function calibratedSibling(
  root: string,
  circuitKey: string,
  opening: OpenArtifactsOptions,
): Promise<CompileResult | undefined> {
  const names = await readdir(root).catch(() => [] as string[]);
  const family: { dir: string; createdAt: string }[] = [];
  for (const name of names) {
    if (/\.(tmp|stale|vk)-|\.lock$/.test(name)) continue;
    const manifest = await readFile(join(root, name, 'manifest.json'), 'utf8')
      .then((text) => JSON.parse(text) as { circuitKey?: unknown; createdAt?: unknown })
      .catch(() => undefined);
    if (manifest?.circuitKey === circuitKey)
      family.push({ dir: join(root, name), createdAt: String(manifest.createdAt) });
  }
  family.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.dir.localeCompare(b.dir));
  for (const { dir } of family) {
    const artifacts = await openArtifacts(dir, opening).catch(() => undefined);
    if (artifacts) return { ...artifacts, cached: true };
  }
  return undefined;
}

/**
 * Where a compilation replaced by a forced rebuild with another key is kept: beside it, named by
 * its own vk hash. It is found by that hash (findArtifactsByVk) but never by its inputs' key.
 */
const supersededDir = (dir: string, vkSha256: string) =>
  `${dir}${SUPERSEDED_MARK}${vkSha256.slice(0, 16)}`;
const SUPERSEDED_MARK = '.vk-';

/** An artifacts directory of this key, whatever model file name it was first compiled from. */
async function dirWithKey(root: string, key: string): Promise<string | undefined> {
  const names = await readdir(root).catch(() => [] as string[]);
  const found = names.find((n) => n.endsWith(`-${key}`) && isArtifactsDir(join(root, n)));
  return found ? join(root, found) : undefined;
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
  if (isArtifactsDir(target)) {
    const opening = params.deferProvingKeyCheck ? { defer: ['pk.key'] as const } : {};
    return markCacheUse({ ...(await openArtifacts(target, opening)), cached: true });
  }
  if (
    !target.toLowerCase().endsWith('.onnx') &&
    !(await readFile(target).then(
      () => true,
      () => false,
    ))
  ) {
    throw new PocomputeError('FILE_NOT_FOUND', `not a model or an artifacts directory: ${target}`);
  }
  return compileModel({ anyCalibration: true, ...params, model: target });
}
