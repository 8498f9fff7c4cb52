import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeWorkDir } from '../../core/tempDirs.js';
import { checkArtifactSrs } from '../../proof/artifacts.js';
import type { ProofBundle } from '../../proof/bundle.js';
import { getPythonEngine } from '../../engine/pythonEngine.js';
import { feltFromHexLE } from '../../proof/felts.js';
import type { StagedArtifacts } from '../../proof/stagedArtifacts.js';
import type { StageInput } from './witnessStages.js';

export interface StageProof {
  /** EZKL's proof JSON, unchanged (usable with encodeVerifierCalldata and the stage's verifier). */
  proof: ProofBundle['proof'];
  instances: bigint[];
}

/**
 * Proves stage `k` with native EZKL, in its own Python process (several stages prove in parallel,
 * one process each), from the witness witnessStages already made for it — gen_witness runs once
 * per stage — or, given only the stage's input, from a witness made here.
 */
export async function proveStage(
  staged: StagedArtifacts,
  k: number,
  from: { input: StageInput; witness?: Uint8Array },
): Promise<StageProof> {
  const artifacts = staged.stages[k];
  const engine = await getPythonEngine();
  await checkArtifactSrs(artifacts);
  const work = await makeWorkDir('pocompute-prove');
  try {
    const at = (file: string) => join(work.path, file);
    const compiled = artifacts.path('model.compiled');
    const witnessOp = [];
    if (from.witness) await writeFile(at('witness.json'), from.witness);
    else {
      await writeFile(at('input.json'), JSON.stringify(from.input));
      witnessOp.push({
        op: 'gen_witness',
        args: { data: at('input.json'), compiled, witness: at('witness.json') },
      });
    }
    await engine.run([
      ...witnessOp,
      {
        op: 'prove',
        args: {
          witness: at('witness.json'),
          compiled,
          pk: artifacts.path('pk.key'),
          proof: at('proof.json'),
          srs: artifacts.manifest.srs.path,
        },
      },
    ]);
    const proof = JSON.parse(await readFile(at('proof.json'), 'utf8')) as ProofBundle['proof'];
    return { proof, instances: (proof.instances[0] ?? []).map(feltFromHexLE) };
  } finally {
    await work.remove();
  }
}
