import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Contract, formatEther, type Signer } from 'ethers';
import type { ChainContext } from '../chain/chainContext.js';
import { readDeployment, type DeployedContract } from '../chain/deployments.js';
import { requireCode } from '../chain/provider.js';
import {
  Metric,
  Phase,
  pocomputeBountiesAbi,
  pocomputeMarketAbi,
} from '../chain/generated/contracts.js';
import { parseRecipeURI } from './bountyRecipe.js';
import { PocomputeError } from '../core/errors.js';
import { readJsonFile } from '../core/files.js';
import { pocomputeHome } from '../core/paths.js';
import { chainNow } from './postTask.js';
import { bountiesRecordName, sendMarketTx } from './market.js';

/** The contract's Phase enum (generated), lower-cased. */
export const BOUNTY_PHASE = Phase.map((p) => p.toLowerCase()) as Lowercase<
  (typeof Phase)[number]
>[];
export type BountyPhase = (typeof BOUNTY_PHASE)[number];

/**
 * The bounty contract of a market: `address`, or the one recorded when the market was deployed.
 * Either way it must have code and name this market as its own (`market()`), so a record cannot
 * point a requester at a contract that settles with another market's verifiers.
 */
export async function openBounties(params: {
  chain: ChainContext;
  market: Contract;
  address?: string;
  withSigner?: boolean;
}): Promise<Contract> {
  const { chain, market } = params;
  const marketAddress = String(market.target);
  const address =
    params.address ??
    (await readDeployment<DeployedContract>(chain.networkKey, bountiesRecordName(marketAddress)))
      ?.address;
  if (!address)
    throw new PocomputeError('NO_CODE', `no bounty contract recorded for market ${marketAddress}`, {
      hint: 'A market deployed by this pocompute has one (`pocompute market deploy`); or pass --bounties <address>.',
    });
  await requireCode(chain.provider, address, 'bounty contract');
  const runner: Signer | ChainContext['provider'] = params.withSigner
    ? (await chain.signer()).signer
    : chain.provider;
  const bounties = new Contract(address, pocomputeBountiesAbi, runner);
  const owner = String(await bounties.market()).toLowerCase();
  if (owner !== marketAddress.toLowerCase())
    throw new PocomputeError(
      'BOUNTY_INVALID',
      `the bounty contract at ${address} belongs to market ${owner}, not ${marketAddress}`,
    );
  return bounties;
}

export interface BountyView {
  bountyId: string;
  phase: BountyPhase;
  requester: string;
  worker: string;
  rewardEth: string;
  metric: 'loss' | 'accuracy';
  /** The target as the contract compares it (at the evaluation circuit's metric scale). */
  target: string;
  steps: number;
  maxSteps: number;
  stepModelId: string;
  evalModelId: string;
  baseModelSha256: string;
  dataCommitment: string;
  commitDeadline: number;
  revealDeadline: number;
  proveDeadline: number;
  challengeEnd: number;
  openChallenges: number;
  workerBondEth: string;
  challengerBondEth: string;
  metricValue: string;
  /**
   * The target in words ("at least 13 of 14 evaluation rows right", "loss <= 0.12"), read with the
   * metric scale and rows the evaluation model's registration states (a label: the chain compares
   * `target` itself); absent when the registration does not say.
   */
  targetText?: string;
}

export async function readBounty(
  bounties: Contract,
  id: bigint | number | string,
): Promise<BountyView> {
  const count = (await bounties.bountyCount()) as bigint;
  if (BigInt(id) >= count)
    throw new PocomputeError('OPTION_INVALID', `no bounty ${id} (this contract has ${count})`);
  const [b, t] = await Promise.all([bounties.getBounty(id), bounties.getTerms(id)]);
  return {
    bountyId: String(id),
    phase: BOUNTY_PHASE[Number(b.phase)],
    requester: b.requester,
    worker: b.worker,
    rewardEth: formatEther(b.reward),
    metric: Metric[Number(t.metric)] === 'LossAtMost' ? 'loss' : 'accuracy',
    target: String(t.target),
    steps: Number(b.steps),
    maxSteps: Number(t.maxSteps),
    stepModelId: String(t.stepModelId),
    evalModelId: String(t.evalModelId),
    baseModelSha256: String(t.baseModelSha256).slice(2),
    dataCommitment: String(t.dataCommitment).slice(2),
    commitDeadline: Number(t.commitDeadline),
    revealDeadline: Number(b.revealDeadline),
    proveDeadline: Number(b.proveDeadline),
    challengeEnd: Number(b.challengeEnd),
    openChallenges: Number(b.openChallenges),
    workerBondEth: formatEther(t.workerBond),
    challengerBondEth: formatEther(t.challengerBond),
    metricValue: String(b.metricValue),
    targetText: await targetText(bounties, t.evalModelId, Metric[Number(t.metric)], t.target),
  };
}

