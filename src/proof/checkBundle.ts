import { sha256Hex } from '../core/files.js';
import { codePointSortedJson, parseJsonText } from '../core/json.js';
import { type Artifacts, readArtifactFile } from './artifacts.js';
import type { ProofBundle, PublicTensor } from './bundle.js';
import { bundleVerifierCode } from './bundleVerifier.js';
import {
  type CircuitLayout,
  circuitLayout,
  labelsFromManifest,
  publicFeltsFromInstances,
  publicTensorsFromInstances,
  requireFixedParams,
  type TensorLabels,
} from './circuitLayout.js';
import { runVerifier, type VerifierCode } from './evm.js';
import { feltFromHexLE } from './felts.js';
import { sameValues } from './sameValues.js';
import { proofBytesOf, validateProof } from './validateProof.js';
import { readArtifactsVerifier, verifierCode } from './verifierRecord.js';

/**
 * A bundle checked against key material already chosen: the proof through that key's Solidity
 * verifier in the in-process EVM, and every value and field the bundle states against what the
 * proof binds and the key determines. Which key material to trust is the caller's decision
 * (verifier/verifyBundle.ts for `verify`; the prover's self-check uses the artifacts it just used).
 */

/** Where an SRS came from: generated here for development, a user's file, or a public download. */
export type SrsOrigin = 'insecure-dev' | 'file' | 'public-download';

export type KeySource = 'trusted-file' | 'artifacts' | 'bundled';

export interface VerifyCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface VerifyBundleResult {
  valid: boolean;
  checks: VerifyCheck[];
  keySource: KeySource;
  srsOrigin: SrsOrigin;
  srsSource: 'file' | 'artifacts' | 'bundled';
  /** The model, from the trusted manifest (the bundle's with its own key); absent with --vk. */
  model?: ProofBundle['model'];
  /** What the proof binds, read from its instances with the trusted settings' layout. */
  public: { inputs: PublicTensor[]; outputs: PublicTensor[] };
  warnings: string[];
}

/** The key material a verdict rests on. */
export interface TrustedKey {
  /** sha256 of the trusted verifying key (absent when only the bundle's own verifier is at hand). */
  vkSha256?: string;
  /** The Solidity verifier the verdict comes from. */
  code: VerifierCode;
  settings: unknown;
  settingsBytes: Uint8Array;
  settingsWhat: string;
  source: KeySource;
  /** "trusted settings", "trusted artifacts", or "bundle's own settings" — for messages. */
  trustedName: string;
  labels: TensorLabels;
  /** Whether tensor names (and non-public shapes) come from something trusted and are compared. */
  labelsTrusted: boolean;
  model?: ProofBundle['model'];
  artifacts?: Artifacts;
}

/** Which SRS the trusted verifier was made with: what the verdict's soundness rests on. */
export interface SrsTrust {
  source: VerifyBundleResult['srsSource'];
  origin: SrsOrigin;
}

/** The key material of an artifacts directory (its files checked against its manifest when opened). */
export async function keyFromArtifacts(artifacts: Artifacts): Promise<TrustedKey> {
  // readArtifactFile: the bytes used are the bytes checked against the manifest.
  const settings = parseJsonText(
    (await readArtifactFile(artifacts, 'settings.json')).toString('utf8'),
    { what: 'artifacts settings', code: 'ARTIFACTS_INVALID' },
    artifacts.path('settings.json'),
  );
  const m = artifacts.manifest;
  const layout = circuitLayout(settings, `${artifacts.dir}/settings.json`);
  return {
    vkSha256: sha256Hex(await readArtifactFile(artifacts, 'vk.key')),
    code: verifierCode(await readArtifactsVerifier(artifacts)),
    settings,
    settingsBytes: new TextEncoder().encode(JSON.stringify(settings)),
    settingsWhat: `${artifacts.dir}/settings.json`,
    source: 'artifacts',
    trustedName: 'trusted artifacts',
    labels: labelsFromManifest(m, layout),
    labelsTrusted: true,
    model: { name: m.model.name, sha256: m.model.sha256 },
    artifacts,
  };
}

/** The bundle's own key material: a verdict on it shows self-consistency only. */
export function keyFromBundle(bundle: ProofBundle): TrustedKey {
  const layout = circuitLayout(bundle.settings, "the bundle's settings");
  const own = (tensors: PublicTensor[], circuit: CircuitLayout['inputs']) =>
    circuit.map((c, i) => ({
      name: tensors[i]?.name ?? '',
      dims: c.dims ?? tensors[i]?.dims ?? [],
    }));
  return {
    code: bundleVerifierCode(bundle.verifier),
    settings: bundle.settings,
    settingsBytes: new TextEncoder().encode(JSON.stringify(bundle.settings)),
    settingsWhat: "the bundle's settings",
    source: 'bundled',
    trustedName: "bundle's own settings (self-consistency only)",
    labels: {
      inputs: own(bundle.public.inputs, layout.inputs),
      outputs: own(bundle.public.outputs, layout.outputs),
    },
    labelsTrusted: true,
    model: bundle.model,
  };
}

