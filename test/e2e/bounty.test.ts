import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Contract, parseEther, Wallet, ZeroAddress } from 'ethers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChainContext } from '../../src/chain/chainContext.js';
import { fixturePath } from '../../src/core/paths.js';
import {
  challengeBountyStep,
  openBounties,
  readBounty,
  readSecret,
  revealBounty,
  settleBounty,
  settleBountyChallenge,
} from '../../src/market/bounty.js';
import { postBounty } from '../../src/market/postBounty.js';
import { bountyModel, compileBountyCircuits } from '../../src/market/bountySpec.js';
import {
  auditBountyRun,
  commitBountyRun,
  prepareBountyWork,
  proveBountyMetric,
  type BountyWork,
} from '../../src/market/workBounty.js';
import { isPocomputeError } from '../../src/core/errors.js';
import { type ProofBundle, readBundle } from '../../src/proof/bundle.js';
import { encodeCalldata } from '../../src/verifier/calldata.js';
import { checkReceiptFile } from '../../src/verifier/checkReceiptFile.js';
import { verifyBundle } from '../../src/verifier/verifyBundle.js';
import { readMlp } from '../../src/prover/training/mlpSpec.js';
import { useAnvil } from '../helpers/anvil.js';
import { advanceTime, gasCost, marketWithMlp, revertOf } from '../helpers/market.js';
import { minedRevert, pendingCall, sendCopy, withAutomineOff } from '../helpers/mempool.js';
import { alterEvaluation, runCli, tempDir } from '../helpers/pocompute.js';

const anvil = useAnvil();

const BASE = fixturePath('real', 'mlp_784_56_10', 'model.onnx');
const REWARD = parseEther('1');
const WORKER_BOND = parseEther('0.1');
const CHALLENGER_BOND = parseEther('0.1');
const MINUTES_10 = 600;

/**
 * Training bounties on anvil with real EZKL proofs: the digits MLP of fixtures/real fine-tuned on
 * its head (the frozen trunk's features computed once, outside the circuits), its accuracy proved
 * on an evaluation set revealed only after the worker committed its run.
 */
