import {
  Contract,
  JsonRpcProvider,
  keccak256,
  NonceManager,
  parseEther,
  Wallet,
  ZeroHash,
} from 'ethers';
import { beforeAll, describe, expect, it } from 'vitest';
import { ZERO } from '../../src/market/attestModel.js';
import { marketArtifact } from '../../src/market/marketArtifact.js';
import { proofCommitment } from '../../src/market/submitTaskProof.js';
import { useAnvil } from '../helpers/anvil.js';
import { advanceTime, deployTestContract, revertOf } from '../helpers/market.js';

const anvil = useAnvil();

const CLAIM_BOND = parseEther('0.01'); // the minimum; 10% of REWARD is the same
const WORKER_BOND = parseEther('1');
const CHALLENGER_BOND = parseEther('0.05');
const REWARD = parseEther('0.1');
const TERMS = {
  window: 600,
  responseTime: 600,
  workerBond: WORKER_BOND,
  challengerBond: CHALLENGER_BOND,
};

/**
 * Security review (branch review): contract-level attacks on the optimistic market, played on anvil
 * with a yes-to-anything verifier standing in for a stage verifier (the contract logic under test
 * does not depend on what the verifier checks). Each `it` states what the README promises; a red
 * test is a finding.
 */
describe('optimistic market attacks (contract only)', () => {
  let provider: JsonRpcProvider;
  let address: string;
  let modelId: bigint;
  let pipelineId: bigint;
  const signers = new Map<number, NonceManager>();
  const as = (i: number) => {
    const { abi } = marketArtifactCache!;
    if (!signers.has(i))
      signers.set(i, new NonceManager(new Wallet(anvil().accounts[i].privateKey, provider)));
    return new Contract(address, abi, signers.get(i)!);
  };
  /** For a call expected to revert: a nonce manager would count it and leave a gap. */
  const rawAs = (i: number) => {
    signers.get(i)?.reset();
    return new Contract(
      address,
      marketArtifactCache!.abi,
      new Wallet(anvil().accounts[i].privateKey, provider),
    );
  };
  let marketArtifactCache: Awaited<ReturnType<typeof marketArtifact>> | undefined;
  const who = (i: number) => anvil().accounts[i].address;
  const now = async () => (await provider.getBlock('latest'))!.timestamp;
  /** Sends and waits; returns the wei the sender spent on gas. */
  const send = async (p: Promise<{ wait(): Promise<unknown> }>) => {
    const receipt = (await (await p).wait()) as { gasUsed: bigint; gasPrice: bigint };
    return receipt.gasUsed * receipt.gasPrice;
  };
  const INPUTS = [1n, 2n];
  /**
   * respond runs the verifier in a try/catch, which turns an out-of-gas verifier into InvalidProof:
   * a bare estimate can fall short on anvil (the worker sends the estimate plus a quarter,
   * respondChallenge.ts). Seen here once in CI: respond reverted at 116,520 gas.
   */
  const RESPOND_GAS = { gasLimit: 1_000_000 };
  const postOptimistic = async () => {
    const requester = as(0);
    await send(
      requester.postOptimisticTask(pipelineId, INPUTS, (await now()) + 3600, ZERO, TERMS, {
        value: REWARD,
      }),
    );
    return (await requester.taskCount()) - 1n;
  };

  beforeAll(async () => {
    provider = new JsonRpcProvider(anvil().rpcUrl, undefined, { cacheTimeout: -1 });
    marketArtifactCache = await marketArtifact();
    const market = await deployTestContract(
      'PocomputeMarket.sol',
      'PocomputeMarket',
      anvil().accounts[0].privateKey,
      provider,
      // claimTtl, minClaimBond, claimBondBps (10%), minChallengerBond
      [600, CLAIM_BOND, 1_000, CHALLENGER_BOND],
    );
    address = await market.getAddress();
    const yes = await deployTestContract(
      'test/FakeVerifiers.sol',
      'AlwaysTrueVerifier',
      anvil().accounts[0].privateKey,
      provider,
    );
    const owner = as(0);
    await send(
      owner.registerModel(await yes.getAddress(), ZERO, `0x${'11'.repeat(32)}`, 2, 1, 'm'),
    );
    modelId = (await owner.modelCount()) - 1n;
    await send(owner.registerPipeline([modelId]));
    pipelineId = (await owner.pipelineCount()) - 1n;
    return () => provider.destroy();
  });

  it('a cheater who front-runs the watcher with its own challenge of the wrong stage loses half its worker bond, to the requester (settleChallenge splits the forfeited bond)', async () => {
    const taskId = await postOptimistic();
    const cheater = as(1);
    const accomplice = as(2);
    const watcher = as(3);
    const before = (await provider.getBalance(who(1))) + (await provider.getBalance(who(2)));
    let gas = 0n;
    gas += await send(cheater.claim(taskId, ZeroHash, { value: CLAIM_BOND }));
    // A wrong output, stated with the worker bond.
    gas += await send(cheater.submitResult(taskId, [666n], [], { value: WORKER_BOND }));
    // The watcher's challenge of stage 0 is in the mempool; the accomplice's lands first.
    gas += await send(accomplice.challenge(taskId, 0, { value: CHALLENGER_BOND }));
    expect(
      await revertOf(watcher, rawAs(3).challenge(taskId, 0, { value: CHALLENGER_BOND })),
    ).toMatch(/ChallengeOpen/);
    await advanceTime(provider, 601);
    const requesterBefore = await provider.getBalance(who(0));
    gas += await send(accomplice.settleChallenge(taskId));
    const after = (await provider.getBalance(who(1))) + (await provider.getBalance(who(2)));
    const coalitionLoss = before - after - gas;
    // Observed before the fix: the coalition lost only the claim bond (0.01 ETH); the worker bond
    // came back to it through the accomplice. Now the challenger gets its bond and half the worker
    // bond; the other half goes to the requester. (The review asked for the whole worker bond: a
    // challenger must still be paid for catching a lie, so some of it has to go to whoever
    // challenges — and that may be the accomplice. Half is the rule; see the README.)
    expect(coalitionLoss).toBeGreaterThanOrEqual(WORKER_BOND / 2n + CLAIM_BOND);
    expect((await provider.getBalance(who(0))) - requesterBefore).toBe(WORKER_BOND / 2n);
  });

  it("a proof paid by a zk task answers a challenge only from the result's submitter, and is never paid by a zk task again", async () => {
    const worker = as(1);
    const copycat = as(4);
    const challenger = as(3);
    const proof = `0x${'ab'.repeat(64)}${'cd'.repeat(32)}`;
    // A zk task on the same model and input, paid for `proof` (committed with the claim,
    // revealed in the next block).
    await send(worker.postTask(modelId, INPUTS, (await now()) + 3600, ZERO, { value: REWARD }));
    const zkTask = (await worker.taskCount()) - 1n;
    const commitment = proofCommitment(zkTask, who(1), proof);
    await send(worker.claim(zkTask, commitment, { value: CLAIM_BOND }));
    await send(worker.submit(zkTask, proof, [...INPUTS, 7n]));
    const firstSeen = (await worker.proofFirstSeen(ethersKeccakFirst64(proof))) as bigint;
    expect(firstSeen).toBeGreaterThan(0n);
    // An optimistic task with the same input: a copycat states the result it read on chain …
    const taskId = await postOptimistic();
    await send(copycat.claim(taskId, ZeroHash, { value: CLAIM_BOND }));
    await send(copycat.submitResult(taskId, [7n], [], { value: WORKER_BOND }));
    await send(challenger.challenge(taskId, 0, { value: CHALLENGER_BOND }));
    // v2 refused any second use of a paid proof, here with ProofAlreadyPaid. v3 drops the
    // once-only rule for answers (docs/market-security.md): an answer pays only the result's
    // submitter, and a proof about this result is true however often it is used — the copycat's
    // result *is* right, and the challenger challenged a right result. What v3 promises instead:
    // nobody but the submitter can answer with it (a copy of the answer pays no one) …
    expect(await revertOf(worker, rawAs(1).respond(taskId, proof, [...INPUTS, 7n]))).toMatch(
      /NotSubmitter/,
    );
    expect(await revertOf(challenger, rawAs(3).respond(taskId, proof, [...INPUTS, 7n]))).toMatch(
      /NotSubmitter/,
    );
    await send(copycat.respond(taskId, proof, [...INPUTS, 7n], RESPOND_GAS));
    // … the answer does not make the proof new: it keeps the block it was first revealed in …
    expect(await worker.proofFirstSeen(ethersKeccakFirst64(proof))).toBe(firstSeen);
    // … and no zk task pays it again: a commitment to it, in an earlier block than the reveal, is
    // refused (ProofAlreadyPaid), as v2 refused the reveal.
    await send(copycat.postTask(modelId, INPUTS, (await now()) + 3600, ZERO, { value: REWARD }));
    const again = (await copycat.taskCount()) - 1n;
    await send(copycat.claim(again, proofCommitment(again, who(4), proof), { value: CLAIM_BOND }));
    expect(await revertOf(copycat, rawAs(4).submit(again, proof, [...INPUTS, 7n]))).toMatch(
      /ProofAlreadyPaid/,
    );
  });

  it('a stage proof disclosed by respond cannot then be paid by a zk task to whoever copies it', async () => {
    const honest = as(1);
    const copycat = as(4);
    const challenger = as(3);
    const proof = `0x${'ef'.repeat(64)}${'01'.repeat(32)}`;
    const taskId = await postOptimistic();
    await send(honest.claim(taskId, ZeroHash, { value: CLAIM_BOND }));
    await send(honest.submitResult(taskId, [7n], [], { value: WORKER_BOND }));
    await send(challenger.challenge(taskId, 0, { value: CHALLENGER_BOND }));
    await send(honest.respond(taskId, proof, [...INPUTS, 7n], RESPOND_GAS));
    // The honest worker's proof is now public calldata. A zk task on the same model and input,
    // claimed with a commitment to that proof (v3: without one the reveal is NotCommitted),
    // revealed in a later block: the proof was public before the commitment.
    await send(copycat.postTask(modelId, INPUTS, (await now()) + 3600, ZERO, { value: REWARD }));
    const zkTask = (await copycat.taskCount()) - 1n;
    const commitment = proofCommitment(zkTask, who(4), proof);
    await send(copycat.claim(zkTask, commitment, { value: CLAIM_BOND }));
    expect(await revertOf(copycat, rawAs(4).submit(zkTask, proof, [...INPUTS, 7n]))).toMatch(
      /ProofAlreadyPaid/,
    );
  });
});

function ethersKeccakFirst64(proof: string): string {
  // keccak256 of the first 64 bytes, as the market keys proofFirstSeen.
  return keccak256(`0x${proof.slice(2, 2 + 128)}`);
}
