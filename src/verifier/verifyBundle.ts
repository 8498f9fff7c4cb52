import { readFile } from 'node:fs/promises';
import { PocomputeError } from '../core/errors.js';
import { requireFile, sha256Hex } from '../core/files.js';
import { openArtifacts, type Artifacts } from '../prover/artifacts.js';
import { b64, readProofFile, type ProofBundle, type PublicTensor } from '../prover/bundle.js';
import { bundleFromEzklProof } from './bundleFromEzklProof.js';
import { verifyWithWasm } from '../prover/engine/wasmEngine.js';
import { publicValuesFromInstances } from '../prover/publicValues.js';
import type { TensorInfo } from '../prover/onnx/inspectModel.js';
import { checkSrsFile, verifierSrsFrom, type SrsOrigin } from '../prover/srs.js';

export interface VerifyBundleParams {
  /** A bundle (or bare EZKL proof) file, or a bundle already read. */
  bundle: string | ProofBundle;
  /** A verifying key the verifier trusts; without it (or --artifacts) the bundle's own key is used. */
  vk?: string;
  /** Settings for that key (defaults to the artifacts' or the bundle's). */
  settings?: string;
  /** An artifacts directory (vk, settings and SRS of a compiled model), by path or already opened. */
  artifacts?: string | Artifacts;
  /** A full SRS file to verify against, instead of the bundle's verifier SRS. */
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
  model: ProofBundle['model'];
  public: { inputs: PublicTensor[]; outputs: PublicTensor[] };
  warnings: string[];
}

/** Verifies a proof bundle with the WASM engine alone (no Python) and says which key it trusted. */
export async function verifyBundle(params: VerifyBundleParams): Promise<VerifyBundleResult> {
  const artifacts =
    typeof params.artifacts === 'string' ? await openArtifacts(params.artifacts) : params.artifacts;
  const file =
    typeof params.bundle === 'string'
      ? await readProofFile(params.bundle)
      : ({ kind: 'bundle', bundle: params.bundle } as const);
  const bundle =
    file.kind === 'bundle'
      ? file.bundle
      : await bundleFromEzklProof(file.proof, artifacts, params.bundle as string);
  const key = await resolveKey(bundle, params, artifacts);
  const srs = await resolveVerifierSrs(bundle, params, artifacts);
  const warnings: string[] = [];
  if (key.source === 'bundled') {
    warnings.push(
      'Verified against the verifying key inside the bundle: this shows the proof is consistent, not that it is for a model you trust. Pass --vk or --artifacts with your own key.',
    );
  }
  if (srs.source === 'bundled')
    warnings.push('Verified with the SRS inside the bundle; pass --srs with an SRS you trust.');
  if (bundle.srs.origin === 'insecure-dev')
    warnings.push(
      'insecure-dev SRS: the prover generated it and could know its secret; this proof is for local use only.',
    );

  const checks: VerifyCheck[] = [];
  const vkSha = sha256Hex(key.vk);
  checks.push({
    name: 'verifying key',
    ok: vkSha === bundle.artifacts.vkSha256,
    detail:
      vkSha === bundle.artifacts.vkSha256
        ? `sha256 ${vkSha.slice(0, 16)}… matches the bundle`
        : `sha256 ${vkSha.slice(0, 16)}… is not the key the bundle was made with (${bundle.artifacts.vkSha256.slice(0, 16)}…)`,
  });
  const proofBytes = new TextEncoder().encode(JSON.stringify(bundle.proof));
  const outcome = verifyWithWasm(proofBytes, key.vk, key.settings, srs.bytes);
  if (!outcome.ok && outcome.kind === 'malformed') {
    throw new PocomputeError(
      'SETTINGS_MISMATCH',
      `the verifying key cannot be read with these settings: ${outcome.reason}`,
    );
  }
  checks.push({
    name: 'proof',
    ok: outcome.ok,
    detail: outcome.ok ? 'verifies (EZKL WASM engine)' : outcome.reason,
  });

  const recomputed = publicValuesFromInstances(bundle.proof.instances[0] ?? [], {
    inputs: key.layout.inputs,
    outputs: key.layout.outputs,
    inputScales: key.layout.inputScales,
    outputScales: key.layout.outputScales,
    options: bundle.options,
  });
  const claimedOk =
    sameTensors(recomputed.inputs, bundle.public.inputs) &&
    sameTensors(recomputed.outputs, bundle.public.outputs);
  checks.push({
    name: 'public values',
    ok: claimedOk,
    detail: claimedOk
      ? 'the bundle states exactly the values the proof binds'
      : 'the values stated in the bundle differ from those in the proof',
  });

  return {
    valid: checks.every((c) => c.ok),
    checks,
    keySource: key.source,
    srsOrigin: bundle.srs.origin,
    srsSource: srs.source,
    model: bundle.model,
    public: recomputed,
    warnings,
  };
}

