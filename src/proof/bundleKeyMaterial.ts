import { readArtifactsVerifier } from './verifierRecord.js';
import { readArtifactFile, type Artifacts } from './artifacts.js';
import type { ProofBundle } from './bundle.js';

/**
 * The part of a proof bundle that identifies the circuit and carries what verifying needs (settings
 * and EZKL's Solidity verifier for the vk) — the same for every proof made from one artifacts
 * directory.
 */
export async function bundleKeyMaterial(
  artifacts: Artifacts,
): Promise<
  Pick<
    ProofBundle,
    'ezklVersion' | 'model' | 'artifacts' | 'srs' | 'options' | 'settings' | 'verifier'
  >
> {
  const m = artifacts.manifest;
  const evm = await readArtifactsVerifier(artifacts);
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
    srs: { origin: m.srs.origin, sha256: m.srs.sha256 },
    options: m.options,
    settings: JSON.parse((await readArtifactFile(artifacts, 'settings.json')).toString('utf8')),
    verifier: {
      layout: evm.layout,
      runtime: evm.verifier.deployedBytecode,
      ...(evm.vka ? { vka: evm.vka } : {}),
    },
  };
}