async function targetText(
  bounties: Contract,
  evalModelId: bigint,
  metric: (typeof Metric)[number],
  target: bigint,
): Promise<string | undefined> {
  try {
    const market = new Contract(await bounties.market(), pocomputeMarketAbi, bounties.runner);
    const { recipe, metricScale } = parseRecipeURI(
      (await market.getModel(evalModelId)).metadataURI,
    );
    if (metricScale === undefined) return undefined;
    const value = Number(target) / 2 ** metricScale;
    return metric === 'AccuracyAtLeast'
      ? `at least ${value} of ${recipe.evalRows} evaluation rows right`
      : `loss <= ${value}`;
  } catch {
    return undefined;
  }
}

export async function listBounties(bounties: Contract): Promise<BountyView[]> {
  const count = Number(await bounties.bountyCount());
  return Promise.all(Array.from({ length: count }, (_, i) => readBounty(bounties, i)));
}

/** Sends a bounty transaction (decoded reverts, as the market's). */
export const sendBountyTx = sendMarketTx;

/** Settles whatever is due on the bounty (see IPocomputeBounties.settle). */
export async function settleBounty(bounties: Contract, id: bigint | number | string) {
  const receipt = await sendBountyTx(bounties, 'settle', [BigInt(id)]);
  const event = receipt.logs
    .map((l) => bounties.interface.parseLog(l))
    .find((e) => e?.name === 'BountySettled');
  return {
    bountyId: String(id),
    phase: BOUNTY_PHASE[Number(event?.args.phase ?? 0)],
    paidTo: String(event?.args.paidTo ?? ''),
    amountEth: formatEther(event?.args.amount ?? 0n),
    txHash: receipt.hash,
    gasUsed: receipt.gasUsed.toString(),
  };
}

export async function cancelBounty(bounties: Contract, id: bigint | number | string) {
  const receipt = await sendBountyTx(bounties, 'cancel', [BigInt(id)]);
  return { bountyId: String(id), txHash: receipt.hash, gasUsed: receipt.gasUsed.toString() };
}

/** Challenges one step of the committed run with the challenger bond. */
export async function challengeBountyStep(
  bounties: Contract,
  id: bigint | number | string,
  step: number,
) {
  const terms = await bounties.getTerms(id);
  const receipt = await sendBountyTx(bounties, 'challenge', [BigInt(id), step], {
    value: terms.challengerBond,
  });
  const event = receipt.logs
    .map((l) => bounties.interface.parseLog(l))
    .find((e) => e?.name === 'StepChallenged');
  return {
    bountyId: String(id),
    step,
    deadline: Number(event?.args.deadline ?? 0),
    txHash: receipt.hash,
    gasUsed: receipt.gasUsed.toString(),
  };
}

/** Upholds a challenge nobody answered in time (the bounty fails, the worker bond is split). */
export async function settleBountyChallenge(
  bounties: Contract,
  id: bigint | number | string,
  step: number,
) {
  const receipt = await sendBountyTx(bounties, 'settleChallenge', [BigInt(id), step]);
  return { bountyId: String(id), step, txHash: receipt.hash, gasUsed: receipt.gasUsed.toString() };
}

// ---------------------------------------------------------------- the requester's secret

export interface BountySecret {
  format: 'pocompute-bounty-secret@1';
  chainId: string;
  contract: string;
  bountyId: string;
  salt: string;
  /** The evaluation set's field elements, as the contract takes them (decimal). */
  evalFelts: string[];
}

/** Where the requester's secret (the salt and the evaluation set) is kept: readable by its owner only. */
export const secretPath = (chainId: string, contract: string, id: string) =>
  join(pocomputeHome(), 'bounties', `${chainId}-${contract.toLowerCase()}`, `${id}.secret.json`);

export const newSalt = () => `0x${randomBytes(32).toString('hex')}` as const;

/** Writes the secret readable by its owner only from its creation (a temp file, then a rename). */
export async function writeSecret(
  secret: BountySecret,
  path = secretPath(secret.chainId, secret.contract, secret.bountyId),
) {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(secret, null, 2), { mode: 0o600, flag: 'wx' });
  await rename(temp, path);
  return path;
}

export async function readSecret(path: string): Promise<BountySecret> {
  const raw = (await readJsonFile(path, 'bounty secret', 'BOUNTY_INVALID')) as BountySecret;
  if (
    raw?.format !== 'pocompute-bounty-secret@1' ||
    !Array.isArray(raw.evalFelts) ||
    typeof raw.salt !== 'string'
  )
    throw new PocomputeError('BOUNTY_INVALID', `${path} is not a pocompute bounty secret`);
  return raw;
}

/**
 * Reveals the evaluation set: refused by the contract before a worker has committed (NotCommitted),
 * and by this function before the contract is asked (the same error, said plainly).
 */
export async function revealBounty(params: {
  bounties: Contract;
  bountyId: string;
  secret: BountySecret;
}) {
  const { bounties, bountyId, secret } = params;
  const receipt = await sendBountyTx(bounties, 'reveal', [
    BigInt(bountyId),
    secret.evalFelts.map(BigInt),
    secret.salt,
  ]);
  return {
    bountyId,
    rows: secret.evalFelts.length,
    txHash: receipt.hash,
    gasUsed: receipt.gasUsed.toString(),
    at: await chainNow(bounties.runner!.provider!),
  };
}
