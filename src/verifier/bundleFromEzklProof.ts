import { readFile } from 'node:fs/promises';
import { PocomputeError } from '../core/errors.js';
import type { Artifacts } from '../prover/artifacts.js';
import { b64, type EzklProof, type ProofBundle } from '../prover/bundle.js';
import { publicValuesFromInstances } from '../prover/publicValues.js';

/**
 * Wraps a bare EZKL proof (made by EZKL's own Python or CLI from the same artifacts) as a bundle,
 * so it goes through the same checks. The public values are read from the proof itself.
 */
export async function bundleFromEzklProof(proof: EzklProof, artifacts: Artifacts | undefined, path: string): Promise<ProofBundle> {
  if (!artifacts) {
    throw new PocomputeError('USAGE', `${path} is a bare EZKL proof: pass --artifacts <dir> with the key, settings and SRS it was made with`);
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
    ezklVersion: m.ezklVersion,
    model: { name: m.model.name, sha256: m.model.sha256 },
    artifacts: { key: m.key, settingsSha256: m.files['settings.json'], vkSha256: m.files['vk.key'], compiledSha256: m.files['model.compiled'], logrows: m.circuit.logrows, numRows: m.circuit.numRows },
    srs: { origin: m.srs.origin, sha256: m.srs.sha256, verifierSha256: m.srs.verifierSha256 },
    options: m.options,
    settings: JSON.parse(await readFile(artifacts.path('settings.json'), 'utf8')),
    vk: b64.encode(await readFile(artifacts.path('vk.key'))),
    verifierSrs: b64.encode(await readFile(artifacts.path('verifier.srs'))),
    proof,
    public: values,
    floatReference: { outputs: [] },
    quantization: [],
    timings: {},
  };
}