interface KeyMaterial {
  vk: Uint8Array;
  settings: Uint8Array;
  source: KeySource;
  layout: {
    inputs: TensorInfo[];
    outputs: TensorInfo[];
    inputScales: number[];
    outputScales: number[];
  };
}

async function resolveKey(
  bundle: ProofBundle,
  params: VerifyBundleParams,
  artifacts?: Artifacts,
): Promise<KeyMaterial> {
  const bundleLayout = layoutFromSettings(bundle, bundle.settings);
  if (artifacts) {
    const settings = await readFile(artifacts.path('settings.json'));
    const layout = {
      ...layoutFromSettings(bundle, JSON.parse(settings.toString())),
      inputs: artifacts.manifest.model.inputs,
      outputs: artifacts.manifest.model.outputs,
    };
    return { vk: await readFile(artifacts.path('vk.key')), settings, source: 'artifacts', layout };
  }
  if (params.vk) {
    const vk = await readFile(requireFile(params.vk, 'verifying key'));
    const settings = params.settings
      ? await readFile(requireFile(params.settings, 'settings file'))
      : new TextEncoder().encode(JSON.stringify(bundle.settings));
    return {
      vk,
      settings,
      source: 'trusted-file',
      layout: params.settings
        ? layoutFromSettings(bundle, JSON.parse(settings.toString()))
        : bundleLayout,
    };
  }
  return {
    vk: b64.decode(bundle.vk),
    settings: new TextEncoder().encode(JSON.stringify(bundle.settings)),
    source: 'bundled',
    layout: bundleLayout,
  };
}

/**
 * Scales come from the settings; tensor shapes from the bundle, checked against the settings'
 * instance shapes so that a bundle cannot relabel which public values are inputs and which outputs.
 */
function layoutFromSettings(
  bundle: ProofBundle,
  settings: Record<string, unknown>,
): KeyMaterial['layout'] {
  const s = settings as {
    model_input_scales?: number[];
    model_output_scales?: number[];
    model_instance_shapes?: number[][];
  };
  if (!Array.isArray(s.model_input_scales) || !Array.isArray(s.model_output_scales)) {
    throw new PocomputeError(
      'SETTINGS_MISMATCH',
      'the settings file has no model_input_scales/model_output_scales: is it an EZKL settings.json?',
    );
  }
  const tensor = (t: PublicTensor): TensorInfo => ({
    name: t.name,
    dims: t.dims,
    size: t.dims.reduce((a, b) => a * b, 1),
  });
  const inputs = bundle.public.inputs.map(tensor);
  const outputs = bundle.public.outputs.map(tensor);
  const publicShapes = [...bundle.public.inputs, ...bundle.public.outputs]
    .filter((t) => t.visibility === 'public')
    .map((t) => t.dims.join('x'));
  const settingsShapes = (s.model_instance_shapes ?? []).map((d) => d.join('x'));
  if (
    bundle.public.inputs.concat(bundle.public.outputs).every((t) => t.visibility === 'public') &&
    publicShapes.join(',') !== settingsShapes.join(',')
  ) {
    throw new PocomputeError(
      'BUNDLE_INVALID',
      `the bundle's public tensor shapes (${publicShapes.join(', ')}) are not the circuit's (${settingsShapes.join(', ')})`,
    );
  }
  return {
    inputs,
    outputs,
    inputScales: s.model_input_scales,
    outputScales: s.model_output_scales,
  };
}

async function resolveVerifierSrs(
  bundle: ProofBundle,
  params: VerifyBundleParams,
  artifacts?: Artifacts,
): Promise<{ bytes: Uint8Array; source: VerifyBundleResult['srsSource'] }> {
  if (params.srs) {
    const path = requireFile(params.srs, 'SRS file');
    await checkSrsFile(path, 0);
    return { bytes: await verifierSrsFrom(path), source: 'file' };
  }
  if (artifacts)
    return { bytes: await readFile(artifacts.path('verifier.srs')), source: 'artifacts' };
  return { bytes: b64.decode(bundle.verifierSrs), source: 'bundled' };
}

function sameTensors(a: PublicTensor[], b: PublicTensor[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((t, i) => {
    const u = b[i];
    const values =
      (t.values ?? []).length === (u.values ?? []).length &&
      (t.values ?? []).every(
        (v, j) => Math.abs(v - (u.values ?? [])[j]) <= 1e-12 * Math.max(1, Math.abs(v)),
      );
    const hash = JSON.stringify(t.hash ?? []) === JSON.stringify(u.hash ?? []);
    return t.name === u.name && t.visibility === u.visibility && values && hash;
  });
}
