import {
  Contract,
  formatEther,
  isError,
  parseEther,
  type ContractTransactionResponse,
  type Signer,
} from 'ethers';
import type { ChainContext } from '../chain/chainContext.js';
import {
  deployContract,
  listDeployments,
  readDeployment,
  recordStillHolds,
  writeDeployment,
  type DeployedContract,
} from '../chain/deployments.js';
import { describeChainError, requireCode } from '../chain/provider.js';
import { PocomputeError } from '../core/errors.js';
import type { Reporter } from '../core/output.js';
import type { Artifacts } from '../proof/artifacts.js';
import {
  deployVerifier,
  deployVkaStore,
  type VerifierDeployment,
} from '../verifier/deployVerifier.js';
import { emitEvmVerifier } from '../engine/emitEvmVerifier.js';
import type { VerifierLayout } from '../proof/verifierRecord.js';
import { attestVerifierCode } from './attestModel.js';
import { instanceCounts } from './instanceLayout.js';
import { marketArtifact } from './marketArtifact.js';
import {
  pocomputeBountiesAbi,
  pocomputeBountiesBytecode,
  pocomputeBountiesRuntimeSize,
  Status,
  TaskKind,
} from '../chain/generated/contracts.js';

export interface MarketDeployment extends DeployedContract {
  chainId: string;
  claimTtl: number;
  /**
   * The smallest claim bond (wei); a task's bond is the larger of this and `claimBondBps` of its
   * reward, fixed when it is posted, and forfeited to the task's escrow if a claim lapses.
   */
  claimBondWei: string;
  claimBondBps?: number;
  /** The smallest challenger bond an optimistic task may ask for (wei). */
  minChallengerBondWei?: string;
  deployer: string;
  compilerVersion: string;
}

/** The contract's Status enum (generated), lower-cased; `submitted`: an optimistic result in its window. */
export const TASK_STATUS = Status.map((s) => s.toLowerCase()) as Lowercase<
  (typeof Status)[number]
>[];
export const DEFAULT_CLAIM_BOND_WEI = parseEther('0.001');
/** A claim bond of 10% of the reward (at least DEFAULT_CLAIM_BOND_WEI). */
export const DEFAULT_CLAIM_BOND_BPS = 1_000;
/**
 * The smallest challenger bond: a false challenge must pay for the answer it forces — a stage
 * proof's `respond`, up to 1,000,000 gas (cnn: 836k) — at gas prices up to 50 gwei.
 */
export const RESPOND_GAS_CEILING = 1_000_000n;
export const GAS_PRICE_CEILING_WEI = parseEther('0.00000005');
export const DEFAULT_MIN_CHALLENGER_BOND_WEI = RESPOND_GAS_CEILING * GAS_PRICE_CEILING_WEI;
export const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000';

/** The record `market` names the chain's default market; every market also has its own record. */
const DEFAULT_MARKET = 'market';
const marketRecordName = (address: string) => `market-${address.toLowerCase()}`;
/** The record of a market's bounty contract (PocomputeBounties), written when the market is deployed. */
export const bountiesRecordName = (market: string) => `bounties-${market.toLowerCase()}`;

/**
 * Deploys the market contract and records it. It becomes the chain's default market only when
 * asked to, or when the chain has no (live) default yet: a second deploy never silently replaces it.
 */
export async function deployMarket(
  chain: ChainContext,
  options: {
    claimTtl?: number;
    claimBondWei?: bigint;
    claimBondBps?: number;
    minChallengerBondWei?: bigint;
    makeDefault?: boolean;
    reporter?: Reporter;
  } = {},
): Promise<MarketDeployment & { bounties: string; isDefault: boolean; defaultMarket: string }> {
  const artifact = await marketArtifact();
  const { signer, address } = await chain.signer();
  const claimTtl = options.claimTtl ?? 600;
  const claimBond = options.claimBondWei ?? DEFAULT_CLAIM_BOND_WEI;
  const claimBondBps = options.claimBondBps ?? DEFAULT_CLAIM_BOND_BPS;
  const minChallengerBond = options.minChallengerBondWei ?? DEFAULT_MIN_CHALLENGER_BOND_WEI;
  const deploy = () =>
    deployContract(signer, 'PocomputeMarket', artifact, [
      claimTtl,
      claimBond,
      claimBondBps,
      minChallengerBond,
    ]);
  const deployed = options.reporter
    ? await options.reporter.step('Deploying PocomputeMarket', deploy, 'deployMarket')
    : await deploy();
  const record: MarketDeployment = {
    ...deployed,
    chainId: chain.chainId.toString(),
    claimTtl,
    claimBondWei: claimBond.toString(),
    claimBondBps,
    minChallengerBondWei: minChallengerBond.toString(),
    deployer: address,
    compilerVersion: artifact.compilerVersion,
  };
  await writeDeployment(chain.networkKey, marketRecordName(record.address), record);
  // The market's bounty contract settles with the market's registered (pinned) verifiers. It is a
  // contract of its own: inside the market's constructor it would push the market's init code
  // past EIP-3860's 48 KiB.
  const bounties = await deployBounties(chain, record.address, options.reporter);
  const current = await defaultMarket(chain);
  const isDefault = options.makeDefault === true || !current;
  if (isDefault) await writeDeployment(chain.networkKey, DEFAULT_MARKET, record);
  return {
    ...record,
    bounties: bounties.address,
    isDefault,
    defaultMarket: isDefault ? record.address : current!.address,
  };
}

