import { PocomputeError } from '../core/errors.js';
import type { Artifacts } from './artifacts.js';
import { BUNDLE_FORMAT, type EzklProof, type ProofBundle } from './bundle.js';
import { bundleKeyMaterial } from './bundleKeyMaterial.js';
import { bundlePublicTensors } from './circuitLayout.js';

/**
 * Wraps a bare EZKL proof (made by EZKL's own Python or CLI from the same artifacts) as a bundle,
 * so it goes through the same checks. The public values are read from the proof itself.
 */
export async function bundleFromEzklProof(
  proof: EzklProof,
  artifacts: Artifacts | undefined,
  path: string,
): Promise<ProofBundle> {
  if (!artifacts) {
    throw new PocomputeError(
      'USAGE',
      `${path} is a bare EZKL proof: pass --artifacts <dir> with the key, settings and SRS it was made with`,
    );
  }
  const keyMaterial = await bundleKeyMaterial(artifacts);
  return {
    format: BUNDLE_FORMAT,
    kind: 'inference',
    createdAt: new Date(0).toISOString(),
    ...keyMaterial,
    proof,
    public: bundlePublicTensors(proof, keyMaterial.settings, artifacts.manifest) ?? {
      inputs: [],
      outputs: [],
    },
    floatReference: { outputs: [] },
    quantization: [],
    timings: {},
  };
}
