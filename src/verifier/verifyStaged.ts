import { PocomputeError } from '../core/errors.js';
import { VERIFYING_FILES } from '../proof/artifacts.js';
import { findCompilationsOfModel } from '../prover/artifactsIndex.js';
import type { PublicTensor } from '../proof/bundle.js';
import { feltFromHexLE } from '../proof/felts.js';
import {
  isStagedArtifactsDir,
  openStagedArtifacts,
  type StagedArtifacts,
} from '../prover/stages/compileStages.js';
import { parseStagedBundle, readStagedBundle, type StagedBundle } from '../proof/stagedBundle.js';
import { isStagedModelDir, readStagedModel } from '../prover/stages/stagedModel.js';
import { stageInstanceLayout } from '../prover/stages/stageInstanceLayout.js';
import { hex } from '../prover/stages/witnessStages.js';
import {
  sameValues,
  type VerifyBundleResult,
  type VerifyCheck,
  verifyBundle,
} from './verifyBundle.js';

export interface VerifyStagedParams {
  /** The staged proof bundle: its path, or the bundle read. */
  bundle: string | StagedBundle;
  /**
   * The compiled stages to trust: opened, a staged-artifacts directory (its record), or a split
   * directory whose stages are compiled in the artifacts root. None: each stage's own key (said so).
   */
  artifacts?: string | StagedArtifacts;
  /** Where to look for a split directory's compiled stages (default: POCOMPUTE_HOME/artifacts). */
  artifactsRoot?: string;
}

export interface VerifyStagedResult {
  valid: boolean;
  checks: VerifyCheck[];
  keySource: 'artifacts' | 'bundled';
  source: { name: string; sha256: string };
  /** Each stage's verification, against its trusted key. */
  stages: VerifyBundleResult[];
  /** The boundary hashes the proofs bind (0x big-endian hex). */
  boundaries: string[];
  /** The model's inputs and outputs as the first and last stage proofs bind them. */
  public: { inputs: PublicTensor[]; outputs: PublicTensor[] };
  warnings: string[];
}

/**
 * Verifies a staged proof: every stage proof against its trusted key (verifyBundle: its Solidity verifier in-process), every
 * link (stage i's output hash instance = stage i+1's input hash instance), the stated boundaries,
 * inputs and outputs against what the proofs bind. The verdict comes from the trusted keys and
 * the proofs' instances only; the bundle's fields are claims, and a broken link is named.
 */
export async function verifyStaged(params: VerifyStagedParams): Promise<VerifyStagedResult> {
  const { bundle: bundleOrPath, ...trust } = params;
  const bundle =
    typeof bundleOrPath === 'string'
      ? await readStagedBundle(bundleOrPath)
      : parseStagedBundle(bundleOrPath);
  const trusted = await trustedStages(bundle, trust);
  const checks: VerifyCheck[] = [];
  const warnings: string[] = [];
  const count = trusted ? trusted.stages.length : bundle.stages.length;
  if (trusted) {
    const sameSource = trusted.source.sha256 === bundle.source.sha256;
    const sameCount = bundle.stages.length === count;
    checks.push({
      name: 'stages',
      ok: sameSource && sameCount,
      detail: !sameCount
        ? `the bundle has ${bundle.stages.length} stage proof(s), the trusted split ${count}`
        : !sameSource
          ? `the bundle claims source sha256 ${bundle.source.sha256.slice(0, 12)}…, ` +
            `the trusted split is of ${trusted.source.sha256.slice(0, 12)}…`
          : `${count} stage(s) of ${trusted.source.name} (sha256 ${trusted.source.sha256.slice(0, 12)}…)`,
    });
  } else
    warnings.push(
      'Verified every stage against the key inside its own bundle: this shows the staged proof is consistent, not that it is for a model you trust. Pass --artifacts (the compiled stages, or the split directory).',
    );
  const results: VerifyBundleResult[] = [];
  for (let i = 0; i < count; i++) {
    const stage = bundle.stages[i];
    if (!stage) break;
    const artifacts = trusted?.stages[i];
    const result = await verifyBundle({ bundle: stage, ...(artifacts ? { artifacts } : {}) });
    results.push(result);
    const failed = result.checks.filter((c) => !c.ok);
    const role = stageInstanceLayout(i, count, { inputElements: 0, outputElements: 0 });
    const visibilities = artifacts?.manifest.options ?? stage.options;
    const roleOk =
      visibilities.inputVisibility === role.inputVisibility &&
      visibilities.outputVisibility === role.outputVisibility;
    checks.push({
      name: `stage ${i}`,
      ok: failed.length === 0 && roleOk,
      detail: !roleOk
        ? `its key has ${visibilities.inputVisibility} input and ${visibilities.outputVisibility} output, ` +
          `stage ${i} of ${count} needs ${role.inputVisibility} and ${role.outputVisibility}`
        : failed.length
          ? failed.map((c) => `${c.name}: ${c.detail}`).join('; ')
          : `proof verifies (2^${stage.artifacts.logrows} rows)`,
    });
    for (const w of result.warnings) if (!warnings.includes(w)) warnings.push(w);
  }
  // Scales from the trusted settings (the bundle's own only without --artifacts).
  const scalesOf = (i: number) => {
    const circuit = trusted?.stages[i]?.manifest.circuit;
    const settings = bundle.stages[i]?.settings as
      | { model_input_scales?: number[]; model_output_scales?: number[] }
      | undefined;
    return {
      inputs: circuit?.inputScales ?? settings?.model_input_scales ?? [],
      outputs: circuit?.outputScales ?? settings?.model_output_scales ?? [],
    };
  };
  const boundaries: string[] = [];
  for (let i = 0; i + 1 < count; i++) {
    const out = results[i]?.public.outputs[0]?.hash?.[0];
    const into = results[i + 1]?.public.inputs[0]?.hash?.[0];
    const name = `link ${i}→${i + 1}`;
    if (!out || !into) {
      checks.push({ name, ok: false, detail: 'a stage proof does not bind a boundary hash' });
      continue;
    }
    const outHex = hex(feltFromHexLE(out));
    const intoHex = hex(feltFromHexLE(into));
    boundaries.push(outHex);
    const stated = bundle.boundaries[i];
    // Equal hashes of the same integers mean the same values only at the same fixed-point scale.
    const outScale = scalesOf(i).outputs.join(',');
    const intoScale = scalesOf(i + 1).inputs.join(',');
    checks.push({
      name,
      ok: outHex === intoHex && stated === outHex && outScale === intoScale,
      detail:
        outScale !== intoScale
          ? `stage ${i}'s output scale 2^${outScale} is not stage ${i + 1}'s input scale 2^${intoScale}`
          : outHex !== intoHex
            ? `stage ${i}'s output hash ${outHex.slice(0, 14)}… is not stage ${i + 1}'s input hash ${intoHex.slice(0, 14)}…`
            : stated !== outHex
              ? `the bundle states boundary ${String(stated).slice(0, 14)}…, the proofs bind ${outHex.slice(0, 14)}…`
              : `hash ${outHex.slice(0, 14)}… (stage ${i} output = stage ${i + 1} input)`,
    });
  }
  if (bundle.boundaries.length !== Math.max(0, count - 1))
    checks.push({
      name: 'boundaries',
      ok: false,
      detail: `the bundle states ${bundle.boundaries.length} boundaries, ${count} stages have ${count - 1}`,
    });
  const bound = {
    inputs: results[0]?.public.inputs ?? [],
    outputs: results[count - 1]?.public.outputs ?? [],
  };
  checks.push(valuesCheck('inputs', bundle.public.inputs, bound.inputs));
  checks.push(valuesCheck('outputs', bundle.public.outputs, bound.outputs));
  return {
    valid: checks.every((c) => c.ok),
    checks,
    keySource: trusted ? 'artifacts' : 'bundled',
    source: trusted?.source ?? bundle.source,
    stages: results,
    boundaries,
    public: bound,
    warnings,
  };
}

