import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PocomputeError } from '../../core/errors.js';
import type { Reporter } from '../../core/output.js';
import { makeWorkDir } from '../../core/tempDirs.js';
import type { CompileOptions } from '../../proof/artifactsManifest.js';
import type { EzklOp, PythonEngine } from '../../engine/pythonEngine.js';
import { loadInputs } from '../inputs.js';
import type { ModelInfo } from '../../proof/inspectModel.js';
import {
  type FloatReference,
  type FloatReferenceSource,
  floatReference,
} from '../floatReference.js';
import { quantizationError } from '../publicValues.js';
import { type ResolvedSrs, resolveSrs, type SrsSpec } from '../../engine/srs.js';
import {
  type CandidateRunArgs,
  candidateLabel,
  DECOMPOSITIONS,
  DIMENSIONS,
  INNER_COLUMNS,
  LOGROWS_BELOW,
  MIN_LOGROWS,
  sameCandidate,
} from './candidates.js';
import { type CircuitChoice, runArgsSchema } from '../../proof/circuitChoice.js';
import {
  type EzklSettings,
  estimateProveCost,
  type SizeBound,
  sizeBound,
  usesFreivalds,
  withInnerColumns,
} from './costModel.js';

/**
 * What the search can choose, as a revision: part of the artifacts' content hash (compileModel,
 * compileStages), so that artifacts an older search chose are not reused for a newer one's.
 * 2: EZKL 23's einsums proved directly (`disable_freivalds`) are a candidate, and `--settings`
 * honours that field.
 */
export const OPTIMIZER_REVISION = 2;

/**
 * A candidate is kept only if its estimated cost is at most this share of EZKL's: the estimate is
 * coarse, and "never slower than EZKL's own settings" matters more than a marginal gain.
 */
export const COST_MARGIN = 0.8;

/**
 * Whether the search cannot find a cheaper circuit, read off EZKL's settings alone: the circuit is
 * row-bound (sizeBound), and neither its 1–3 logrows-below variants (advice wrapped into more,
 * shorter columns) nor the same assignments over other inner columns with the smallest
 * decomposition table are estimated cheap enough to be tried. A decomposition with more legs only
 * adds rows, and value-changing variants leave the rows as they are
 * (test/prover/optimizer/searchCannotPayOff.test.ts).
 */
export function searchCannotPayOff(settings: EzklSettings): boolean {
  if (sizeBound(settings).by !== 'rows') return false;
  const { cost } = estimateProveCost(settings);
  const logrows = settings.run_args.logrows;
  for (let k = logrows - 1; k >= Math.max(MIN_LOGROWS, logrows - LOGROWS_BELOW); k--) {
    const wrapped = { ...settings, run_args: { ...settings.run_args, logrows: k } };
    if (estimateProveCost(wrapped).cost <= COST_MARGIN * cost) return false;
  }
  // Other inner columns (the same assignments, rounded to another power of two), with the
  // smallest decomposition table the search could pair them with.
  const smallestBase = Math.min(...DECOMPOSITIONS.map(([base]) => base));
  for (const cols of INNER_COLUMNS) {
    const variant = withInnerColumns(settings, cols, smallestBase);
    if (estimateProveCost(variant).cost <= COST_MARGIN * cost) return false;
  }
  return true;
}

export interface BuildCircuitParams {
  engine: PythonEngine;
  model: ModelInfo;
  /** The model and calibration input inside the artifacts being built. */
  modelPath: string;
  calibrationPath: string;
  /** Where the chosen settings and compiled circuit go. */
  settingsPath: string;
  compiledPath: string;
  options: CompileOptions;
  /** The SRS the keys will be set up with: a candidate's acceptance proof uses the same one. */
  srs: SrsSpec;
  /**
   * Where the chosen circuit's keys go when its acceptance proof made them, so that compile need
   * not set them up again.
   */
  keys?: { vk: string; pk: string };
  /**
   * What computes the float model's outputs on the calibration input (default: onnxruntime in
   * this thread). It starts once EZKL has its first ops, so that onnxruntime's start-up runs beside
   * EZKL's calibration, not before it. prove passes its float reference thread, which then
   * computes the reference once for both: a first prove calibrates on the input it proves.
   */
  floatReference?: FloatReferenceSource;
  reporter?: Reporter;
}