/** Checks a bundle against trusted key material (see the top of this file). */
export async function checkBundle(
  bundle: ProofBundle,
  key: TrustedKey,
  srs: SrsTrust,
): Promise<VerifyBundleResult> {
  const layout = circuitLayout(key.settings, key.settingsWhat);
  requireFixedParams(layout, key.settingsWhat);
  const warnings = trustWarnings(bundle, key, srs);
  const checks: VerifyCheck[] = [];
  if (key.vkSha256) {
    const vkSha = key.vkSha256;
    checks.push({
      name: 'verifying key',
      ok: vkSha === bundle.artifacts.vkSha256,
      detail:
        vkSha === bundle.artifacts.vkSha256
          ? `sha256 ${vkSha.slice(0, 16)}… matches the bundle`
          : `sha256 ${vkSha.slice(0, 16)}… is not the key the bundle was made with ` +
            `(artifacts.vkSha256 ${bundle.artifacts.vkSha256.slice(0, 16)}…)`,
    });
  }
  const recomputed = publicTensorsFromInstances(
    bundle.proof.instances[0] ?? [],
    layout,
    key.labels,
  );
  checks.push(
    recomputed
      ? await proofCheck(bundle, key, layout)
      : // Instances that do not fit the circuit are not handed to the engine at all.
        { name: 'proof', ok: false, detail: "not checked: its instances are not the circuit's" },
  );

  const valueProblems = recomputed
    ? [
        ...tensorMismatches(bundle.public, recomputed, key),
        ...prettyPublicInputsMismatches(bundle.proof, layout, recomputed),
      ]
    : [
        `the proof has ${bundle.proof.instances[0]?.length ?? 0} instances, ` +
          `the circuit's settings lay out ${layout.instanceCount}`,
      ];
  checks.push({
    name: 'public values',
    ok: valueProblems.length === 0,
    detail:
      valueProblems.length === 0
        ? 'the bundle states exactly the values the proof binds'
        : `the bundle disagrees with the proof and the ${key.trustedName}: ` +
          summarize(valueProblems),
  });
  const fieldProblems = bundleFieldMismatches(bundle, layout, key, srs);
  checks.push({
    name: 'bundle fields',
    ok: fieldProblems.length === 0,
    detail:
      fieldProblems.length === 0
        ? `options, settings and hashes agree with the ${key.trustedName}`
        : `the bundle disagrees with the ${key.trustedName}: ${summarize(fieldProblems)}`,
  });

  return {
    valid: checks.every((c) => c.ok),
    checks,
    keySource: key.source,
    srsOrigin: srs.origin,
    srsSource: srs.source,
    ...(key.model ? { model: key.model } : {}),
    public: recomputed ?? { inputs: [], outputs: [] },
    warnings,
  };
}

/**
 * A bundle checked against these artifacts (the prover's self-check), or without them against its
 * own key (self-consistency only, said so in the warnings).
 */
export async function checkBundleAgainst(
  bundle: ProofBundle,
  artifacts: Artifacts | undefined,
): Promise<VerifyBundleResult> {
  return artifacts
    ? checkBundle(bundle, await keyFromArtifacts(artifacts), {
        source: 'artifacts',
        origin: artifacts.manifest.srs.origin,
      })
    : checkBundle(bundle, keyFromBundle(bundle), { source: 'bundled', origin: bundle.srs.origin });
}

/**
 * The proof, run through the trusted verifier's code in the in-process EVM. A proof that cannot be
 * a proof for this circuit (lengths, felts, points) is refused before the EVM (BUNDLE_INVALID, exit
 * 2); one that reaches it is valid exactly when the verifier returns true.
 */
async function proofCheck(
  bundle: ProofBundle,
  key: TrustedKey,
  layout: CircuitLayout,
): Promise<VerifyCheck> {
  const proof = proofBytesOf(bundle.proof);
  const instances = (bundle.proof.instances[0] ?? []).map(feltFromHexLE);
  validateProof(proof, instances, { instanceCount: layout.instanceCount });
  const verdict = await runVerifier(key.code, proof, instances);
  return {
    name: 'proof',
    ok: verdict.ok,
    detail: verdict.ok
      ? `verifies (EZKL ${key.code.layout} Solidity verifier, in-process EVM, ${verdict.gasUsed} gas)`
      : `the verifier rejects it: ${verdict.reason}`,
  };
}