/** Deploys a market's bounty contract (PocomputeBounties) and records it beside the market. */
export async function deployBounties(
  chain: ChainContext,
  market: string,
  reporter?: Reporter,
): Promise<DeployedContract> {
  const { signer } = await chain.signer();
  const artifact = {
    abi: pocomputeBountiesAbi,
    bytecode: pocomputeBountiesBytecode,
    runtimeSize: pocomputeBountiesRuntimeSize,
  };
  const deploy = () => deployContract(signer, 'PocomputeBounties', artifact, [market]);
  const deployed = reporter
    ? await reporter.step('Deploying PocomputeBounties', deploy, 'deployBounties')
    : await deploy();
  await writeDeployment(chain.networkKey, bountiesRecordName(market), deployed);
  return deployed;
}

/** The chain's default market, if one is recorded and its code is still there. */
export async function defaultMarket(chain: ChainContext): Promise<MarketDeployment | undefined> {
  const record = await readDeployment<MarketDeployment>(chain.networkKey, DEFAULT_MARKET);
  return record && (await recordStillHolds(chain.provider, record)) ? record : undefined;
}

/** Every market recorded for this chain whose code is still there, the default marked. */
export async function listMarkets(
  chain: ChainContext,
): Promise<(MarketDeployment & { isDefault: boolean })[]> {
  const records = await listDeployments<MarketDeployment>(chain.networkKey, 'market-');
  const current = await defaultMarket(chain);
  const live = [];
  for (const r of records)
    if (await recordStillHolds(chain.provider, r))
      live.push({ ...r, isDefault: r.address.toLowerCase() === current?.address.toLowerCase() });
  return live.sort((a, b) => a.block - b.block);
}

/** Makes a recorded market the chain's default. */
export async function useMarket(chain: ChainContext, address: string): Promise<MarketDeployment> {
  const record = await readDeployment<MarketDeployment>(
    chain.networkKey,
    marketRecordName(address),
  );
  if (!record || !(await recordStillHolds(chain.provider, record)))
    throw new PocomputeError(
      'NO_CODE',
      `no market deployed by pocompute at ${address} on this chain`,
      {
        hint: '`pocompute market list` shows the recorded markets.',
      },
    );
  await writeDeployment(chain.networkKey, DEFAULT_MARKET, record);
  return record;
}

export interface OpenMarketParams {
  chain: ChainContext;
  /** The market's address (default: the chain's recorded default market). */
  address?: string;
  /** Connect the chain's signer (to send transactions), not only its provider. */
  withSigner?: boolean;
}

/** The market contract at `address`, or the chain's recorded default market. */
export async function openMarket(params: OpenMarketParams): Promise<Contract> {
  const { chain, address, withSigner = false } = params;
  const target = address ?? (await defaultMarket(chain))?.address;
  if (!target)
    throw new PocomputeError('NO_CODE', `no default market recorded for chain ${chain.chainId}`, {
      hint: 'Deploy one with `pocompute market deploy` (on a chain that persists), or pass --market <address>.',
    });
  await requireCode(chain.provider, target, 'market');
  const { abi } = await marketArtifact();
  const runner: Signer | ChainContext['provider'] = withSigner
    ? (await chain.signer()).signer
    : chain.provider;
  return new Contract(target, abi, runner);
}

/** Sends a market transaction and waits for it; a revert is decoded with the market's ABI. */
export async function sendMarketTx(
  market: Contract,
  method: string,
  args: unknown[],
  overrides: Record<string, unknown> = {},
  /** Give up waiting for the receipt after this long (the RPC may have gone away). */
  timeoutMs = 120_000,
) {
  let tx: ContractTransactionResponse | undefined;
  try {
    tx = (await market.getFunction(method)(...args, overrides)) as ContractTransactionResponse;
    const receipt = await tx.wait(1, timeoutMs);
    if (!receipt) throw new Error('no receipt');
    return receipt;
  } catch (error) {
    throw describeChainError(await withRevertData(market, tx, error), market.interface);
  }
}

/**
 * A transaction that was mined and reverted carries no revert data (a receipt has none): replay
 * it as a call on the state of its block, so the error says why (say, AlreadyClaimed by the
 * copier whose claim was mined first) instead of "no reason given".
 */
async function withRevertData(
  market: Contract,
  tx: ContractTransactionResponse | undefined,
  error: unknown,
): Promise<unknown> {
  const e = error as { code?: string; data?: string | null; receipt?: { blockNumber: number } };
  if (!tx || !isError(error, 'CALL_EXCEPTION') || e.data || !e.receipt) return error;
  try {
    await market.runner!.provider!.call({
      to: tx.to,
      from: tx.from,
      data: tx.data,
      value: tx.value,
      blockTag: e.receipt.blockNumber,
    });
  } catch (replayed) {
    if (isError(replayed, 'CALL_EXCEPTION') && replayed.data) return replayed;
  }
  return error;
}