export interface BuiltCircuit {
  choice: CircuitChoice;
  /** Set when the keys were written to `keys`: the SRS they were set up with. */
  keysSrs?: ResolvedSrs;
  /**
   * Set with `keysSrs`: the acceptance proof those keys made of the calibration input (EZKL's
   * form of it, as written for EZKL), with its witness. A first prove of that very input (compile's
   * calibration input is the input it proves) uses it instead of proving again.
   */
  acceptanceProof?: AcceptanceProof;
}

export interface AcceptanceProof {
  input: string;
  witness: unknown;
  proof: unknown;
}

interface Sized {
  runArgs: CandidateRunArgs;
  settings: EzklSettings;
  cost: number;
  verifierColumns: number;
  changesValues: boolean;
  baseline?: boolean;
  /** Set once the candidate compiled and passed mock. */
  tested?: { compiledPath: string; settingsPath: string; witnesses: string[] };
  /** Set once EZKL set the candidate up, proved and verified it at its size. */
  proved?: { vk: string; pk: string; srs: ResolvedSrs; proofs: string[] };
}

/**
 * Settings → compiled circuit, the one step of compile that decides the circuit's shape:
 * EZKL's preset (`--calibration`), the user's settings (`--settings`), or the optimiser's search.
 */
export async function buildCircuit(params: BuildCircuitParams): Promise<BuiltCircuit> {
  // Removed on every exit path, SIGINT/SIGTERM included.
  const workDir = await makeWorkDir('pocompute-circuit');
  const scratch = workDir.path;
  try {
    const search = new CircuitSearch(params, scratch);
    await search.prepare();
    const { options } = params;
    const choice = options.settings
      ? await search.userSettings(options.settings)
      : options.optimizer === 'off'
        ? await search.ezklPreset()
        : await search.run();
    return { choice, keysSrs: search.keysSrs, acceptanceProof: search.acceptanceProof };
  } finally {
    await workDir.remove();
  }
}

class CircuitSearch {
  private inputs: string[] = [];
  /** What `inputs` hold (EZKL's form), as written. */
  private inputTexts: string[] = [];
  private values: number[][] = [];
  private floatRun?: Promise<FloatReference>;
  /** Set when the adopted candidate's keys were copied to `keys`. */
  keysSrs?: ResolvedSrs;
  /** Set with keysSrs, when its proof of the first calibration input could be read. */
  acceptanceProof?: AcceptanceProof;
  private counter = 0;
  private readonly started = performance.now();

  constructor(
    private readonly p: BuildCircuitParams,
    private readonly scratch: string,
  ) {}

  /** EZKL reads these as strings and falls back to "private" on a typo: ours are validated. */
  private get visibilities() {
    const o = this.p.options;
    return {
      input_visibility: o.inputVisibility,
      output_visibility: o.outputVisibility,
      param_visibility: o.paramVisibility,
    };
  }

  private step<T>(label: string, work: () => Promise<T>): Promise<T> {
    return this.p.reporter ? this.p.reporter.step(label, work, 'optimizer') : work();
  }

  private elapsed(): number {
    return performance.now() - this.started;
  }

  /** The calibration inputs, in EZKL's form for EZKL and as values for the float model. */
  async prepare(): Promise<void> {
    const loaded = await loadInputs(this.p.calibrationPath, this.p.model.inputs);
    const file = join(this.scratch, 'input-0.json');
    this.inputTexts = [JSON.stringify(loaded.ezkl)];
    await writeFile(file, this.inputTexts[0]);
    this.inputs = [file];
    this.values = loaded.values;
  }

  /**
   * The float model's outputs on the calibration input (onnxruntime), computed once: started when
   * EZKL has its first ops (engineRun), awaited where an error is measured. Never rejects: a model
   * onnxruntime cannot run is still proved, with EZKL's own settings (run).
   */
  private floatReference(): Promise<FloatReference> {
    this.floatRun ??= (this.p.floatReference ?? floatReference)(this.p.model, this.values).catch(
      (error: Error) => ({ unavailable: `no float reference: ${error.message}` }),
    );
    return this.floatRun;
  }

