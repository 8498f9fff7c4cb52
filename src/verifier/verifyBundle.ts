import { parseJsonText } from '../core/json.js';
import { PocomputeError } from '../core/errors.js';
import {
  canonicalJson,
  readFileCapped,
  readJsonFile,
  requireRegularFile,
  sha256Hex,
} from '../core/files.js';
import {
  type Artifacts,
  openArtifacts,
  readArtifactFile,
  VERIFYING_FILES,
} from '../proof/artifacts.js';
import {
  type ProofBundle,
  type ProofFile,
  type PublicTensor,
  parseBundle,
  readProofFile,
} from '../proof/bundle.js';
import {
  type CircuitLayout,
  circuitLayout,
  requireFixedParams,
  labelsFromManifest,
  positionalLabels,
  publicFeltsFromInstances,
  publicTensorsFromInstances,
  type TensorLabels,
} from '../proof/circuitLayout.js';
import { feltFromHexLE } from '../proof/felts.js';
import { checkSrsFile, type SrsOrigin } from '../prover/srs.js';
import { prepareVerifierEvm, runVerifier, type VerifierCode } from '../proof/evm.js';
import { bundleVerifierCode } from '../proof/bundleVerifier.js';
import { proofBytesOf, validateProof } from '../proof/validateProof.js';
import { bundleFromEzklProof } from './bundleFromEzklProof.js';
import { readArtifactsVerifier, verifierCode } from '../proof/verifierRecord.js';

export interface VerifyBundleParams {
  /** A bundle (or bare EZKL proof) file, or one already read (e.g. from standard input). */
  bundle: string | ProofBundle | ProofFile;
  /**
   * A verifying key the verifier trusts; needs `settings`. Without it (or `artifacts`) the
   * bundle's own key is used.
   */
  vk?: string;
  /** The EZKL settings.json that goes with `vk`: the source of visibilities, scales and shapes. */
  settings?: string;
  /** An artifacts directory (vk, settings and SRS of a compiled model), by path or opened. */
  artifacts?: string | Artifacts;
  /** The SRS that goes with `vk`: the verifier is EZKL's for that key and SRS. */
  srs?: string;
}

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

/**
 * Verifies a proof bundle by running EZKL's Solidity verifier for the trusted key (the code the
 * chain runs) in an in-process EVM. The verdict and every value reported come from the key
 * material it trusts (an artifacts directory, or vk + settings + SRS) and the proof's instances;
 * the bundle's own fields are claims, checked against them (docs/commands.md, "What `verify` trusts").
 */
