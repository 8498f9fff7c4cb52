import { PocomputeError } from '../core/errors.js';
import type { Artifacts } from '../prover/artifacts.js';
import type { EzklProof, ProofBundle } from '../prover/bundle.js';
import { bundleKeyMaterial } from '../prover/bundleKeyMaterial.js';
import { publicValuesFromInstances } from '../prover/publicValues.js';

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
  const m = artifacts.manifest;
  const values = publicValuesFromInstances(proof.instances[0] ?? [], {
    inputs: m.model.inputs,
    outputs: m.model.outputs,
    inputScales: m.circuit.inputScales,
    outputScales: m.circuit.outputScales,
    options: m.options,
  });
  return {
    format: 'pocompute-proof@1',
    kind: 'inference',
    createdAt: new Date(0).toISOString(),
    engine: 'native',
    ...(await bundleKeyMaterial(artifacts)),
    proof,
    public: values,
    floatReference: { outputs: [] },
    quantization: [],
    timings: {},
  };
}