  /** EZKL's ops in one process; the float reference starts as soon as EZKL has them. */
  private engineRun(ops: EzklOp[]): Promise<unknown[]> {
    return this.p.engine.run(ops, { onStarted: () => void this.floatReference() });
  }

  /**
   * EZKL's own flow: gen_settings + calibrate_settings with its preset, as the baseline. For the
   * search (`search`), a baseline no candidate can beat (searchCannotPayOff) is not mocked: it is
   * kept as it is and, as in EZKL's own flow, checked by a real proof (prove's self-check).
   */
  private async ezklBaseline(
    search = false,
  ): Promise<Sized & { error: CircuitChoice['error']; bound: SizeBound; keep: boolean }> {
    const settingsPath = join(this.scratch, 'baseline.json');
    const target = this.p.options.calibrationTarget;
    await this.step(`EZKL baseline: gen_settings + calibrate_settings "${target}"`, () =>
      this.engineRun([
        {
          op: 'gen_settings',
          args: { model: this.p.modelPath, settings: settingsPath, ...this.visibilities },
        },
        {
          op: 'calibrate_settings',
          args: {
            data: this.p.calibrationPath,
            model: this.p.modelPath,
            settings: settingsPath,
            target,
          },
        },
      ]),
    );
    const settings = await readSettings(settingsPath);
    const sized: Sized = {
      runArgs: runArgsOf(settings),
      settings,
      ...costOf(settings),
      changesValues: false,
      baseline: true,
    };
    const keep = search && searchCannotPayOff(settings);
    const tested = await this.test(sized, { mock: !keep });
    if (!tested.ok) {
      throw new PocomputeError('ENGINE_FAILED', `EZKL's own settings fail: ${tested.why}`);
    }
    return { ...sized, error: tested.error, bound: sizeBound(settings), keep };
  }

  async ezklPreset(): Promise<CircuitChoice> {
    return this.preset(await this.ezklBaseline(), 'not optimised (--calibration)');
  }

  /** EZKL's calibrated settings, adopted as they are, and why. */
  private async preset(
    baseline: Sized & { error: CircuitChoice['error'] },
    why: string,
  ): Promise<CircuitChoice> {
    await this.adopt(baseline);
    return {
      strategy: 'ezkl-preset',
      runArgs: runArgsOf(baseline.settings),
      estimatedCost: baseline.cost,
      error: baseline.error,
      reason: `EZKL's "${this.p.options.calibrationTarget}" calibration, ${why}`,
    };
  }

  /** --settings: the file's circuit-shape fields; visibilities from the flags; EZKL sizes the rest. */
  async userSettings(file: Record<string, unknown>): Promise<CircuitChoice> {
    const given = (file.run_args ?? file) as Partial<CandidateRunArgs>;
    const runArgs = runArgsSchema.partial().parse(given);
    const candidate: CandidateRunArgs = {
      decomp_base: runArgs.decomp_base ?? 16384,
      decomp_legs: runArgs.decomp_legs ?? 2,
      num_inner_cols: runArgs.num_inner_cols ?? 2,
      input_scale: runArgs.input_scale ?? 7,
      param_scale: runArgs.param_scale ?? 7,
      scale_rebase_multiplier: runArgs.scale_rebase_multiplier ?? 1,
      bounded_log_lookup: runArgs.bounded_log_lookup ?? false,
      disable_freivalds: runArgs.disable_freivalds,
    };
    const [sized] = await this.size([candidate], false);
    if (!sized)
      throw new PocomputeError('OPTION_INVALID', `EZKL cannot size the --settings circuit`);
    if (runArgs.logrows !== undefined) withLogrows(sized, runArgs.logrows);
    const tested = await this.test(sized);
    if (!tested.ok)
      throw new PocomputeError('OPTION_INVALID', `the --settings circuit fails: ${tested.why}`);
    await this.adopt(sized);
    return {
      strategy: 'settings-file',
      runArgs: runArgsOf(sized.settings),
      estimatedCost: sized.cost,
      error: tested.error,
      reason: 'the circuit settings given with --settings',
    };
  }

