import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { keccak256, parseEther, Wallet, type Contract } from 'ethers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChainContext } from '../../src/chain/chainContext.js';
import { TaskKind } from '../../src/chain/generated/contracts.js';
import { revertName } from '../../src/chain/provider.js';
import { ZERO } from '../../src/market/attestModel.js';
import { challengeStage } from '../../src/market/challengeStage.js';
import { readTask, registerModel, sendMarketTx } from '../../src/market/market.js';
import { postOptimisticTask } from '../../src/market/postOptimisticTask.js';
import { postTask } from '../../src/market/postTask.js';
import { readResult } from '../../src/market/readResult.js';
import { registerPipeline } from '../../src/market/registerPipeline.js';
import { respondChallenge } from '../../src/market/respondChallenge.js';
import { submitResult } from '../../src/market/submitResult.js';
import {
  claimTask,
  commitAndSubmit,
  proofCommitment,
  submitTaskProof,
} from '../../src/market/submitTaskProof.js';
import { runWorker, type WorkerEvent, type WorkerParams } from '../../src/market/worker.js';
import type { Artifacts } from '../../src/proof/artifacts.js';
import type { ProofBundle } from '../../src/proof/bundle.js';
import { instancesAsUint256, proofBytes } from '../../src/verifier/calldata.js';
import { useAnvil } from '../helpers/anvil.js';
import {
  advanceTime,
  deployTestContract,
  gasCost,
  gasPaidBy,
  marketAs,
  marketWithMlp,
  revertOf,
} from '../helpers/market.js';
import { minedRevert, pendingCall, sendCopy, withAutomineOff } from '../helpers/mempool.js';
import { fixtureInput, provedFixture, tempDir } from '../helpers/pocompute.js';

const anvil = useAnvil();

/** BN254's scalar field: no proof can carry a public value at or above it. */
const FIELD_MODULUS =
  21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const REWARD = parseEther('0.05');
/** The task's claim bond: 10% of the reward (the market's default claimBondBps). */
const BOND = parseEther('0.005');

/**
 * A public chain's mempool, played on anvil with real mlp proofs: automine is off, the honest
 * transaction is sent, a copier reads it from the pending block and sends its copy with a higher
 * tip, and one block mines both — the copy first. Each test names the Market v2 behaviour (commit
 * 1daed86) it would have caught.
 */
