import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getAddress, id, parseEther, type Contract, type Signer } from 'ethers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChainContext } from '../../src/chain/chainContext.js';
import { attestModel, attestVerifierCode, readModel, ZERO } from '../../src/market/attestModel.js';
import { deployVerifier, deployVkaStore } from '../../src/verifier/deployVerifier.js';
import { emitEvmVerifier } from '../../src/engine/emitEvmVerifier.js';
import { postTask } from '../../src/market/postTask.js';
import { readTask, registerModel } from '../../src/market/market.js';
import {
  claimTask,
  commitAndSubmit,
  proofCommitment,
  submitTaskProof,
} from '../../src/market/submitTaskProof.js';
import { runWorker, type WorkerEvent } from '../../src/market/worker.js';
import type { Artifacts } from '../../src/proof/artifacts.js';
import type { ProofBundle } from '../../src/proof/bundle.js';
import { instancesAsUint256, proofBytes } from '../../src/verifier/calldata.js';
import { useAnvil } from '../helpers/anvil.js';
import {
  advanceTime,
  deployTestContract,
  gasCost,
  marketWithMlp,
  revertOf,
} from '../helpers/market.js';
import {
  alterEvaluation,
  fixtureInput,
  provedFixture,
  runCli,
  tempDir,
} from '../helpers/pocompute.js';

const anvil = useAnvil();