describe('training bounties: a proved fine-tune paid for reaching a target on a secret set', () => {
  let chain: ChainContext & { close(): Promise<void> };
  let marketAddress: string;
  let market: Contract;
  /** The bounty contract as each account sees it: 0 requester, 1 worker, 2 challenger, 3 copycat. */
  let as: (i: number) => Contract;
  let dir: string;
  let train: string;
  let evalSet: string;
  const account = (i: number) => anvil().accounts[i];
  const balance = (i: number) => chain.provider.getBalance(account(i).address);
  const cli = (i: number, args: string[]) =>
    runCli([...args, '--rpc', anvil().rpcUrl, '--market', marketAddress, '--json'], {
      POCOMPUTE_PRIVATE_KEY: account(i).privateKey,
    });
  const post = (target: string, challengerBondEth = '0.1') =>
    postBounty({
      chain,
      market,
      bounties: as(0),
      base: BASE,
      data: train,
      eval: evalSet,
      target,
      recipe: { layers: 'head', loss: 'cross-entropy', lr: 0.05, batch: 8, maxSteps: 4 },
      rewardEth: '1',
      workerBondEth: '0.1',
      challengerBondEth,
      commitSeconds: 3600,
      revealSeconds: MINUTES_10,
      proveSeconds: 1800,
      challengeSeconds: MINUTES_10,
      responseSeconds: MINUTES_10,
    });
  const prepare = (bountyId: string) =>
    prepareBountyWork({ bounties: as(1), market, bountyId, base: BASE, data: train });
  /** Commits the run the CLI test trained (one proved step): every bounty here takes it. */
  const commit = (work: BountyWork, tamper?: (t: bigint[]) => bigint[]) =>
    commitBountyRun({ bounties: as(1), work, run, tamperTrajectory: tamper });
  const reveal = async (bountyId: string) =>
    revealBounty({
      bounties: as(0),
      bountyId,
      secret: await readSecret((await secretOf(bountyId))!),
    });
  const secrets = new Map<string, string>();
  /** The bounty the CLI test ran honestly (audited by the forged-step test). */
  let honestId = '';
  let run = '';
  const secretOf = async (id: string) => secrets.get(id);

  beforeAll(async () => {
    const keys = anvil().accounts.map((a) => a.privateKey);
    const setup = await marketWithMlp(anvil().rpcUrl, keys);
    chain = setup.chain;
    marketAddress = setup.address;
    market = await setup.as(0);
    const bounties = await openBounties({ chain, market });
    as = (i: number) =>
      bounties.connect(new Wallet(keys[i], chain.provider)) as unknown as Contract;
    // 64 training rows and 14 evaluation rows of held-out digits (rows 64 and 85 are ones the
    // base model gets wrong: its accuracy on the set is below 0.95).
    dir = tempDir();
    const test = JSON.parse(
      readFileSync(fixturePath('real', 'mlp_784_56_10', 'test.json'), 'utf8'),
    ) as { inputs: number[][]; labels: number[] };
    train = join(dir, 'train.json');
    evalSet = join(dir, 'eval.json');
    writeFileSync(
      train,
      JSON.stringify({ features: test.inputs.slice(0, 64), labels: test.labels.slice(0, 64) }),
    );
    const rows = [...Array.from({ length: 13 }, (_, i) => 64 + i), 85];
    writeFileSync(
      evalSet,
      JSON.stringify({
        features: rows.map((r) => test.inputs[r]),
        labels: rows.map((r) => test.labels[r]),
      }),
    );
    // Both circuits compiled here, under the hook's longer timeout (a fresh machine runs the
    // optimiser's search and makes the keys): every post below finds them compiled.
    const recipe = {
      layers: 'head',
      loss: 'cross-entropy',
      lr: 0.05,
      batch: 8,
      maxSteps: 4,
    } as const;
    await compileBountyCircuits({
      model: bountyModel(
        new Uint8Array(readFileSync(BASE)),
        JSON.parse(readFileSync(train, 'utf8')),
        {
          ...recipe,
          metric: 'accuracy',
          evalRows: 14,
        },
      ),
      recipe: { ...recipe, metric: 'accuracy', evalRows: 14 },
      dir: join(dir, 'circuits'),
    });
    return () => chain.close();
  });

  it('an honest bounty, through the CLI: committed, a challenged step answered, revealed, proved, paid', async () => {
    const posted = await cli(0, [
      'bounty',
      'post',
      '--base',
      BASE,
      '--data',
      train,
      '--eval',
      evalSet,
      '--target',
      'accuracy>=0.75',
      '--reward',
      '1',
      '--max-steps',
      '4',
      '--reveal-time',
      '10m',
      '--prove-time',
      '30m',
      '--challenge-window',
      '10m',
      '--response-time',
      '10m',
      '--worker-bond',
      '0.1',
      '--challenger-bond',
      '0.1',
    ]);
    expect(posted.code, posted.stderr + posted.stdout).toBe(0);
    const id = posted.json().bountyId as string;
    honestId = id;
    secrets.set(id, posted.json().secret);
    const listed = await cli(2, ['bounty', 'list']);
    expect(
      listed.json().bounties.find((b: { bountyId: string }) => b.bountyId === id),
    ).toMatchObject({
      phase: 'open',
      metric: 'accuracy',
      rewardEth: '1.0',
      // ⌈0.75 · 14⌉ rows of the 14, as the contract compares it
      targetText: 'at least 11 of 14 evaluation rows right',
    });
    // The evaluation set cannot be revealed before a worker has committed.
    const early = await cli(0, ['bounty', 'reveal', id]);
    expect(early.code).not.toBe(0);
    expect(early.stderr + early.stdout).toContain('NotCommitted');

    const workerBefore = await balance(1);
    run = join(dir, 'run');
    const worked = await cli(1, [
      'bounty',
      'work',
      id,
      '--base',
      BASE,
      '--data',
      train,
      '--steps',
      '1',
      '--out',
      run,
    ]);
    expect(worked.code, worked.stderr).toBe(0);
    // A challenger doubts step 0; the worker answers with the step's proof and takes its bond.
    await challengeBountyStep(as(2), id, 0);
    const answered = await cli(1, ['bounty', 'respond', id, '--run', run]);
    expect(answered.code, answered.stderr).toBe(0);
    expect(answered.json().answered.map((a: { step: number }) => a.step)).toEqual([0]);

    const revealed = await cli(0, ['bounty', 'reveal', id]);
    expect(revealed.code, revealed.stderr).toBe(0);
    const proved = await cli(1, ['bounty', 'prove', id, '--run', run]);
    expect(proved.code, proved.stderr).toBe(0);
    expect(proved.json().met).toBe(true);
    expect(proved.json().metric).toBeGreaterThanOrEqual(0.75);
    const evalArtifacts = JSON.parse(
      readFileSync(join(run, 'bounty', `${id}.json`), 'utf8'),
    ).evalArtifacts;
    // One verifier: Node's verdict on the evaluation proof (`verify`'s, with the evaluation
    // circuit's artifacts) is the chain's — the registered evaluation verifier's own answer to the
    // same calldata, its VKA read from the market's store — on the proof just sent and on tampered
    // copies of it (no new proof).
    const evalProof = await readBundle(join(run, 'bounty', `${id}-eval-proof.json`));
    const evalModel = await market.getModel((await as(0).getTerms(id)).evalModelId);
    // A VKA store's code is one 0x00 byte, then the words (contracts/libraries/VkaStore.sol).
    const chainVka =
      evalModel.vka === ZeroAddress
        ? undefined
        : ((await chain.provider.getCode(evalModel.vka)).slice(4).match(/.{64}/g) ?? []).map(
            (word) => `0x${word}`,
          );
    expect(chainVka).toEqual(evalProof.verifier.vka);
    const verdicts = async (bundle: ProofBundle) => ({
      node: await verifyBundle({ bundle, artifacts: evalArtifacts }).then(
        (r) => r.valid,
        (error) => {
          // A malformed proof is refused before the EVM (exit 2): not valid.
          if (isPocomputeError(error, 'BUNDLE_INVALID')) return false;
          throw error;
        },
      ),
      chain: await chain.provider
        .call({
          to: evalModel.verifier,
          data: encodeCalldata({ proof: bundle.proof, verifier: { vka: chainVka } }),
        })
        .then(
          // As the bounty contract reads it (PinnedVerifier): the first word is 1, or a refusal.
          (hex) => hex.length >= 66 && BigInt(hex.slice(0, 66)) === 1n,
          () => false,
        ),
    });
    expect(await verdicts(evalProof), 'honest').toEqual({ node: true, chain: true });
    const flipped = structuredClone(evalProof);
    alterEvaluation(flipped.proof as never); // one byte of the proof: well-formed, wrong
    expect(await verdicts(flipped), 'a proof byte flipped').toEqual({ node: false, chain: false });
    const otherMetric = structuredClone(evalProof);
    const row = otherMetric.proof.instances[0] as string[];
    const metricAt = row.length - 1; // the metric, the last public instance (little-endian hex)
    row[metricAt] = (row[metricAt][0] === '0' ? '1' : '0') + row[metricAt].slice(1);
    expect(await verdicts(otherMetric), 'the metric instance changed').toEqual({
      node: false,
      chain: false,
    });
    // Not paid before the challenge window is over.
    expect(await revertOf(as(2), as(2).settle(BigInt(id)))).toContain('ChallengeWindowOpen');
    await advanceTime(chain.provider, MINUTES_10 + 1);
    const settled = await cli(2, ['bounty', 'settle', id]);
    expect(settled.code, settled.stderr).toBe(0);
    expect(settled.json().phase).toBe('paid');
    const spent = await gasCost(chain.provider, [
      worked.json().sealTxHash,
      worked.json().txHash,
      ...answered.json().answered.map((a: { txHash: string }) => a.txHash),
      proved.json().txHash,
    ]);
    expect((await balance(1)) - workerBefore + spent).toBe(REWARD + CHALLENGER_BOND);

    // The requester exports the delivered model: the base model with the committed final weights,
    // exactly the run's.
    const tuned = join(dir, 'tuned.onnx');
    const exported = await cli(0, ['bounty', 'export', id, '--base', BASE, '--out', tuned]);
    expect(exported.code, exported.stderr).toBe(0);
    const head = readMlp(new Uint8Array(readFileSync(tuned))).layers.at(-1)!;
    const final = JSON.parse(readFileSync(join(run, 'weights-final.json'), 'utf8')) as number[][];
    expect(Array.from(head.weights)).toEqual(final[0].map(Math.fround));
    expect(Array.from(head.bias)).toEqual(final[1].map(Math.fround));
    expect(Array.from(head.weights)).not.toEqual(
      Array.from(readMlp(new Uint8Array(readFileSync(BASE))).layers.at(-1)!.weights),
    );

    // The receipt of the paid bounty: base model, data, final weights, metric, proof, transactions.
    const receiptFile = join(dir, 'bounty-receipt.json');
    const written = await cli(1, [
      'receipt',
      join(run, 'bounty', `${id}-eval-proof.json`),
      '--bounty',
      id,
      '--out',
      receiptFile,
    ]);
    expect(written.code, written.stderr).toBe(0);
    const receipt = JSON.parse(readFileSync(receiptFile, 'utf8'));
    expect(receipt.bounty).toMatchObject({ bountyId: id, metric: { kind: 'accuracy', met: true } });
    const check = (r: unknown) =>
      checkReceiptFile({
        receipt: r as never,
        artifacts: evalArtifacts,
        rpc: anvil().rpcUrl,
        market: marketAddress,
      });
    expect((await check(receipt)).verdict).toBe('valid');
    const inflated = structuredClone(receipt);
    inflated.bounty.metric.value += 1;
    expect((await check(inflated)).verdict).toBe('invalid');
  });

  it('a run that misses the target is not paid: the reward goes back, the honest bond too', async () => {
    const posted = await post('accuracy>=0.95');
    secrets.set(posted.bountyId, posted.secret);
    const work = await prepare(posted.bountyId);
    const committed = await commit(work);
    await reveal(posted.bountyId);
    const proved = await proveBountyMetric({ bounties: as(1), bountyId: posted.bountyId, run });
    expect(proved.met).toBe(false);
    expect(proved.metric).toBeLessThan(0.95);
    await advanceTime(chain.provider, MINUTES_10 + 1);
    const [requester, worker] = [await balance(0), await balance(1)];
    const settled = await settleBounty(as(2), posted.bountyId);
    expect(settled.phase).toBe('refunded');
    expect((await balance(0)) - requester).toBe(REWARD);
    expect((await balance(1)) - worker).toBe(WORKER_BOND);
    expect(committed.steps).toBe(1);
  });

  it('a forged step is challenged, cannot be answered, and costs the worker its bond', async () => {
    const posted = await post('accuracy>=0.75');
    const work = await prepare(posted.bountyId);
    // The worker commits a run whose step 0 claims weights its proof does not give.
    await commit(work, (t) => [t[0] + 1n, ...t.slice(1)]);
    // A challenger who holds the base model and the data recomputes the run (witnesses, no
    // proofs) and finds the forged step: it challenges that one, through the CLI.
    const audit = await cli(2, [
      'bounty',
      'audit',
      posted.bountyId,
      '--base',
      BASE,
      '--data',
      train,
      '--challenge',
    ]);
    expect(audit.code, audit.stderr).toBe(0);
    expect(audit.json()).toMatchObject({ steps: 1, firstWrongStep: 0 });
    // An honest run audits clean.
    expect(
      (
        await auditBountyRun({
          bounties: as(2),
          market,
          bountyId: honestId,
          base: BASE,
          data: train,
        })
      ).firstWrongStep,
    ).toBeUndefined();
    await advanceTime(chain.provider, MINUTES_10 + 1);
    const [requester, challenger] = [await balance(0), await balance(2)];
    const upheld = await settleBountyChallenge(as(3), posted.bountyId, 0);
    expect(upheld.step).toBe(0);
    expect((await readBounty(as(0), posted.bountyId)).phase).toBe('failed');
    expect((await balance(2)) - challenger).toBe(CHALLENGER_BOND + WORKER_BOND / 2n);
    expect((await balance(0)) - requester).toBe(REWARD + WORKER_BOND / 2n);
  });

  it('a worker with another base model is refused before any bond', async () => {
    const posted = await post('accuracy>=0.75');
    const other = join(dir, 'other.onnx');
    const bytes = readFileSync(BASE);
    bytes[bytes.length - 1] ^= 1; // one bit of the last weight
    writeFileSync(other, bytes);
    await expect(
      prepareBountyWork({
        bounties: as(1),
        market,
        bountyId: posted.bountyId,
        base: other,
        data: train,
      }),
    ).rejects.toMatchObject({ code: 'BOUNTY_MISMATCH' });
    expect((await readBounty(as(0), posted.bountyId)).phase).toBe('open');
  });

  it('a worker refuses a challenger bond that would not pay for answering a false challenge', async () => {
    // 0.05 ETH is the market's floor (1M gas at 50 gwei); a step proof's respond is 1.4M gas.
    const posted = await post('accuracy>=0.75', '0.05');
    await expect(prepare(posted.bountyId)).rejects.toMatchObject({
      code: 'BOUNTY_INVALID',
      message: /challenger bond \(0\.05 ETH\) is below 0\.1 ETH/,
    });
    const work = await prepareBountyWork({
      bounties: as(1),
      market,
      bountyId: posted.bountyId,
      base: BASE,
      data: train,
      minChallengerBondWei: parseEther('0.05'),
    });
    expect(work.bountyId).toBe(posted.bountyId);
  });

  it('a requester who never reveals pays the worker who committed', async () => {
    const posted = await post('accuracy>=0.75');
    const work = await prepare(posted.bountyId);
    await commit(work);
    await advanceTime(chain.provider, MINUTES_10 + 1);
    const worker = await balance(1);
    const settled = await settleBounty(as(2), posted.bountyId);
    expect(settled.phase).toBe('paid');
    expect((await balance(1)) - worker).toBe(REWARD + WORKER_BOND);
  });

  it("a copy of the pending seal at a higher tip cannot be opened: its bond is the requester's, the honest worker commits after", async () => {
    const posted = await post('accuracy>=0.75');
    const work = await prepare(posted.bountyId);
    const copier = new Wallet(account(3).privateKey, chain.provider);
    const { honestError, copy } = await withAutomineOff(chain.provider, async () => {
      const honest = commit(work).then(
        () => undefined,
        (error: unknown) => error as Error,
      );
      const pending = await pendingCall(chain.provider, as(1), account(1).address, 'seal');
      const sent = await sendCopy(copier, pending);
      await chain.provider.send('evm_mine', []);
      return { honestError: await honest, copy: sent.hash };
    });
    // The copy was mined first and holds the bounty; the honest seal reverted (gas only).
    expect(await minedRevert(as(1), copy)).toBeUndefined();
    expect(String(honestError?.message)).toContain('WrongPhase');
    expect((await readBounty(as(0), posted.bountyId)).worker.toLowerCase()).toBe(
      account(3).address.toLowerCase(),
    );
    // The seal binds the honest worker's address and salt: the copier cannot open it, even with
    // the honest run's hashes (which anyone can recompute) and a salt of its own.
    const link = JSON.parse(readFileSync(join(run, 'bounty', `${posted.bountyId}.json`), 'utf8'));
    expect(
      await revertOf(
        as(3),
        as(3).commit(BigInt(posted.bountyId), link.trajectory.map(BigInt), link.salt),
      ),
    ).toContain('SealMismatch');
    // Unopened in time: its bond goes to the requester and the bounty is open again.
    await advanceTime(chain.provider, MINUTES_10 + 1);
    const requester = await balance(0);
    const settled = await settleBounty(as(2), posted.bountyId);
    expect(settled.phase).toBe('open');
    expect((await balance(0)) - requester).toBe(WORKER_BOND);
    await commit(await prepare(posted.bountyId));
    const view = await readBounty(as(0), posted.bountyId);
    expect(view.phase).toBe('committed');
    expect(view.worker.toLowerCase()).toBe(account(1).address.toLowerCase());
  });
});
