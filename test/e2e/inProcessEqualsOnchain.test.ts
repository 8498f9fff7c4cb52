import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openChain } from '../../src/chain/chainContext.js';
import { isPocomputeError } from '../../src/core/errors.js';
import { findArtifactsByVk } from '../../src/proof/artifactsIndex.js';
import type { CompileResult } from '../../src/proof/artifacts.js';
import { type ProofBundle, readBundle } from '../../src/proof/bundle.js';
import { proveStaged } from '../../src/prover/stages/proveStaged.js';
import { trainRun } from '../../src/prover/training/trainRun.js';
import { encodeCalldata } from '../../src/verifier/calldata.js';
import { deployVerifier } from '../../src/verifier/deployVerifier.js';
import { verifyBundle } from '../../src/verifier/verifyBundle.js';
import { useAnvil } from '../helpers/anvil.js';
import {
  alterEvaluation,
  compiledFixture,
  fixtureInput,
  fixtureModel,
  provedFixture,
  tempDir,
} from '../helpers/pocompute.js';

/**
 * One verifier (issue 22): what `verify` runs in-process is the Solidity verifier that is deployed,
 * so the two verdicts agree — on honest proofs and on tampered and malformed ones, for every
 * fixture, a stage proof and a training step proof. The chain here is a real anvil; the verdict
 * on chain is the deployed verifier's own answer to the bundle's calldata (true, or a revert).
 */
const anvil = useAnvil();

type Verdict = 'valid' | 'invalid';

const tampers: [string, (b: ProofBundle) => void][] = [
  ['honest', () => {}],
  ['an evaluation changed (well-formed, wrong)', (b) => alterEvaluation(b.proof as never)],
  [
    'the last public instance changed',
    (b) => {
      const row = b.proof.instances[0] as string[];
      const last = row.length - 1;
      row[last] = (row[last][0] === '0' ? '1' : '0') + row[last].slice(1);
    },
  ],
  [
    'a commitment byte flipped (off the curve: malformed)',
    (b) => {
      const bytes = b.proof.proof as number[];
      bytes[100] ^= 1;
      b.proof.hex_proof = `0x${Buffer.from(bytes).toString('hex')}`;
    },
  ],
  [
    'the proof cut by one word',
    (b) => {
      const bytes = (b.proof.proof as number[]).slice(0, -32);
      b.proof.proof = bytes;
      b.proof.hex_proof = `0x${Buffer.from(bytes).toString('hex')}`;
    },
  ],
];

describe('one verifier: the in-process verdict is the on-chain verdict', () => {
  let chain: Awaited<ReturnType<typeof openChain>>;
  const cases: { name: string; artifacts: CompileResult; bundle: ProofBundle }[] = [];

  beforeAll(async () => {
    process.env.POCOMPUTE_PRIVATE_KEY = anvil().accounts[0].privateKey;
    chain = await openChain({ rpc: anvil().rpcUrl });
    for (const name of ['mlp', 'cnn', 'two_input']) {
      const { bundle } = await provedFixture(name);
      cases.push({ name, artifacts: await compiledFixture(name), bundle });
    }
    const staged = await proveStaged({
      target: fixtureModel('mlp'),
      input: fixtureInput('mlp'),
      stages: 2,
      out: join(tempDir(), 'mlp.staged.proof'),
    });
    staged.bundle.stages.forEach((bundle, i) => {
      cases.push({ name: `mlp stage ${i}`, artifacts: staged.artifacts.stages[i], bundle });
    });
    const run = join(tempDir(), 'run');
    const manifest = await trainRun({
      model: fixtureModel('mlp'),
      data: 'fixtures/mlp/train.json',
      trainable: 'head',
      loss: 'mse',
      lr: 0.05,
      batch: 8,
      steps: 1,
      out: run,
    });
    const stepArtifacts = await findArtifactsByVk(manifest.stepModel.vkSha256);
    if (!stepArtifacts) throw new Error('the training run left no step artifacts in this home');
    cases.push({
      name: 'training step 0',
      artifacts: stepArtifacts,
      bundle: await readBundle(join(run, manifest.steps[0].proof)),
    });
  });

  it('every fixture, stage and training step: same verdict on honest, tampered and malformed proofs', async () => {
    const rows: string[] = [];
    for (const { name, artifacts, bundle } of cases) {
      // The layout compile chose (single, or reusable + VKA past EIP-170), deployed as is.
      const deployed = await deployVerifier({ artifacts, chain });
      expect(deployed.layout).toBe(bundle.verifier.layout);
      for (const [what, tamper] of tampers) {
        const copy = structuredClone(bundle);
        tamper(copy);
        const local: Verdict = await verifyBundle({ bundle: copy, artifacts })
          .then((r) => (r.valid ? 'valid' : 'invalid'))
          .catch((error) => {
            // A malformed proof is refused before the EVM (exit 2): not valid.
            if (isPocomputeError(error, 'BUNDLE_INVALID')) return 'invalid';
            throw error;
          });
        const onchain: Verdict = await chain.provider
          .call({ to: deployed.verifier.address, data: encodeCalldata(copy) })
          .then(
            // The verifier returns the word 1 for a valid proof and reverts otherwise.
            (hex): Verdict =>
              hex.length >= 66 && BigInt(hex.slice(0, 66)) === 1n ? 'valid' : 'invalid',
            (): Verdict => 'invalid',
          );
        rows.push(
          `${name} (${deployed.layout}) · ${what}: in-process ${local}, on chain ${onchain}`,
        );
        expect(local, `${name} · ${what}`).toBe(onchain);
        expect(local, `${name} · ${what}`).toBe(what === 'honest' ? 'valid' : 'invalid');
      }
    }
    expect(rows).toHaveLength(cases.length * tampers.length);
    expect(cases.length).toBeGreaterThanOrEqual(6);
  });
});