describe('mempool copycats (automine off, the copy at a higher tip mined first)', () => {
  let chain: ChainContext & { close(): Promise<void> };
  let requester: Contract;
  let worker: Contract;
  let attacker: Contract;
  let copier: Wallet;
  let modelId: string;
  let artifacts: Artifacts;
  const account = (i: number) => anvil().accounts[i];
  const honest = () => account(1).address;
  const balance = (address: string) => chain.provider.getBalance(address);
  const post = (overrides: Partial<Parameters<typeof postTask>[0]> = {}) =>
    postTask({
      market: requester,
      modelId,
      input: fixtureInput('mlp'),
      rewardEth: '0.05',
      deadlineSeconds: 3600,
      ...overrides,
    });
  /** A fresh proof of the mlp on its fixture input: its calldata, never seen on chain yet. */
  const freshProof = async () => {
    const { bundle } = await provedFixture('mlp');
    return { proof: proofBytes(bundle), instances: instancesAsUint256(bundle) };
  };
  /**
   * The honest worker reveals its committed proof (pocompute's commitAndSubmit) while automine is
   * off; `copy` runs once the reveal is pending, then one block is mined. Both outcomes are
   * returned, the honest one settled (fulfilled or not).
   */
  const honestRevealWithCopy = async (
    taskId: string,
    reveal: { proof: string; instances: bigint[] },
    copy: (pending: Awaited<ReturnType<typeof pendingCall>>) => Promise<string[]>,
  ) =>
    withAutomineOff(chain.provider, async () => {
      const honestReveal = commitAndSubmit(
        worker,
        taskId,
        reveal.proof,
        reveal.instances,
        honest(),
      ).then(
        (sent) => ({ sent }),
        (error: unknown) => ({ error }),
      );
      const pending = await pendingCall(chain.provider, worker, honest(), 'submit');
      const copies = await copy(pending);
      await chain.provider.send('evm_mine', []);
      const outcome = await honestReveal;
      if ('error' in outcome) throw outcome.error;
      return { sent: outcome.sent, pending, copies };
    });
  /** Where a mined transaction sits: its block and its index in it. */
  const position = async (hash: string) => {
    const receipt = (await chain.provider.getTransactionReceipt(hash))!;
    return { block: receipt.blockNumber, index: receipt.index, status: receipt.status };
  };

  /**
   * The copier's decoy: a task of its own (same model and input, a tiny reward) that it claims,
   * committing beforehand to a proof of its own — it cannot know the honest proof before its reveal.
   */
  const claimedDecoy = async (overrides: Partial<Parameters<typeof postTask>[0]> = {}) => {
    const decoy = await post({ ...overrides, market: attacker, rewardEth: '0.0001' });
    await claimTask(
      attacker,
      decoy.taskId,
      proofCommitment(decoy.taskId, copier.address, `0x${'ee'.repeat(64)}`),
    );
    return decoy;
  };
  /** The pending honest submit retargeted: its proof and instances, submitted on `taskId`. */
  const retargetedSubmit = (pending: { input: string }, taskId: string) => {
    const { args } = worker.interface.parseTransaction({ data: pending.input })!;
    return worker.interface.encodeFunctionData('submit', [
      BigInt(taskId),
      args.proof,
      args.instances,
    ]);
  };

  beforeAll(async () => {
    const keys = [0, 1, 2, 3].map((i) => account(i).privateKey);
    const setup = await marketWithMlp(anvil().rpcUrl, keys);
    ({ chain, modelId, artifacts } = setup);
    [requester, worker, attacker] = await Promise.all([0, 1, 2].map(setup.as));
    copier = new Wallet(account(2).privateKey, chain.provider);
    return () => chain.close();
  });

  it('a copied submit (verbatim, higher tip, mined first) is refused and the honest submit in the same block pays the honest worker', async () => {
    // v2 already refused this copy (NotClaimant) — kept as the baseline of the attacks below. What
    // v2 fails here is the payout: v2's claim bond was a flat 0.001 ETH, not the task's 10%, so
    // "reward + claim bond" back to the worker is 0.051 ETH there, not 0.055.
    const { taskId } = await post();
    const reveal = await freshProof();
    await claimTask(worker, taskId, proofCommitment(taskId, honest(), reveal.proof));
    expect((await readTask(requester, taskId)).claimBondWei).toBe(BOND);
    const before = { honest: await balance(honest()), copier: await balance(copier.address) };

    const { sent, pending, copies } = await honestRevealWithCopy(taskId, reveal, async (p) => [
      (await sendCopy(copier, p)).hash,
    ]);
    expect(pending.input).toBe(
      worker.interface.encodeFunctionData('submit', [
        BigInt(taskId),
        reveal.proof,
        reveal.instances,
      ]),
    );
    const copy = await position(copies[0]);
    const real = await position(sent.submit.hash);
    // Same block, the copy first, and refused.
    expect(copy.block).toBe(real.block);
    expect(copy.index).toBeLessThan(real.index);
    expect(copy.status).toBe(0);
    expect(await minedRevert(attacker, copies[0])).toBe('NotClaimant');
    expect(real.status).toBe(1);

    // The honest worker got the reward and its bond back; the copier lost its gas, nothing more.
    const task = await readTask(requester, taskId);
    expect(task).toMatchObject({ status: 'done', worker: honest() });
    const honestGas = await gasCost(chain.provider, [sent.submit.hash]);
    expect((await balance(honest())) - before.honest + honestGas).toBe(REWARD + BOND);
    const copierGas = await gasCost(chain.provider, copies);
    expect(before.copier - (await balance(copier.address))).toBe(copierGas);
    expect(await requester.verifiedTasks(copier.address)).toBe(0n);
  });

  it("a copied submit retargeted to the copier's own decoy task is refused (CommitmentMismatch), and the honest submit still pays", async () => {
    // v2 (no commitment; a global "paid once" set checked at reveal): the retargeted copy, mined
    // first, was paid on the decoy, and the honest submit in the same block then reverted with
    // ProofAlreadyPaid — the worker lost the task's reward and was left with a dead claim.
    const decoy = await claimedDecoy();
    const { taskId } = await post();
    const reveal = await freshProof();
    await claimTask(worker, taskId, proofCommitment(taskId, honest(), reveal.proof));
    const before = await balance(honest());

    const { sent, copies } = await honestRevealWithCopy(taskId, reveal, async (p) => {
      // Retargeted: the honest proof and instances, read from the pending calldata, on the decoy.
      return [(await sendCopy(copier, p, { input: retargetedSubmit(p, decoy.taskId) })).hash];
    });
    const copy = await position(copies[0]);
    const real = await position(sent.submit.hash);
    expect(copy.block).toBe(real.block);
    expect(copy.index).toBeLessThan(real.index);
    expect(copy.status).toBe(0);
    expect(await minedRevert(attacker, copies[0])).toBe('CommitmentMismatch');
    expect(real.status).toBe(1);

    expect(await readTask(requester, decoy.taskId)).toMatchObject({ status: 'open', worker: ZERO });
    expect(await readTask(requester, taskId)).toMatchObject({ status: 'done', worker: honest() });
    const honestGas = await gasCost(chain.provider, [sent.submit.hash]);
    expect((await balance(honest())) - before + honestGas).toBe(REWARD + BOND);
  });

  it('on a model with the reusable verifier (its key in a VKA store) too: a verbatim copy and a copy retargeted to a decoy, both mined first, are refused, and the honest submit pays', async () => {
    // The reusable payout path reads the key from the model's VKA store and calls the shared
    // verifier with a low-level call: the front-running rules must hold on it as on the single one.
    const reusable = await registerModel({
      chain,
      market: requester,
      artifacts,
      layout: 'reusable',
    });
    expect(reusable.verifier.layout).toBe('reusable');
    const onReusable = { modelId: reusable.modelId };
    const decoy = await claimedDecoy(onReusable);
    const { taskId } = await post(onReusable);
    const reveal = await freshProof();
    await claimTask(worker, taskId, proofCommitment(taskId, honest(), reveal.proof));
    const before = await balance(honest());

    const { sent, copies } = await honestRevealWithCopy(taskId, reveal, async (p) => {
      const verbatim = (await sendCopy(copier, p)).hash;
      const retargeted = (await sendCopy(copier, p, { input: retargetedSubmit(p, decoy.taskId) }))
        .hash;
      return [verbatim, retargeted];
    });
    const real = await position(sent.submit.hash);
    for (const hash of copies) {
      const copy = await position(hash);
      expect(copy.block).toBe(real.block);
      expect(copy.index).toBeLessThan(real.index);
      expect(copy.status).toBe(0);
    }
    expect(await minedRevert(attacker, copies[0])).toBe('NotClaimant');
    expect(await minedRevert(attacker, copies[1])).toBe('CommitmentMismatch');
    expect(real.status).toBe(1);
    expect(await readTask(requester, decoy.taskId)).toMatchObject({ status: 'open', worker: ZERO });
    expect(await readTask(requester, taskId)).toMatchObject({ status: 'done', worker: honest() });
    const honestGas = await gasCost(chain.provider, [sent.submit.hash]);
    expect((await balance(honest())) - before + honestGas).toBe(REWARD + BOND);
  });

  it('a commitment to the honest proof made after seeing its reveal (even mined before it, in the same block) is refused at the copier’s reveal (ProofAlreadyPaid)', async () => {
    // v2 had no commitment: the copier's reveal on its decoy, mined before the honest one, was
    // paid and the honest reveal reverted (ProofAlreadyPaid). Here the copier does everything a
    // commitment asks — its own task, its own claim, a commitment bound to itself in an earlier
    // block than its reveal — and is refused because the proof was public by then.
    const decoy = await post({ market: attacker, rewardEth: '0.0001' });
    await claimTask(attacker, decoy.taskId);
    const { taskId } = await post();
    const reveal = await freshProof();
    await claimTask(worker, taskId, proofCommitment(taskId, honest(), reveal.proof));
    const before = await balance(honest());

    const { sent, copies } = await honestRevealWithCopy(taskId, reveal, async (p) => {
      const { args } = worker.interface.parseTransaction({ data: p.input })!;
      const commitment = proofCommitment(decoy.taskId, copier.address, args.proof);
      const input = attacker.interface.encodeFunctionData('commitProof', [
        BigInt(decoy.taskId),
        commitment,
      ]);
      return [(await sendCopy(copier, { ...p, gas: 100_000n }, { input })).hash];
    });
    // The copier's commitment is mined first, in the honest reveal's block.
    const commit = await position(copies[0]);
    const real = await position(sent.submit.hash);
    expect([commit.status, real.status]).toEqual([1, 1]);
    expect(commit.block).toBe(real.block);
    expect(commit.index).toBeLessThan(real.index);
    // The proof's key (its first 64 bytes) was first seen in that block: the commitment's own.
    const firstSeen = await attacker.proofFirstSeen(keccak256(`0x${reveal.proof.slice(2, 130)}`));
    expect(firstSeen).toBe(BigInt(real.block));
    expect((await readTask(requester, decoy.taskId)).commitBlock).toBe(real.block);

    // Its reveal, mined in a later block (sent with a gas limit: no estimate to stop it).
    const refused = await sendMarketTx(
      attacker,
      'submit',
      [BigInt(decoy.taskId), reveal.proof, reveal.instances],
      { gasLimit: 3_000_000 },
    ).catch((e: unknown) => e);
    expect(revertName(refused)).toBe('ProofAlreadyPaid');
    expect(await readTask(requester, decoy.taskId)).toMatchObject({ status: 'open', worker: ZERO });
    const honestGas = await gasCost(chain.provider, [sent.submit.hash]);
    expect((await balance(honest())) - before + honestGas).toBe(REWARD + BOND);
  });

  it('a copied claim wins the slot, the honest worker waits (AlreadyClaimed, decoded) instead of giving up, and after the lapse it is paid the reward plus the copier’s forfeited bond', async () => {
    // v2: the worker's mined-and-reverted claim decoded to "no reason given" and the worker
    // skipped the task for good ("claim refused"), so it never collected anything; the copier's
    // bond was a flat 0.001 ETH, not 10% of the reward.
    const from = await chain.provider.getBlockNumber();
    const { taskId } = await post();
    const stateFile = join(tempDir(), 'worker.json');
    await writeFile(
      stateFile,
      JSON.stringify({ version: 2, nextBlock: from + 1, pending: [], handled: {}, proveMs: {} }),
    );
    const before = { honest: await balance(honest()), copier: await balance(copier.address) };

    // The worker (pocompute's runWorker) claims; the copier copies its pending claim.
    const { firstRun, seen, copy } = await withAutomineOff(chain.provider, async () => {
      const running = work({ market: worker, stateFile }, (e) => e.event === 'waiting');
      const seen = await pendingCall(chain.provider, worker, honest(), 'claim');
      const copy = await sendCopy(copier, seen);
      await chain.provider.send('evm_mine', []);
      return { firstRun: await running, seen, copy };
    });
    const copyAt = await position(copy.hash);
    const claimAt = await position(seen.hash);
    expect(copyAt).toMatchObject({ block: claimAt.block, status: 1 });
    expect(copyAt.index).toBeLessThan(claimAt.index);
    expect(claimAt.status).toBe(0);
    expect((await readTask(requester, taskId)).claimant).toBe(copier.address);
    // sendMarketTx replays the mined revert: the worker knows why, and keeps the task.
    expect(firstRun.map((e) => e.event)).not.toContain('skipped');
    expect(firstRun).toContainEqual({
      event: 'waiting',
      taskId,
      reason: expect.stringMatching(new RegExp(`AlreadyClaimed\\(${copier.address}, \\d+\\)`)),
      untilSeconds: 0,
    });
    expect(JSON.stringify(firstRun)).not.toMatch(/no reason given/);

    // The copier does nothing with its claim; it lapses.
    await advanceTime(chain.provider, 601);
    const secondRun = await work({ market: worker, stateFile }, (e) => e.event === 'paid');
    const paid = secondRun.find((e) => e.event === 'paid') as Extract<
      WorkerEvent,
      { event: 'paid' }
    >;
    expect(paid.taskId).toBe(taskId);
    const lapsed = await requester.queryFilter(requester.filters.ClaimLapsed(BigInt(taskId)));
    expect(lapsed.map((e: any) => [e.args.claimant, e.args.bondForfeited])).toEqual([
      [copier.address, BOND],
    ]);

    // The honest worker is ahead: reward + the forfeited bond, minus all its gas (the lost claim
    // race included); the copier lost its bond and its gas.
    // Every transaction the honest worker sent counts (its lost claim, its submit, any retry).
    const honestPaid = await gasPaidBy(chain.provider, honest(), from + 1);
    expect(honestPaid.hashes).toEqual(expect.arrayContaining([seen.hash, ...paid.txHashes]));
    expect((await balance(honest())) - before.honest + honestPaid.gas).toBe(REWARD + BOND);
    const copierGas = await gasCost(chain.provider, [copy.hash]);
    expect(before.copier - (await balance(copier.address))).toBe(BOND + copierGas);
  });

  it('the worker skips, without claiming or sending anything, a task whose input it cannot witness; the contract refuses an input that is not a field element', async () => {
    // v2: postTask took any uint256 (no InputNotInField), and the worker claimed first and met
    // the input only when proving — the bond and a claim were spent on a task no proof can pay.
    const felts = instancesAsUint256((await provedFixture('mlp')).bundle).slice(0, 4);
    const deadline = (await chain.provider.getBlock('latest'))!.timestamp + 3600;
    const postRaw = (inputs: bigint[]) =>
      attacker.postTask(BigInt(modelId), inputs, deadline, ZERO, { value: REWARD });
    expect(await revertOf(attacker, postRaw([FIELD_MODULUS + 5n, ...felts.slice(1)]))).toMatch(
      /InputNotInField\(0\)/,
    );
    expect(
      await revertOf(attacker, postRaw([felts[0], felts[1], FIELD_MODULUS, felts[3]])),
    ).toMatch(/InputNotInField\(2\)/);

    // 10^6 as the mlp's first input (quantized: 10^6 · 2^scale): a field element far outside the
    // range the circuit was calibrated for. `task post` would refuse it; the contract cannot.
    const scale = BigInt(artifacts.manifest.circuit.inputScales[0]);
    const huge = [10n ** 6n * 2n ** scale, ...felts.slice(1)];
    const from = await chain.provider.getBlockNumber();
    const receipt = await (await postRaw(huge)).wait();
    expect(receipt!.status).toBe(1);
    const taskId = String((await requester.taskCount()) - 1n);

    const nonce = await chain.provider.getTransactionCount(honest());
    const before = await balance(honest());
    const stateFile = join(tempDir(), 'worker.json');
    await writeFile(
      stateFile,
      JSON.stringify({ version: 2, nextBlock: from + 1, pending: [], handled: {}, proveMs: {} }),
    );
    const events = await work({ market: worker, stateFile, once: true }, () => false);
    expect(events).toEqual([
      {
        event: 'skipped',
        taskId,
        reason: expect.stringMatching(/^input cannot be proved: .*EZKL cannot witness/),
      },
    ]);
    expect((await readTask(requester, taskId)).claimant).toBe(ZERO);
    expect(await chain.provider.getTransactionCount(honest())).toBe(nonce);
    expect(await balance(honest())).toBe(before);
  });

  it('the consumer takes outputs only from the source it trusts: a Proved task of its model, not of another model id (the worker is paid either way)', async () => {
    // v2's InferenceConsumerExample(market) accepted every task's outputs — any model's, and an
    // optimistic pipeline's — as "the" inference (its callback had no kind to check).
    const consumer = await deployTestContract(
      'InferenceConsumerExample.sol',
      'InferenceConsumerExample',
      account(0).privateKey,
      chain.provider,
      [await requester.getAddress(), TaskKind.indexOf('Proved'), BigInt(modelId)],
    );
    const consumerAddress = await consumer.getAddress();
    // The same circuit registered again: another model id, which this consumer never vetted.
    const other = await registerModel({ chain, market: requester, artifacts });
    expect(other.modelId).not.toBe(modelId);

    const trusted = await post({ consumer: consumerAddress });
    const first = (await provedFixture('mlp')).bundle;
    await submitTaskProof(worker, trusted.taskId, first, honest());
    expect(await consumer.calls()).toBe(1n);
    expect(await consumer.lastTaskId()).toBe(BigInt(trusted.taskId));
    const outputs = (await readTask(requester, trusted.taskId)).outputs;
    expect(outputs).toEqual(instancesAsUint256(first).slice(4).map(String));
    expect(((await consumer.outputs()) as bigint[]).map(String)).toEqual(outputs);

    const untrusted = await post({ modelId: other.modelId, consumer: consumerAddress });
    const before = await balance(honest());
    const second: ProofBundle = (await provedFixture('mlp')).bundle;
    const sent = await submitTaskProof(worker, untrusted.taskId, second, honest());
    const receipt = (await chain.provider.getTransactionReceipt(sent.txHash))!;
    const events = receipt.logs.map((l) => requester.interface.parseLog(l)?.name);
    expect(events).toContain('CallbackFailed');
    expect(await consumer.calls()).toBe(1n);
    expect(await consumer.lastTaskId()).toBe(BigInt(trusted.taskId));
    // The refusal is the consumer's own (UntrustedSource(kind, id)), not a market failure.
    const refusal = await chain.provider
      .call({
        to: consumerAddress,
        from: await requester.getAddress(),
        data: consumer.interface.encodeFunctionData('onInference', [
          BigInt(untrusted.taskId),
          TaskKind.indexOf('Proved'),
          BigInt(other.modelId),
          [],
        ]),
      })
      .catch((e: { data?: string }) => consumer.interface.parseError(e.data ?? '0x'));
    expect(refusal).toMatchObject({ name: 'UntrustedSource' });
    expect((refusal as { args: unknown[] }).args.map(String)).toEqual([
      String(TaskKind.indexOf('Proved')),
      other.modelId,
    ]);
    expect(await readTask(requester, untrusted.taskId)).toMatchObject({
      status: 'done',
      worker: honest(),
    });
    const gas = await gasCost(
      chain.provider,
      [sent.claimTxHash, sent.commitTxHash, sent.txHash].filter((h): h is string => !!h),
    );
    expect((await balance(honest())) - before + gas).toBe(REWARD);
  });

  it('a stage proof copied from a pending respond into the copier’s decoy zk task is refused, and the honest answer still wins the challenge', async () => {
    // v2: respond recorded the proof as paid, and a submit of it on a decoy zk task mined first
    // was paid — after which the honest respond reverted (ProofAlreadyPaid): the worker could not
    // answer the challenge, which was upheld against its worker bond.
    const challenger = await marketAs(
      await requester.getAddress(),
      account(3).privateKey,
      chain.provider,
    );
    // A one-stage pipeline (the mlp itself): its stage proof is an mlp proof of the task's input.
    const { pipelineId } = await registerPipeline({ market: requester, stageModels: [modelId] });
    const task = await postOptimisticTask({
      market: requester,
      pipelineId,
      input: fixtureInput('mlp'),
      rewardEth: '0.05',
      deadlineSeconds: 3600,
      windowSeconds: 600,
      responseSeconds: 600,
      workerBondEth: '0.1',
      challengerBondEth: '0.05',
    });
    const answer = await freshProof();
    await submitResult({
      market: worker,
      taskId: task.taskId,
      worker: honest(),
      outputs: answer.instances.slice(4),
      boundaries: [],
    });
    await challengeStage(challenger, task.taskId, 0);
    // The copier's decoy zk task on the same model and input, claimed and committed to its own.
    const decoy = await post({ market: attacker, rewardEth: '0.0001' });
    await claimTask(
      attacker,
      decoy.taskId,
      proofCommitment(decoy.taskId, copier.address, `0x${'dd'.repeat(64)}`),
    );
    const before = await balance(honest());

    const { respond, copy } = await withAutomineOff(chain.provider, async () => {
      const responding = respondChallenge(worker, task.taskId, answer).then(
        (sent) => ({ sent }),
        (error: unknown) => ({ error }),
      );
      const pending = await pendingCall(chain.provider, worker, honest(), 'respond');
      const { args } = worker.interface.parseTransaction({ data: pending.input })!;
      const input = worker.interface.encodeFunctionData('submit', [
        BigInt(decoy.taskId),
        args.proof,
        args.instances,
      ]);
      const copy = await sendCopy(copier, pending, { input });
      await chain.provider.send('evm_mine', []);
      const outcome = await responding;
      if ('error' in outcome) throw outcome.error;
      return { respond: outcome.sent, copy };
    });
    const copied = await position(copy.hash);
    const answered = await position(respond.txHash);
    expect(copied.block).toBe(answered.block);
    expect(copied.index).toBeLessThan(answered.index);
    expect([copied.status, answered.status]).toEqual([0, 1]);
    expect(await minedRevert(attacker, copy.hash)).toBe('CommitmentMismatch');
    // The challenge is answered: the honest worker got the challenger bond.
    const result = await readResult(requester, task.taskId);
    expect(result.challenger).toBe(ZERO);
    const respondGas = await gasCost(chain.provider, [respond.txHash]);
    expect((await balance(honest())) - before + respondGas).toBe(parseEther('0.05'));

    // Now public, the answer cannot be committed to and paid on the decoy either.
    const commitment = proofCommitment(decoy.taskId, copier.address, answer.proof);
    await sendMarketTx(attacker, 'commitProof', [BigInt(decoy.taskId), commitment]);
    const refused = await sendMarketTx(
      attacker,
      'submit',
      [BigInt(decoy.taskId), answer.proof, answer.instances],
      { gasLimit: 3_000_000 },
    ).catch((e: unknown) => e);
    expect(revertName(refused)).toBe('ProofAlreadyPaid');
    expect(await readTask(requester, decoy.taskId)).toMatchObject({ status: 'open', worker: ZERO });
  });
});

/**
 * Runs the honest worker (account 1's market) until `stop` says so (or one pass, with `once`),
 * from a state file; returns what it logged. A final event other than `paid` (failed, skipped,
 * lost) stops it too: a worker that gives up must fail the test, not hang it.
 */
async function work(
  params: { market: Contract; stateFile: string; once?: boolean },
  stop: (e: WorkerEvent) => boolean,
): Promise<WorkerEvent[]> {
  const events: WorkerEvent[] = [];
  const controller = new AbortController();
  const options: Partial<WorkerParams> = { once: params.once };
  await runWorker({
    market: params.market,
    worker: await (params.market.runner as unknown as Wallet).getAddress(),
    networkKey: 'test',
    signal: controller.signal,
    pollMs: 200,
    stateFile: params.stateFile,
    ...options,
    log: (e) => {
      events.push(e);
      if (stop(e) || ['failed', 'skipped', 'lost'].includes(e.event)) controller.abort();
    },
  });
  return events;
}
