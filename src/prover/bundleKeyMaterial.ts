import { readArtifactFile, type Artifacts } from './artifacts.js';
import { b64, type ProofBundle } from './bundle.js';

/**
 * The part of a proof bundle that identifies the circuit and carries what verifying needs (settings,
 * vk, verifier SRS) — the same for every proof made from one artifacts directory.
 */
export async function bundleKeyMaterial(
  artifacts: Artifacts,
): Promise<
  Pick<
    ProofBundle,
    'ezklVersion' | 'model' | 'artifacts' | 'srs' | 'options' | 'settings' | 'vk' | 'verifierSrs'
  >
> {
  const m = artifacts.manifest;
  return {
    ezklVersion: m.ezklVersion,
    model: { name: m.model.name, sha256: m.model.sha256 },
    artifacts: {
      key: m.key,
      settingsSha256: m.files['settings.json'],
      vkSha256: m.files['vk.key'],
      compiledSha256: m.files['model.compiled'],
      logrows: m.circuit.logrows,
      numRows: m.circuit.numRows,
    },
    srs: { origin: m.srs.origin, sha256: m.srs.sha256, verifierSha256: m.srs.verifierSha256 },
    options: m.options,
    settings: JSON.parse((await readArtifactFile(artifacts, 'settings.json')).toString('utf8')),
    vk: b64.encode(await readArtifactFile(artifacts, 'vk.key')),
    verifierSrs: b64.encode(await readArtifactFile(artifacts, 'verifier.srs')),
  };
}