function valuesCheck(
  side: 'inputs' | 'outputs',
  stated: PublicTensor[],
  bound: PublicTensor[],
): VerifyCheck {
  const same =
    stated.length === bound.length &&
    bound.every(
      (t, i) => t.visibility === 'public' && sameValues(stated[i].values ?? [], t.values ?? []),
    );
  const stage = side === 'inputs' ? 'the first stage' : 'the last stage';
  return {
    name: `public ${side}`,
    ok: same,
    detail: same
      ? `the bundle states exactly the ${side} ${stage} proves`
      : `public.${side}: the bundle disagrees with what ${stage}'s proof binds`,
  };
}

/** The compiled stages a verdict may rest on, or undefined for the bundle's own keys. */
async function trustedStages(
  bundle: StagedBundle,
  trust: Omit<VerifyStagedParams, 'bundle'>,
): Promise<StagedArtifacts | undefined> {
  const { artifacts } = trust;
  if (!artifacts) return undefined;
  if (typeof artifacts !== 'string') return artifacts;
  if (isStagedArtifactsDir(artifacts))
    return openStagedArtifacts(artifacts, { check: VERIFYING_FILES });
  if (!isStagedModelDir(artifacts))
    throw new PocomputeError(
      'ARTIFACTS_INVALID',
      `${artifacts} is neither compiled stages (staged-artifacts.json) nor a split directory (stages.json)`,
      { hint: 'Pass the directory `prove --stages` reported, or the split directory.' },
    );
  const staged = await readStagedModel(artifacts);
  // Trusted roots only (the pocompute home and an explicit root), never a config file's
  // artifactsDir: a pocompute.config.json in a cloned repository must not plant a stage key.
  const extraRoots = trust.artifactsRoot ? [trust.artifactsRoot] : [];
  const count = staged.manifest.stages.length;
  const stages = [];
  for (const stage of staged.manifest.stages) {
    const role = stageInstanceLayout(stage.index, count, { inputElements: 0, outputElements: 0 });
    const compiled = (
      await findCompilationsOfModel(stage.sha256, extraRoots, { check: VERIFYING_FILES })
    )
      .filter(
        (a) =>
          a.manifest.options.inputVisibility === role.inputVisibility &&
          a.manifest.options.outputVisibility === role.outputVisibility,
      )
      .sort((x, y) => x.manifest.createdAt.localeCompare(y.manifest.createdAt));
    // Any compilation of the trusted stage model is a trusted key: the one the bundle names, else
    // the oldest.
    const claimedVk = bundle.stages[stage.index]?.artifacts.vkSha256;
    const found = compiled.find((a) => a.manifest.files['vk.key'] === claimedVk) ?? compiled[0];
    if (!found)
      throw new PocomputeError(
        'ARTIFACTS_INVALID',
        `stage ${stage.index} of ${artifacts} is not compiled here (the pocompute home${extraRoots.length ? ` or ${extraRoots[0]}` : ''})`,
        {
          hint: `Run \`pocompute prove ${artifacts} --input <sample>\` (or compile its stages) first, or pass --artifacts <the compiled stages directory prove reported>.`,
        },
      );
    stages.push({ ...found, cached: true });
  }
  return { dir: staged.dir, source: staged.manifest.source, stages };
}
