import { PocomputeError } from '../core/errors.js';
import type { Artifacts } from '../prover/artifacts.js';
import type { EzklProof, ProofBundle } from '../prover/bundle.js';
import { bundleKeyMaterial } from '../prover/bundleKeyMaterial.js';
import { bundlePublicTensors } from '../prover/circuitLayout.js';

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
    format: 'pocompute-proof@1',
    kind: 'inference',
    createdAt: new Date(0).toISOString(),
    engine: 'native',
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