export interface RegisteredModel {
  modelId: string;
  verifier: VerifierDeployment;
  numInputs: number;
  numOutputs: number;
  gasUsed: string;
}

/** Deploys (or reuses) the model's verifier and registers it on the market with its instance layout. */
export async function registerModel(params: {
  chain: ChainContext;
  market: Contract;
  artifacts: Artifacts;
  metadataURI?: string;
  /** A pipeline stage past the first: its input may be a hashed boundary. */
  stage?: boolean;
  /** The verifier layout (default: the one compile chose for the artifacts). */
  layout?: VerifierLayout;
  reporter?: Reporter;
}): Promise<RegisteredModel> {
  const { chain, market, artifacts, reporter } = params;
  const { numInputs, numOutputs } = instanceCounts(artifacts.manifest, { stage: params.stage });
  // The layout compile chose (reusable when the single verifier passes EIP-170), or the one asked.
  const layout = params.layout ?? artifacts.manifest.verifier.layout;
  // registerModel registers the VKA with a reusable verifier itself: no second registration here.
  const verifier = await deployVerifier({
    artifacts,
    chain,
    layout,
    reporter,
    registerVka: false,
  });
  // A reusable verifier takes its key as calldata: the market keeps it in a VKA store.
  let vka = ZERO_ADDRESS;
  if (layout === 'reusable') {
    const { vka: words } = await emitEvmVerifier(artifacts, { layout, reporter });
    const deploy = () => deployVkaStore(chain, words ?? []);
    vka = (
      reporter
        ? await reporter.step('Deploying the VKA store', deploy, 'deployVkaStore')
        : await deploy()
    ).address;
  }
  // What is registered is checked as any party will check it: EZKL's code for this vk, or nothing.
  await attestVerifierCode({
    provider: chain.provider,
    artifacts,
    verifier: verifier.verifier.address,
    vka,
    what: 'model register',
  });
  const vkHash = `0x${artifacts.manifest.files['vk.key']}`;
  const register = () =>
    sendMarketTx(market, 'registerModel', [
      verifier.verifier.address,
      vka,
      vkHash,
      numInputs,
      numOutputs,
      params.metadataURI ??
        `pocompute:${artifacts.manifest.model.name}#${artifacts.manifest.model.sha256}`,
    ]);
  const receipt = reporter
    ? await reporter.step('Registering the model on the market', register, 'registerModel')
    : await register();
  const event = receipt.logs
    .map((l) => market.interface.parseLog(l))
    .find((e) => e?.name === 'ModelRegistered');
  return {
    modelId: event!.args.modelId.toString(),
    verifier,
    numInputs,
    numOutputs,
    gasUsed: receipt.gasUsed.toString(),
  };
}

export interface TaskView {
  taskId: string;
  /**
   * zk (the contract's `Proved` kind): paid for a proof, `modelId` is a model id; optimistic: paid
   * after a challenge window, `modelId` is the task's pipeline id (the contract's `targetId`).
   */
  mode: 'zk' | 'optimistic';
  modelId: string;
  status: (typeof TASK_STATUS)[number];
  rewardEth: string;
  deadline: number;
  requester: string;
  claimant: string;
  claimExpiry: number;
  /** What a claim on this task locks (wei), fixed when it was posted. */
  claimBondWei: bigint;
  /** The block of the claimant's proof commitment (0: none). */
  commitBlock: number;
  commitment: string;
  worker: string;
  consumer: string;
  inputHash: string;
  outputs: string[];
}

export async function readTask(
  market: Contract,
  taskId: bigint | number | string,
): Promise<TaskView> {
  let task: Awaited<ReturnType<typeof market.getTask>>;
  try {
    task = await market.getTask(BigInt(taskId));
  } catch (error) {
    throw describeChainError(error, market.interface);
  }
  const outputs: bigint[] = await market.getTaskOutputs(BigInt(taskId));
  return {
    taskId: String(taskId),
    mode: TaskKind[Number(task.kind)] === 'Optimistic' ? 'optimistic' : 'zk',
    modelId: task.targetId.toString(),
    status: TASK_STATUS[Number(task.status)],
    rewardEth: formatEther(task.reward),
    deadline: Number(task.deadline),
    requester: task.requester,
    claimant: task.claimant,
    claimExpiry: Number(task.claimExpiry),
    claimBondWei: BigInt(task.claimBond),
    commitBlock: Number(task.commitBlock),
    commitment: task.commitment,
    worker: task.worker,
    consumer: task.consumer,
    inputHash: task.inputHash,
    outputs: outputs.map(String),
  };
}

export async function listTasks(market: Contract): Promise<TaskView[]> {
  const count = Number(await market.taskCount());
  return Promise.all(Array.from({ length: count }, (_, i) => readTask(market, i)));
}

export { parseReward } from './parseMarketOptions.js';
