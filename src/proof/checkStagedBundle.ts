import type { PublicTensor } from './bundle.js';
import { checkBundleAgainst, type VerifyBundleResult, type VerifyCheck } from './checkBundle.js';
import { sameValues } from './sameValues.js';
import { feltFromHexLE, feltHex } from './felts.js';
import type { StagedArtifacts } from './stagedArtifacts.js';
import type { StagedBundle } from './stagedBundle.js';
import { stageInstanceLayout } from './stageInstanceLayout.js';

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
 * Checks a staged proof against the trusted compiled stages (or, without them, each stage's own key): every stage proof against its trusted key (verifyBundle: its Solidity verifier in-process), every
 * link (stage i's output hash instance = stage i+1's input hash instance), the stated boundaries,
 * inputs and outputs against what the proofs bind. The verdict comes from the trusted keys and
 * the proofs' instances only; the bundle's fields are claims, and a broken link is named.
 */
export async function checkStagedBundle(
  bundle: StagedBundle,
  trusted: StagedArtifacts | undefined,
): Promise<VerifyStagedResult> {
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
    const result = await checkBundleAgainst(stage, artifacts);
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
    const outHex = feltHex(feltFromHexLE(out));
    const intoHex = feltHex(feltFromHexLE(into));
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