/** Each attack on the market, played on anvil against the real mlp verifier and a real proof. */
describe('market v3: attacks and faults that used to pay, block or lose work', () => {
  let chain: ChainContext & { close(): Promise<void> };
  let marketAddress: string;
  let requester: Contract;
  let worker: Contract;
  let attacker: Contract;
  let modelId: string;
  let artifacts: Artifacts;
  let verifierAddress: string;
  let vkHash: string;
  let proof: ProofBundle;
  const account = (i: number) => anvil().accounts[i];
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
  const submitRaw = (market: Contract, taskId: string, bundle: ProofBundle) =>
    market.submit(BigInt(taskId), proofBytes(bundle), instancesAsUint256(bundle));
  /** Claims with a commitment to `proof` (v3: the reveal must match it, in a later block). */
  const claimCommitted = async (market: Contract, taskId: bigint | string, proof: string) =>
    claimTask(market, taskId, proofCommitment(taskId, await signerOf(market), proof));
  /** A fake proof for a yes-verifier: its first 64 bytes name it (the market's proof key). */
  const fakeProof = (byte: string) => `0x${byte.repeat(64)}`;
  /** The mlp input as the field elements a task commits to. */
  const mlpFelts = () => instancesAsUint256(proof).slice(0, 4);
  /** Posts straight to the contract, as an attacker would, skipping the CLI's checks. */
  const postRaw = async (market: Contract, model: string, consumer = ZERO) => {
    const now = (await chain.provider.getBlock('latest'))!.timestamp;
    const receipt = await (
      await market.postTask(BigInt(model), mlpFelts(), now + 3600, consumer, {
        value: parseEther('0.05'),
      })
    ).wait();
    expect(receipt!.status).toBe(1);
    return (await market.taskCount()) - 1n;
  };
  const registerRaw = async (market: Contract, verifier: string, numInputs = 4) => {
    await (await market.registerModel(verifier, ZERO, vkHash, numInputs, 3, 'fake')).wait();
    return String((await market.modelCount()) - 1n);
  };

  beforeAll(async () => {
    const keys = [0, 1, 2].map((i) => account(i).privateKey);
    const setup = await marketWithMlp(anvil().rpcUrl, keys);
    ({ chain, modelId, artifacts } = setup);
    marketAddress = setup.address;
    [requester, worker, attacker] = await Promise.all([0, 1, 2].map(setup.as));
    verifierAddress = setup.registered.verifier.verifier.address;
    vkHash = `0x${artifacts.manifest.files['vk.key']}`;
    proof = (await provedFixture('mlp')).bundle;
    return () => chain.close();
  });

  it('sets the deadline from the wall clock, not from the last block of an idle chain', async () => {
    await new Promise((r) => setTimeout(r, 2500)); // no block is mined meanwhile
    const before = Math.floor(Date.now() / 1000);
    const { taskId, deadline } = await post({ deadlineSeconds: 300 });
    expect(deadline).toBeGreaterThanOrEqual(before + 300);
    expect(Number((await requester.getTask(BigInt(taskId))).deadline)).toBe(deadline);
  });

  it('refuses a model whose verifier says yes to anything: post, show and the worker', async () => {
    const fake = await deployTestContract(
      'test/FakeVerifiers.sol',
      'AlwaysTrueVerifier',
      account(2).privateKey,
      chain.provider,
    );
    const fakeModel = await registerRaw(attacker, await fake.getAddress());
    await expect(post({ modelId: fakeModel })).rejects.toMatchObject({
      code: 'VERIFIER_UNTRUSTED',
      exitCode: 1,
    });
    // A task on it, posted past the CLI, with outputs [1,2,3] "verified" by the fake.
    const taskId = await postRaw(attacker, fakeModel);
    await claimCommitted(attacker, taskId, fakeProof('00'));
    await (await attacker.submit(taskId, fakeProof('00'), [...mlpFelts(), 1n, 2n, 3n])).wait();
    const rpc = ['--rpc', anvil().rpcUrl, '--market', marketAddress, '--json'];
    const shown = await runCli(['task', 'show', String(taskId), ...rpc]);
    expect(shown.code).toBe(1);
    expect(shown.json().error.code).toBe('VERIFIER_UNTRUSTED');
    expect(shown.json().error.message).toMatch(/not EZKL [0-9.]+'s single verifier.*bytes/);
    expect(shown.stdout).not.toMatch(/outputs/);
    const posted = await runCli([
      ...['task', 'post', '--model', fakeModel, '--input', fixtureInput('mlp'), '--reward', '1'],
      ...rpc,
    ]);
    expect(posted.code).toBe(1);
    expect(posted.json().error.code).toBe('VERIFIER_UNTRUSTED');
    // The worker does not spend a claim or a proof on such a task (real tasks: reward too low).
    const other = await postRaw(attacker, fakeModel);
    const events = await runOnce(worker, account(1).address, { minRewardWei: parseEther('1000') });
    expect(events).toContainEqual(
      expect.objectContaining({
        event: 'skipped',
        taskId: String(other),
        reason: expect.stringMatching(/verifier fails attestation/),
      }),
    );
    expect((await requester.getTask(other)).claimant).toBe(ZERO);
  });

  it('refuses a forwarding verifier before it is switched to always-true (its code is not EZKL)', async () => {
    const switchable = await deployTestContract(
      'test/FakeVerifiers.sol',
      'SwitchableVerifier',
      account(2).privateKey,
      chain.provider,
      [verifierAddress],
    );
    const proxied = await registerRaw(attacker, await switchable.getAddress());
    // It still forwards to the real verifier, and still it is refused.
    await expect(post({ modelId: proxied })).rejects.toMatchObject({
      code: 'VERIFIER_UNTRUSTED',
    });
    await expect(attestModel({ market: worker, modelId: proxied })).rejects.toThrow(
      /SwitchableVerifier|not EZKL/,
    );
  });

  it('a reusable verifier (EZKL 23: its VKA is calldata) is registered with a VKA store, attested, and pays only a valid proof', async () => {
    const registered = await registerModel({
      chain,
      market: requester,
      artifacts,
      layout: 'reusable',
    });
    const model = await readModel(requester, registered.modelId);
    expect(model.vka).not.toBe(ZERO);
    // The VKA is registered once, by the market's registerModel; the deploy step leaves it to it.
    const registrations = await chain.provider.getLogs({
      address: model.verifier,
      topics: [id('VkaRegistered(address,bytes32,bytes32[])')],
      fromBlock: 0,
    });
    expect(registrations.map((l) => getAddress(`0x${l.topics[1].slice(26)}`))).toEqual([
      getAddress(marketAddress),
    ]);
    expect(registered.verifier.vka).toBeUndefined();
    // A later deploy-verifier of the same key reuses that verifier and completes its record.
    const standalone = await deployVerifier({ artifacts, chain, layout: 'reusable' });
    expect(standalone.reused).toBe(true);
    expect(standalone.verifier.address).toBe(model.verifier);
    expect(standalone.vka?.digest).toMatch(/^0x[0-9a-f]{64}$/);
    await expect(
      attestModel({ market: worker, modelId: registered.modelId }),
    ).resolves.toBeDefined();
    // The reusable verifier and the attestation: its code is EZKL's, the store holds this key's VKA.
    const attest = (verifier: string, vka: string) =>
      attestVerifierCode({ provider: chain.provider, artifacts, verifier, vka, what: 'model' });
    await expect(attest(model.verifier, model.vka)).resolves.toEqual({ layout: 'reusable' });
    await expect(attest(verifierAddress, model.vka)).rejects.toThrow(
      /not EZKL [0-9.]+'s reusable verifier/,
    );
    const { vka: words } = await emitEvmVerifier(artifacts, { layout: 'reusable' });
    const otherWords = [...words!];
    otherWords[3] = `0x${'11'.repeat(32)}`;
    const otherStore = await deployVkaStore(chain, otherWords);
    await expect(attest(model.verifier, otherStore.address)).rejects.toThrow(
      /VKA store .* does not hold the verifying-key artifact/,
    );
    // A task of the reusable model: a wrong proof reverts, the honest one is paid.
    const fresh = (await provedFixture('mlp')).bundle;
    const wrong = structuredClone(fresh);
    alterEvaluation(wrong.proof as never);
    const refused = await post({ modelId: registered.modelId });
    await claimCommitted(worker, refused.taskId, proofBytes(wrong));
    await chain.provider.send('evm_mine', []);
    expect(await revertOf(worker, submitRaw(worker, refused.taskId, wrong))).toMatch(
      /InvalidProof/,
    );
    const { taskId } = await post({ modelId: registered.modelId });
    const before = await balance(account(1).address);
    const claim = await claimTask(worker, taskId);
    const { commit, submit } = await commitAndSubmit(
      worker,
      taskId,
      proofBytes(fresh),
      instancesAsUint256(fresh),
      account(1).address,
    );
    const gas = await gasCost(chain.provider, [claim.hash, commit!.hash, submit.hash]);
    expect((await balance(account(1).address)) - before + gas).toBe(parseEther('0.05'));
    expect((await readTask(requester, taskId)).status).toBe('done');
  });

  it('refuses to pay through a verifier whose code changed after registration', async () => {
    const { taskId } = await post();
    const original = await chain.provider.getCode(verifierAddress);
    const fake = await deployTestContract(
      'test/FakeVerifiers.sol',
      'AlwaysTrueVerifier',
      account(2).privateKey,
      chain.provider,
    );
    // A metamorphic verifier: same address, new code (anvil_setCode plays CREATE2 + selfdestruct).
    await chain.provider.send('anvil_setCode', [
      verifierAddress,
      await chain.provider.getCode(await fake.getAddress()),
    ]);
    try {
      await expect(attestModel({ market: worker, modelId })).rejects.toMatchObject({
        code: 'VERIFIER_UNTRUSTED',
      });
      // Committed (else NotCommitted): the reveal reaches the verifier check.
      await claimCommitted(worker, taskId, proofBytes(proof));
      expect(await revertOf(worker, submitRaw(worker, taskId, proof))).toMatch(/VerifierChanged/);
    } finally {
      await chain.provider.send('anvil_setCode', [verifierAddress, original]);
    }
  });

  it('never lets a consumer block the payment: no code, reverting, gas-burning, return-data bomb', async () => {
    await expect(
      post({ consumer: '0x000000000000000000000000000000000000dEaD' }),
    ).rejects.toMatchObject({ code: 'OPTION_INVALID' });
    expect(
      await revertOf(
        requester,
        postRaw(requester, modelId, '0x000000000000000000000000000000000000dEaD'),
      ),
    ).toMatch(/ConsumerHasNoCode/);
    const burner = await deployTestContract(
      'test/FakeVerifiers.sol',
      'GasBurningConsumer',
      account(0).privateKey,
      chain.provider,
    );
    const { taskId } = await post({ consumer: await burner.getAddress() });
    const before = await balance(marketAddress);
    const receipt = await submitTaskProof(worker, taskId, proof, account(1).address);
    expect(before - (await balance(marketAddress))).toBe(parseEther('0.05'));
    expect(Number(receipt.submitGas)).toBeLessThan(1_500_000); // the burner got its cap, no more
    // The callback path on its own (a yes-verifier model, so no proof is spent on each case): a
    // return-data bomb and a consumer whose code is gone by submit time (selfdestructed, say).
    const fake = await deployTestContract(
      'test/FakeVerifiers.sol',
      'AlwaysTrueVerifier',
      account(2).privateKey,
      chain.provider,
    );
    const yesModel = await registerRaw(requester, await fake.getAddress());
    for (const [i, name] of ['ReturnBombConsumer', 'GasBurningConsumer'].entries()) {
      const consumer = await deployTestContract(
        'test/FakeVerifiers.sol',
        name,
        account(0).privateKey,
        chain.provider,
      );
      const address = await consumer.getAddress();
      const id = await postRaw(requester, yesModel, address);
      if (i === 1) await chain.provider.send('anvil_setCode', [address, '0x']);
      const oneProof = fakeProof(`0${i + 1}`);
      await claimCommitted(worker, id, oneProof);
      const paid = await balance(marketAddress);
      await (await worker.submit(id, oneProof, [...mlpFelts(), 1n, 2n, 3n])).wait();
      // Out go the reward and the claimant's bond (the task's own, 10% of it), returned.
      const bond = (await readTask(requester, id)).claimBondWei;
      expect(bond).toBe(parseEther('0.005'));
      expect(paid - (await balance(marketAddress)), name).toBe(parseEther('0.05') + bond);
    }
    // A worker cannot starve the consumer of its gas cap on purpose and still be paid.
    const starved = await postRaw(requester, yesModel, await burner.getAddress());
    await claimCommitted(worker, starved, fakeProof('03'));
    await chain.provider.send('evm_mine', []); // the reveal comes in a later block than the commitment
    const call = worker.submit.staticCall(starved, fakeProof('03'), [...mlpFelts(), 1n, 2n, 3n], {
      gasLimit: 300_000,
    });
    expect(await revertOf(worker, call)).toMatch(/NotEnoughGasForCallback/);
  });

  it('a lapsed claim loses its bond to the task, cannot be renewed, and lets the requester cancel', async () => {
    // The last proof was revealed: a commitment to it now would be refused (ProofAlreadyPaid).
    proof = (await provedFixture('mlp')).bundle;
    const first = await post();
    const second = await post();
    // A task's bond is fixed when it is posted: 10% of the reward (above the 0.001 ETH minimum).
    const bond = (await readTask(requester, first.taskId)).claimBondWei;
    expect(bond).toBe(parseEther('0.005'));
    await claimTask(attacker, first.taskId);
    await claimTask(attacker, second.taskId);
    expect(await revertOf(requester, requester.cancel(BigInt(second.taskId)))).toMatch(
      /AlreadyClaimed/,
    );
    await advanceTime(chain.provider, 601);
    // The hog cannot take the task again, with or without a bond...
    await expect(claimTask(attacker, first.taskId)).rejects.toThrow(/ClaimLapsedBefore/);
    // ...another worker can, and is paid the reward plus the hog's bond (its own bond returned).
    const before = await balance(account(1).address);
    const claim = await claimTask(worker, first.taskId);
    const { commit, submit } = await commitAndSubmit(
      worker,
      first.taskId,
      proofBytes(proof),
      instancesAsUint256(proof),
      account(1).address,
    );
    const gas = await gasCost(chain.provider, [claim.hash, commit!.hash, submit.hash]);
    expect((await balance(account(1).address)) - before + gas).toBe(parseEther('0.05') + bond);
    // The requester cancels the other task as soon as the claim has lapsed, and gets the bond too.
    const requesterBefore = await balance(account(0).address);
    const cancel = await (await requester.cancel(BigInt(second.taskId))).wait();
    const cancelGas = await gasCost(chain.provider, [cancel!.hash]);
    expect((await balance(account(0).address)) - requesterBefore + cancelGas).toBe(
      parseEther('0.05') + bond,
    );
  });

  it('pays a proof once: a proof copied from a finished task earns nothing on a new task', async () => {
    // `proof` was paid on the last test's task; its calldata is public. v2 refused its second
    // reveal anywhere (a global paid set); v3 refuses a commitment made after it was revealed,
    // which is every commitment a copier can make to it. The copier commits properly, in an
    // earlier block than its reveal, and is still refused.
    const replay = await post();
    const copied = proofBytes(proof);
    await claimCommitted(attacker, replay.taskId, copied);
    const reputation = await requester.verifiedTasks(account(2).address);
    expect(await revertOf(attacker, submitRaw(attacker, replay.taskId, proof))).toMatch(
      /ProofAlreadyPaid/,
    );
    // Bytes appended to the copy make new bytes, not a new proof (each committed to in turn).
    const instances = instancesAsUint256(proof);
    for (const pad of ['00', '00'.repeat(32)]) {
      const padded = `${copied}${pad}`;
      const commitment = proofCommitment(replay.taskId, account(2).address, padded);
      await (await attacker.commitProof(BigInt(replay.taskId), commitment)).wait();
      expect(
        await revertOf(attacker, attacker.submit(BigInt(replay.taskId), padded, instances)),
      ).toMatch(/ProofAlreadyPaid/);
    }
    expect(await requester.verifiedTasks(account(2).address)).toBe(reputation);
    expect((await requester.getTask(BigInt(replay.taskId))).status).toBe(1n);
  });

  it('refuses a model with no public inputs (a task would pay a proof of any input)', async () => {
    expect(await revertOf(attacker, registerRaw(attacker, verifierAddress, 0))).toMatch(/BadModel/);
  });

  it('the worker skips, with a reason, a reward below its minimum and a task it cannot finish in time', async () => {
    const small = await post({ rewardEth: '0.001' });
    const events = await runOnce(worker, account(1).address, { minRewardWei: parseEther('1000') });
    expect(events).toContainEqual({
      event: 'skipped',
      taskId: small.taskId,
      reason: expect.stringMatching(/below the minimum/),
    });
    const short = await post({ deadlineSeconds: 60 });
    const stateFile = join(tempDir(), 'slow.json');
    await writeFile(
      stateFile,
      JSON.stringify({
        version: 2,
        nextBlock: 0,
        pending: [],
        handled: {},
        proveMs: { [artifacts.manifest.key]: 400_000 },
      }),
    );
    const slow = await runOnce(worker, account(1).address, { stateFile });
    expect(slow).toContainEqual({
      event: 'skipped',
      taskId: short.taskId,
      reason: expect.stringMatching(/too little time/),
    });
  });

  it('rejects numbers that do not fit as usage errors (exit 2, one line), never exit 4 or 5', async () => {
    const huge = join(tempDir(), 'huge.json');
    await writeFile(huge, '{"input_data": [[1e308, 0, 0, 0]]}');
    const rpc = ['--rpc', anvil().rpcUrl, '--json'];
    const task = ['task', 'post', '--model', modelId, '--market', marketAddress, ...rpc];
    const mlp = ['--input', fixtureInput('mlp')];
    for (const args of [
      [...task, '--reward', '0.01', '--input', huge],
      [...task, '--reward', '0.01', ...mlp, '--deadline', '1e20d'],
      [...task, '--reward', '0.01', ...mlp, '--deadline', '99999999999999999999d'],
      [...task, '--reward', '1e400', ...mlp],
      [...task, '--reward', '99999999999999999999999999999999999999999999999999', ...mlp],
      ['market', 'deploy', '--claim-ttl', '1e30', ...rpc],
      ['market', 'deploy', '--claim-bond', '1e30', ...rpc],
    ]) {
      const result = await runCli(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.json().error.message.split('\n')).toHaveLength(1);
    }
  });
});

/** The address of the signer a market contract sends from. */
const signerOf = (market: Contract) => (market.runner as unknown as Signer).getAddress();

/** Runs the worker once over every task posted so far, and returns what it logged. */
async function runOnce(
  market: Contract,
  address: string,
  extra: Partial<Parameters<typeof runWorker>[0]> = {},
): Promise<WorkerEvent[]> {
  const events: WorkerEvent[] = [];
  await runWorker({
    market,
    worker: address,
    networkKey: 'test',
    signal: new AbortController().signal,
    stateFile: join(tempDir(), 'worker.json'),
    once: true,
    log: (e) => events.push(e),
    ...extra,
  });
  return events;
}