  async run(): Promise<CircuitChoice> {
    const budgetSeconds = this.p.options.optimizerBudget;
    const budgetMs = budgetSeconds * 1000;
    const baseline = await this.ezklBaseline(true);
    // Without a float reference no candidate's error can be bounded: EZKL's settings are kept.
    const float = await this.floatReference();
    if ('unavailable' in float) return this.preset(baseline, `not optimised: ${float.unavailable}`);
    const maxRelError = this.p.options.maxError ?? baseline.error.maxRelError;
    const pool: Sized[] = [baseline];
    // EZKL 23 proves einsums by Freivalds' argument: fewer rows, more (second-phase) columns. The
    // same circuit with its einsums proved directly is sized first, row-bound or not: on a model
    // made of matrix products (a transformer block) it is the cheaper of the two, and the layout
    // search that follows starts from it when it is. A variant EZKL cannot size (a panic ends
    // its process) is only left out.
    if (usesFreivalds(baseline.settings)) {
      const direct = await this.step(
        'Sizing the einsums proved directly, without Freivalds (EZKL calibrate, no proving)',
        () => this.size([{ ...baseline.runArgs, disable_freivalds: true }], false),
      ).catch((): Sized[] => []);
      pool.push(...direct);
    }
    // The layout search starts from the direct form only when it could be accepted on its own
    // (the cost bar): the Freivalds form's layouts are not searched from there.
    let center: Sized = baseline;
    for (const s of pool)
      if (s.cost <= COST_MARGIN * baseline.cost && s.verifierColumns <= baseline.verifierColumns)
        center = s;
    // Stage 1, no proving: coordinate descent on the estimated cost over the layout dimensions,
    // then the value-changing variants around the best layout. EZKL sizes each candidate.
    for (const dimension of baseline.keep ? [] : DIMENSIONS) {
      if (this.elapsed() > budgetMs / 2) break;
      const variants = dimension
        .variants(center.runArgs)
        .filter((v) => !pool.some((s) => sameCandidate(s.runArgs, v)));
      if (variants.length === 0) continue;
      const sized = await this.step(
        `Sizing ${variants.length} × ${dimension.name} (EZKL calibrate, no proving)`,
        () => this.size(variants, dimension.changesValues),
      );
      pool.push(...sized);
      if (!dimension.changesValues) {
        for (const s of sized)
          if (s.cost < center.cost && s.verifierColumns <= baseline.verifierColumns) center = s;
      }
    }
    // Fewer rows than EZKL calibrates: advice and tables wrap into more, shorter columns.
    const calibrated = center.settings.run_args.logrows;
    const below = baseline.keep ? calibrated : Math.max(MIN_LOGROWS, calibrated - LOGROWS_BELOW);
    for (let k = calibrated - 1; k >= below; k--) {
      pool.push(withLogrows(structuredClone(center), k));
    }
    // Stage 2: cheapest first, the first one that passes mock and the error bound wins.
    pool.sort((a, b) => a.cost - b.cost || Number(b.baseline ?? 0) - Number(a.baseline ?? 0));
    const rejected: { candidate: string; why: string }[] = [];
    let tested = 1;
    let provedCount = 0;
    let provingMs = 0;
    let chosen: (Sized & { error: CircuitChoice['error'] }) | undefined;
    let why = '';
    for (const candidate of pool) {
      if (candidate.baseline || candidate.cost > COST_MARGIN * baseline.cost) break;
      // No more committed columns than EZKL's circuit: proofs, verification and gas stay as small.
      if (candidate.verifierColumns > baseline.verifierColumns) continue;
      // Outputs keep their scale relative to the inputs (training steps chain on it).
      if (scaleOffsets(candidate.settings) !== scaleOffsets(baseline.settings)) continue;
      if (this.elapsed() > budgetMs) {
        why = `the ${budgetSeconds} s budget ran out before a cheaper candidate passed`;
        break;
      }
      tested++;
      const label = `2^${candidate.settings.run_args.logrows} rows, ${candidateLabel(candidate.runArgs)}`;
      const result = await this.step(`Testing ${label} (mock + error vs onnxruntime)`, () =>
        this.test(candidate),
      );
      if (!result.ok) {
        rejected.push({ candidate: label, why: result.why });
        continue;
      }
      if (result.error.maxRelError > maxRelError) {
        rejected.push({
          candidate: label,
          why: `relative error ${result.error.maxRelError.toExponential(2)} > ${maxRelError.toExponential(2)}`,
        });
        continue;
      }
      // Mock checks the constraints, not the proof: only a real one at this size is accepted.
      provedCount++;
      const proofStarted = performance.now();
      const proved = await this.step(`Proving ${label} (EZKL setup + prove + verify)`, () =>
        this.prove(candidate),
      );
      provingMs += performance.now() - proofStarted;
      if (!proved.ok) {
        rejected.push({ candidate: label, why: proved.why });
        continue;
      }
      chosen = { ...candidate, error: result.error };
      break;
    }
    // A row-bound baseline (searchCannotPayOff: no layout or value variant can pay off) is kept,
    // with what its direct form found when there was one (not cheap enough, failed, no budget).
    if (!chosen && baseline.keep)
      return this.keepRowBound(baseline, maxRelError, {
        sized: pool.length,
        tested,
        rejected,
        proved: provedCount,
        provingMs: Math.round(provingMs),
        why,
      });
    const pick = chosen ?? baseline;
    await this.adopt(pick);
    const ratio = baseline.cost / pick.cost;
    const reason = chosen
      ? `cheapest candidate passing mock and a real proof (setup, prove, verify) within relative error ${maxRelError.toExponential(2)}: ` +
        `2^${pick.settings.run_args.logrows} rows (EZKL: 2^${baseline.settings.run_args.logrows})` +
        `${pick.runArgs.disable_freivalds ? ', einsums proved directly (no Freivalds)' : ''}, ` +
        `estimated ${ratio.toFixed(1)}× less prover work than EZKL's "${this.p.options.calibrationTarget}"`
      : `EZKL's "${this.p.options.calibrationTarget}" settings: ${
          why ||
          `no candidate with no more columns is estimated ≥ ${Math.round((1 / COST_MARGIN - 1) * 100)}% cheaper and passes`
        }`;
    this.p.reporter?.info(`Circuit: ${reason}`);
    return {
      strategy: 'search',
      runArgs: runArgsOf(pick.settings),
      estimatedCost: pick.cost,
      error: pick.error,
      reason,
      search: {
        baseline: {
          target: this.p.options.calibrationTarget,
          runArgs: runArgsOf(baseline.settings),
          estimatedCost: baseline.cost,
          error: baseline.error,
        },
        maxRelError,
        sized: pool.length,
        tested,
        rejected,
        proved: provedCount,
        provingMs: Math.round(provingMs),
        budgetSeconds,
        ms: Math.round(this.elapsed()),
      },
    };
  }

