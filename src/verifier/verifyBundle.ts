import { PocomputeError } from '../core/errors.js';
import { readFileCapped, readJsonFile, requireRegularFile, sha256Hex } from '../core/files.js';
import { type Artifacts, openArtifacts, VERIFYING_FILES } from '../proof/artifacts.js';
import { type ProofBundle, type ProofFile, parseBundle, readProofFile } from '../proof/bundle.js';
import { circuitLayout, positionalLabels } from '../proof/circuitLayout.js';
import { checkSrsFile } from '../engine/srs.js';
import { prepareVerifierEvm } from '../proof/evm.js';
import {
  checkBundle,
  keyFromArtifacts,
  keyFromBundle,
  type SrsTrust,
  type TrustedKey,
  type VerifyBundleResult,
} from '../proof/checkBundle.js';
import { bundleFromEzklProof } from '../proof/bundleFromEzklProof.js';
import { verifierCode } from '../proof/verifierRecord.js';

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
  const srs = resolveSrsTrust(bundle, params, artifacts);

  return checkBundle(bundle, key, srs);
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

async function resolveKey(
  bundle: ProofBundle,
  params: VerifyBundleParams,
  artifacts?: Artifacts,
): Promise<TrustedKey> {
  if (artifacts) return keyFromArtifacts(artifacts);
  if (params.vk && params.settings) {
    const vk = await readFileCapped(params.vk, 'verifying key', 'SETTINGS_MISMATCH');
    const settings = await readJsonFile(params.settings, 'settings file', 'SETTINGS_MISMATCH');
    const layout = circuitLayout(settings, params.settings);
    const srsPath = await requireRegularFile(params.srs as string, 'SRS file', 'SRS_INVALID');
    await checkSrsFile(srsPath, 0);
    // EZKL's verifier for exactly these files, made once per (vk, settings, SRS) and cached.
    // Loaded here: verifying with artifacts or the bundle's own verifier never needs EZKL or solc.
    const { verifierForKey } = await import('../engine/emitEvmVerifier.js');
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
  return keyFromBundle(bundle);
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