function trustWarnings(bundle: ProofBundle, key: TrustedKey, srs: SrsTrust): string[] {
  const warnings: string[] = [];
  if (key.source === 'bundled') {
    warnings.push(
      'Verified with the verifier inside the bundle, made by the prover from its own key and SRS: ' +
        'this shows the proof is consistent, not that it is for a model you trust (whoever made ' +
        'the SRS could forge proofs). Pass --artifacts, or --vk with --settings and --srs you trust.',
    );
  }
  if (key.source === 'trusted-file') {
    warnings.push(
      '--vk/--settings name no model: tensors are named by position (input_0, output_0) and ' +
        "the bundle's model name and hash are not checked; pass --artifacts to check them.",
    );
  }
  if (srs.source === 'bundled' && key.source !== 'bundled')
    warnings.push(
      "Verified with the bundle's own verifier, made from the prover's SRS (whoever made it " +
        'could forge proofs); pass --artifacts, or --vk/--settings with --srs you trust.',
    );
  if (srs.origin === 'insecure-dev' || bundle.srs.origin === 'insecure-dev')
    warnings.push(
      'insecure-dev SRS: the prover generated it and could know its secret; this proof is for ' +
        'local use only.',
    );
  return warnings;
}

/** Every place where the bundle's stated tensors differ from what the proof binds. */
function tensorMismatches(
  stated: ProofBundle['public'],
  bound: { inputs: PublicTensor[]; outputs: PublicTensor[] },
  key: TrustedKey,
): string[] {
  const problems: string[] = [];
  for (const side of ['inputs', 'outputs'] as const) {
    const a = stated[side];
    const b = bound[side];
    if (a.length !== b.length) {
      problems.push(`public.${side} (${a.length} tensors, the circuit has ${b.length})`);
      continue;
    }
    b.forEach((t, i) => {
      const s = a[i];
      const at = `public.${side}[${i}]`;
      if (s.visibility !== t.visibility)
        problems.push(`${at}.visibility (bundle ${s.visibility}, circuit ${t.visibility})`);
      if (key.labelsTrusted && s.name !== t.name)
        problems.push(`${at}.name (bundle "${s.name}", trusted "${t.name}")`);
      const dimsKnown = t.visibility === 'public' || key.labelsTrusted;
      if (dimsKnown && s.dims.join('x') !== t.dims.join('x'))
        problems.push(`${at}.dims (bundle ${s.dims.join('x')}, circuit ${t.dims.join('x')})`);
      if (!sameValues(s.values, t.values)) problems.push(`${at}.values`);
      if (JSON.stringify(s.hash ?? []) !== JSON.stringify(t.hash ?? []))
        problems.push(`${at}.hash`);
    });
  }
  return problems;
}

/** Fields of EZKL's pretty_public_inputs, and whether each holds values or felts. */
const PRETTY_FIELDS = [
  ['rescaled_inputs', 'values'],
  ['inputs', 'felts'],
  ['processed_inputs', 'felts'],
  ['processed_params', 'felts'],
  ['rescaled_outputs', 'values'],
  ['outputs', 'felts'],
  ['processed_outputs', 'felts'],
] as const;

/**
 * Every place where EZKL's readable copy of the public values inside the proof JSON
 * (`proof.pretty_public_inputs`, which EZKL's own verify ignores) differs from what the proof
 * binds: public tensors' values (sameValues) and big-endian felts, hashed tensors' hashes, and no
 * param hashes (params are fixed). A field that is absent (or the whole copy null, as EZKL 21's
 * WASM prover left it) states nothing.
 */
function prettyPublicInputsMismatches(
  proof: ProofBundle['proof'],
  layout: CircuitLayout,
  bound: { inputs: PublicTensor[]; outputs: PublicTensor[] },
): string[] {
  const stated = proof.pretty_public_inputs;
  const felts = publicFeltsFromInstances(proof.instances[0] ?? [], layout);
  if (!stated || !felts) return [];
  const of = (tensors: PublicTensor[], visibility: 'public' | 'hashed', field: 'values' | 'hash') =>
    tensors.filter((t) => t.visibility === visibility).map((t) => t[field] ?? []);
  const expected: Record<(typeof PRETTY_FIELDS)[number][0], (number | string)[][]> = {
    rescaled_inputs: of(bound.inputs, 'public', 'values'),
    inputs: felts.inputs,
    processed_inputs: of(bound.inputs, 'hashed', 'hash'),
    processed_params: [],
    rescaled_outputs: of(bound.outputs, 'public', 'values'),
    outputs: felts.outputs,
    processed_outputs: of(bound.outputs, 'hashed', 'hash'),
  };
  const problems: string[] = [];
  for (const [field, kind] of PRETTY_FIELDS) {
    const rows = stated[field];
    if (rows === undefined) continue;
    const at = `proof.pretty_public_inputs.${field}`;
    const trusted = expected[field];
    if (rows.length !== trusted.length) {
      problems.push(`${at} (${rows.length} tensors, the proof binds ${trusted.length})`);
      continue;
    }
    rows.forEach((row, i) => {
      const same =
        kind === 'values'
          ? sameValues(row.map(decimal), trusted[i] as number[])
          : sameFelts(row, trusted[i] as string[]);
      if (!same) problems.push(`${at}[${i}]`);
    });
  }
  return problems;
}