  /**
   * A baseline no candidate can beat (searchCannotPayOff) is kept at once: sizing, testing and
   * acceptance proofs would only cost time (up to ~10 s on the real models) to end with these
   * very settings. On EZKL 23 its einsums proved directly (no Freivalds) are sized, and tested,
   * first (run): `tried` says what that found.
   */
  private async keepRowBound(
    baseline: Sized & { error: CircuitChoice['error']; bound: SizeBound },
    maxRelError: number,
    tried: {
      sized: number;
      tested: number;
      rejected: { candidate: string; why: string }[];
      proved: number;
      provingMs: number;
      why?: string;
    } = { sized: 1, tested: 1, rejected: [], proved: 0, provingMs: 0 },
  ): Promise<CircuitChoice> {
    await this.adopt(baseline);
    const { rows, longestTable, logrows } = baseline.bound;
    const target = this.p.options.calibrationTarget;
    const reason =
      `EZKL's "${target}" settings: row-bound — its ${rows.toLocaleString('en')} rows need ` +
      `2^${logrows} on their own and its longest table (${longestTable.toLocaleString('en')} rows) ` +
      'does not set the size, so no candidate is estimated ≥ 25% cheaper; not searched' +
      (tried.rejected.length > 0
        ? ` (its einsums proved directly: ${tried.rejected.map((r) => firstLine(r.why)).join('; ')})`
        : tried.why
          ? ` (its einsums proved directly: not tried, ${tried.why})`
          : tried.sized > 1
            ? ' (its einsums proved directly are not estimated ≥ 25% cheaper)'
            : '');
    this.p.reporter?.info(`Circuit: ${reason}`);
    return {
      strategy: 'search',
      runArgs: runArgsOf(baseline.settings),
      estimatedCost: baseline.cost,
      error: baseline.error,
      reason,
      search: {
        baseline: {
          target,
          runArgs: runArgsOf(baseline.settings),
          estimatedCost: baseline.cost,
          error: baseline.error,
        },
        maxRelError,
        sized: tried.sized,
        tested: tried.tested,
        rejected: tried.rejected,
        proved: tried.proved,
        provingMs: tried.provingMs,
        budgetSeconds: this.p.options.optimizerBudget,
        ms: Math.round(this.elapsed()),
      },
    };
  }