export async function verifyBundle(params: VerifyBundleParams): Promise<VerifyBundleResult> {
  checkKeyOptions(params);
  prepareVerifierEvm();
  const artifacts =
    typeof params.artifacts === 'string'
      ? await openArtifacts(params.artifacts, { check: VERIFYING_FILES })
      : params.artifacts;
  const bundle = await readBundleParam(params, artifacts);
  const key = await resolveKey(bundle, params, artifacts);
  const layout = circuitLayout(key.settings, key.settingsWhat);
  requireFixedParams(layout, key.settingsWhat);
  const srs = resolveSrsTrust(bundle, params, artifacts);
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

/** --vk alone would leave scales and visibilities to the bundle: refused, as are mixed sources. */
function checkKeyOptions(params: VerifyBundleParams): void {
  if (params.artifacts && (params.vk || params.settings)) {
    throw new PocomputeError(
      'USAGE',
      '--artifacts already holds the key and settings: drop --vk/--settings',
      {
        hint: 'Pass either --artifacts <dir>, or --vk <file> with --settings <file>.',
      },
    );
  }
  if (params.vk && !params.settings) {
    throw new PocomputeError(
      'USAGE',
      '--vk needs --settings: the scales, visibilities and instance layout are read from the ' +
        'settings you trust, never from the bundle',
      {
        hint: 'Pass --settings <settings.json> made with that key (or --artifacts <dir> for both).',
      },
    );
  }
  if (params.vk && !params.srs) {
    // Whoever made an SRS knows its secret and can forge a proof for any key: a verdict with your
    // key but the prover's SRS would rest on the bundle after all.
    throw new PocomputeError(
      'USAGE',
      '--vk needs --srs: verifying with your key but the SRS inside the bundle proves nothing, ' +
        'since whoever made that SRS can forge proofs',
      {
        hint: 'Pass --srs <file> with the KZG SRS you trust (or --artifacts <dir>, which has one).',
      },
    );
  }
  if (params.settings && !params.vk) {
    throw new PocomputeError('USAGE', '--settings goes with --vk: pass the verifying key too', {
      hint: 'Pass --vk <file> with --settings <file>, or --artifacts <dir>.',
    });
  }
  if (params.srs && !params.vk) {
    // The SRS only makes a verifier for a key you give: the artifacts' verifier was made with
    // theirs, and the bundle's own with the prover's. Ignoring it would look like it was used.
    throw new PocomputeError(
      'USAGE',
      '--srs goes with --vk and --settings: it makes the verifier for that key, and is not used otherwise',
      { hint: 'Pass --vk <file> --settings <file> --srs <file>, or --artifacts <dir> alone.' },
    );
  }
}

async function readBundleParam(
  params: VerifyBundleParams,
  artifacts?: Artifacts,
): Promise<ProofBundle> {
  const { bundle } = params;
  if (typeof bundle === 'string') {
    // readProofFile has parsed it already (for a LeNet proof, parsing its 800 instances again
    // was a few ms of every verification).
    const file = await readProofFile(bundle);
    return file.kind === 'bundle'
      ? file.bundle
      : bundleFromEzklProof(file.proof, artifacts, bundle);
  }
  // An object from a caller is parsed whatever its type says.
  const file =
    'kind' in bundle && (bundle.kind === 'bundle' || bundle.kind === 'ezkl-proof')
      ? (bundle as ProofFile)
      : ({ kind: 'bundle', bundle: parseBundle(bundle) } as const);
  return file.kind === 'bundle'
    ? parseBundle(file.bundle, 'the proof')
    : bundleFromEzklProof(file.proof, artifacts, 'the proof');
}

interface TrustedKey {
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

async function resolveKey(
  bundle: ProofBundle,
  params: VerifyBundleParams,
  artifacts?: Artifacts,
): Promise<TrustedKey> {
  if (artifacts) {
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
  if (params.vk && params.settings) {
    const vk = await readFileCapped(params.vk, 'verifying key', 'SETTINGS_MISMATCH');
    const settings = await readJsonFile(params.settings, 'settings file', 'SETTINGS_MISMATCH');
    const layout = circuitLayout(settings, params.settings);
    const srsPath = await requireRegularFile(params.srs as string, 'SRS file', 'SRS_INVALID');
    await checkSrsFile(srsPath, 0);
    // EZKL's verifier for exactly these files, made once per (vk, settings, SRS) and cached.
    // Loaded here: verifying with artifacts or the bundle's own verifier never needs EZKL or solc.
    const { verifierForKey } = await import('./emitEvmVerifier.js');
    const evm = await verifierForKey({ vk: params.vk, settings: params.settings, srs: srsPath });
    return {
      vkSha256: sha256Hex(vk),
      code: verifierCode(evm),
      settings,
      settingsBytes: new TextEncoder().encode(JSON.stringify(settings)),
      settingsWhat: params.settings,
      source: 'trusted-file',
      trustedName: 'trusted settings',
      labels: positionalLabels(layout),
      labelsTrusted: false,
    };
  }
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

/** Which SRS the trusted verifier was made with: what the verdict's soundness rests on. */
interface SrsTrust {
  source: VerifyBundleResult['srsSource'];
  origin: SrsOrigin;
}

function resolveSrsTrust(
  bundle: ProofBundle,
  params: VerifyBundleParams,
  artifacts?: Artifacts,
): SrsTrust {
  if (params.srs) return { source: 'file', origin: 'file' };
  if (artifacts) return { source: 'artifacts', origin: artifacts.manifest.srs.origin };
  return { source: 'bundled', origin: bundle.srs.origin };
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
    differs('artifacts.key', bundle.artifacts.key, m.key);
    // artifacts.settingsSha256/compiledSha256 are the prover's file hashes: two compilations of one
    // circuit differ there (EZKL stamps settings with a time), so the content is compared above.
    differs('ezklVersion', bundle.ezklVersion, m.ezklVersion);
    if (srs.source === 'artifacts') {
      differs('srs.origin', bundle.srs.origin, m.srs.origin);
      differs('srs.sha256', bundle.srs.sha256, m.srs.sha256);
    }
  }
  return problems;
}

/** Settings as the circuit sees them: EZKL's compile timestamp is not part of the circuit. */
function circuitSettings(settings: unknown): string {
  const { timestamp: _timestamp, ...rest } = (settings ?? {}) as Record<string, unknown>;
  return canonicalJson(rest);
}

/** Stated values equal to trusted ones (relative tolerance 1e-12 of the trusted value, finite only). */
export function sameValues(a: number[] | undefined, b: number[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  if ((a === undefined) !== (b === undefined) || x.length !== y.length) return false;
  // The tolerance is relative to the trusted value (never the stated one), and a stated value that
  // is not finite is never equal: Infinity - y is Infinity, within 1e-12 of |Infinity|.
  return x.every(
    (v, j) =>
      Number.isFinite(v) &&
      Number.isFinite(y[j]) &&
      Math.abs(v - y[j]) <= 1e-12 * Math.max(1, Math.abs(y[j])),
  );
}

const short = (value: unknown) => {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 20 ? `${text.slice(0, 16)}…` : text;
};

const summarize = (problems: string[]) =>
  problems.length > 4
    ? `${problems.slice(0, 4).join('; ')}; and ${problems.length - 4} more`
    : problems.join('; ');