/** A number as EZKL prints one (Rust's f64 Display); anything else is NaN, never equal. */
const decimal = (text: string) =>
  /^-?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(text) ? Number(text) : Number.NaN;

/** Big-endian 0x hex felts (EZKL's pretty form) equal to little-endian instances. */
const sameFelts = (stated: string[], instances: string[]) =>
  stated.length === instances.length &&
  stated.every(
    (hex, j) => /^0x[0-9a-fA-F]{1,64}$/.test(hex) && BigInt(hex) === feltFromHexLE(instances[j]),
  );

/** Every bundle field that the trusted key material determines, compared with it. */
function bundleFieldMismatches(
  bundle: ProofBundle,
  layout: CircuitLayout,
  key: TrustedKey,
  srs: SrsTrust,
): string[] {
  const problems: string[] = [];
  const differs = (field: string, stated: unknown, trusted: unknown) => {
    if (stated !== trusted)
      problems.push(`${field} (bundle ${short(stated)}, trusted ${short(trusted)})`);
  };
  differs('options.inputVisibility', bundle.options.inputVisibility, layout.inputVisibility);
  differs('options.outputVisibility', bundle.options.outputVisibility, layout.outputVisibility);
  differs('options.paramVisibility', bundle.options.paramVisibility, layout.paramVisibility);
  differs('artifacts.logrows', bundle.artifacts.logrows, layout.logrows);
  differs('artifacts.numRows', bundle.artifacts.numRows, layout.numRows);
  if (
    key.source !== 'bundled' &&
    circuitSettings(bundle.settings) !== circuitSettings(key.settings)
  )
    problems.push('settings (not the trusted settings)');
  if (key.source !== 'bundled') {
    const trusted = key.code;
    const same =
      bundle.verifier.layout === trusted.layout &&
      bundle.verifier.runtime.toLowerCase() ===
        `0x${Buffer.from(trusted.runtime).toString('hex')}` &&
      JSON.stringify((bundle.verifier.vka ?? []).map((w) => w.toLowerCase())) ===
        JSON.stringify(
          trusted.layout === 'reusable' ? trusted.vka.map((w: string) => w.toLowerCase()) : [],
        );
    if (!same) problems.push('verifier (not the trusted verifier)');
  }
  const m = key.artifacts?.manifest;
  if (m) {
    differs('model.sha256', bundle.model.sha256, m.model.sha256);
    // artifacts.key, settingsSha256 and compiledSha256 name the prover's compilation: two
    // compilations of one circuit differ there (the key hashes the calibration sample, EZKL stamps
    // settings with a time), so what the proof is checked against is compared instead — the
    // verifying key, the circuit's settings, its verifier, model, engine and SRS. A training
    // run's steps, compiled on each batch, share one circuit and key under several such names.
    differs('ezklVersion', bundle.ezklVersion, m.ezklVersion);
    if (srs.source === 'artifacts') {
      differs('srs.origin', bundle.srs.origin, m.srs.origin);
      differs('srs.sha256', bundle.srs.sha256, m.srs.sha256);
    }
  }
  return problems;
}

/**
 * Settings as the circuit sees them, for comparison: EZKL's compile timestamp is not part of the
 * circuit. Keys sorted by code unit (codePointSortedJson): canonicalJson's localeCompare would load
 * ICU's collator, ~20 ms of a cold `verify`, to compare two files.
 */
function circuitSettings(settings: unknown): string {
  const { timestamp: _timestamp, ...rest } = (settings ?? {}) as Record<string, unknown>;
  return codePointSortedJson(rest);
}

const short = (value: unknown) => {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 20 ? `${text.slice(0, 16)}…` : text;
};

const summarize = (problems: string[]) =>
  problems.length > 4
    ? `${problems.slice(0, 4).join('; ')}; and ${problems.length - 4} more`
    : problems.join('; ');