  /** EZKL sizes each candidate (gen_settings + calibrate_settings at its scales), one process. */
  private async size(candidates: CandidateRunArgs[], changesValues: boolean): Promise<Sized[]> {
    const files = candidates.map(() => join(this.scratch, `settings-${this.counter++}.json`));
    const results = (await this.engineRun(
      candidates.map((c, i) => ({
        op: 'try_settings',
        args: {
          model: this.p.modelPath,
          settings: files[i],
          data: this.p.calibrationPath,
          target: this.p.options.calibrationTarget,
          ...this.visibilities,
          ...c,
          // calibrate_settings tries the (input, param) pairs of this list with input ≤ param
          scales: [...new Set([c.input_scale, c.param_scale])],
          rebase_multipliers: [c.scale_rebase_multiplier],
          input_scale: undefined,
          param_scale: undefined,
          logrows: undefined,
        },
      })),
    )) as { ok: boolean }[];
    const sized: Sized[] = [];
    for (const [i, result] of results.entries()) {
      if (!result.ok) continue;
      const settings = await readSettings(files[i]);
      sized.push({
        runArgs: runArgsOf(settings),
        settings,
        ...costOf(settings),
        changesValues,
      });
    }
    return sized;
  }

  /** compile_circuit + gen_witness + mock on every calibration input, and the output error. */
  private async test(
    candidate: Sized,
    options: { mock?: boolean } = {},
  ): Promise<{ ok: true; error: CircuitChoice['error'] } | { ok: false; why: string }> {
    const id = this.counter++;
    const settings = join(this.scratch, `test-${id}.json`);
    const compiled = join(this.scratch, `test-${id}.compiled`);
    const witnesses = this.inputs.map((_, j) => join(this.scratch, `witness-${id}-${j}.json`));
    await writeFile(settings, JSON.stringify(candidate.settings));
    let result: { ok: boolean; error?: string };
    try {
      [result] = (await this.engineRun([
        {
          op: 'try_circuit',
          args: {
            model: this.p.modelPath,
            settings,
            compiled,
            data: this.inputs,
            witnesses,
            mock: options.mock ?? true,
          },
        },
      ])) as { ok: boolean; error?: string }[];
    } catch (error) {
      // A panic inside EZKL ends its process: that candidate is out, the search goes on.
      return { ok: false, why: (error as Error).message };
    }
    if (!result.ok) return { ok: false, why: result.error ?? 'EZKL failed' };
    const reference = await this.floatReference();
    const floats = 'outputs' in reference ? [reference.outputs] : [];
    let maxAbsError = 0;
    let maxRelError = 0;
    for (const [j, witness] of witnesses.entries()) {
      const outputs = await witnessOutputs(witness);
      for (const [o, float] of (floats[j] ?? []).entries()) {
        const e = quantizationError('', outputs[o] ?? [], float);
        maxAbsError = Math.max(maxAbsError, e.maxAbsError);
        maxRelError = Math.max(maxRelError, e.maxRelError);
      }
    }
    candidate.tested = { compiledPath: compiled, settingsPath: settings, witnesses };
    return { ok: true, error: { maxAbsError, maxRelError } };
  }

  /**
   * EZKL's setup, prove and verify at the candidate's size on every calibration witness, with the
   * SRS compile will set the keys up with: what a passing mock does not show.
   */
  private async prove(candidate: Sized): Promise<{ ok: true } | { ok: false; why: string }> {
    if (!candidate.tested) throw new Error('proving an untested circuit');
    const { compiledPath, settingsPath, witnesses } = candidate.tested;
    const logrows = candidate.settings.run_args.logrows;
    const srs = await resolveSrs(this.p.srs, logrows, this.p.reporter);
    const id = this.counter++;
    const vk = join(this.scratch, `proved-${id}.vk`);
    const pk = join(this.scratch, `proved-${id}.pk`);
    const proofs = witnesses.map((_, j) => join(this.scratch, `proof-${id}-${j}.json`));
    let result: { ok: boolean; error?: string };
    try {
      [result] = (await this.engineRun([
        {
          op: 'try_proof',
          args: {
            compiled: compiledPath,
            settings: settingsPath,
            vk,
            pk,
            srs: srs.path,
            witnesses,
            proofs,
          },
        },
      ])) as { ok: boolean; error?: string }[];
    } catch (error) {
      return { ok: false, why: (error as Error).message };
    }
    if (!result.ok) return { ok: false, why: `EZKL setup/prove/verify: ${result.error}` };
    candidate.proved = { vk, pk, srs, proofs };
    return { ok: true };
  }

  /** The chosen candidate's settings, compiled circuit and (when it was proved) keys. */
  private async adopt(candidate: Sized): Promise<void> {
    await writeFile(this.p.settingsPath, JSON.stringify(candidate.settings));
    if (!candidate.tested) throw new Error('adopting an untested circuit');
    await copyFile(candidate.tested.compiledPath, this.p.compiledPath);
    if (candidate.proved && this.p.keys) {
      await copyFile(candidate.proved.vk, this.p.keys.vk);
      await copyFile(candidate.proved.pk, this.p.keys.pk);
      this.keysSrs = candidate.proved.srs;
      // Read before the scratch directory goes; one that cannot be read is only not reused.
      const input = this.inputTexts[0];
      this.acceptanceProof = await Promise.all([
        readFile(candidate.tested.witnesses[0], 'utf8').then(JSON.parse),
        readFile(candidate.proved.proofs[0], 'utf8').then(JSON.parse),
      ]).then(
        ([witness, proof]) => ({ input, witness, proof }),
        () => undefined,
      );
    }
  }
}

/** An EZKL error's first line (a panic's message, without its backtrace), for a one-line reason. */
function firstLine(text: string): string {
  const line = text.split('\n', 1)[0].trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

function withLogrows(sized: Sized, logrows: number): Sized {
  sized.settings.run_args.logrows = logrows;
  sized.runArgs = { ...runArgsOf(sized.settings), logrows };
  Object.assign(sized, costOf(sized.settings));
  sized.baseline = false;
  sized.tested = undefined;
  sized.proved = undefined;
  return sized;
}

/** Each output's scale relative to the first input's. */
function scaleOffsets(settings: EzklSettings): string {
  const base = settings.model_input_scales[0] ?? 0;
  return settings.model_output_scales.map((s) => s - base).join(',');
}

function costOf(settings: EzklSettings): { cost: number; verifierColumns: number } {
  const { cost, verifierColumns } = estimateProveCost(settings);
  return { cost, verifierColumns };
}

function runArgsOf(settings: EzklSettings): CandidateRunArgs & { logrows: number } {
  const r = settings.run_args;
  return {
    logrows: r.logrows,
    num_inner_cols: r.num_inner_cols,
    decomp_base: r.decomp_base,
    decomp_legs: r.decomp_legs,
    input_scale: r.input_scale,
    param_scale: r.param_scale,
    scale_rebase_multiplier: r.scale_rebase_multiplier,
    bounded_log_lookup: r.bounded_log_lookup,
    // Only when set: EZKL's default (Freivalds on) and EZKL 21's settings carry no such field.
    ...(r.disable_freivalds ? { disable_freivalds: true } : {}),
  };
}

async function readSettings(path: string): Promise<EzklSettings> {
  return JSON.parse(await readFile(path, 'utf8')) as EzklSettings;
}

/** The witness's outputs, dequantized by EZKL itself (pretty_elements.rescaled_outputs). */
async function witnessOutputs(path: string): Promise<number[][]> {
  const witness = JSON.parse(await readFile(path, 'utf8')) as {
    pretty_elements?: { rescaled_outputs?: string[][] };
  };
  return (witness.pretty_elements?.rescaled_outputs ?? []).map((o) => o.map(Number));
}
