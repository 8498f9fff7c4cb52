import {
  Contract,
  parseEther,
  formatEther,
  type ContractTransactionResponse,
  type Signer,
} from 'ethers';
import type { ChainContext } from '../chain/chainContext.js';
import {
  deployContract,
  readDeployment,
  writeDeployment,
  type DeployedContract,
} from '../chain/deployments.js';
import { describeChainError, requireCode } from '../chain/provider.js';
import { PocomputeError } from '../core/errors.js';
import type { Reporter } from '../core/output.js';
import type { Artifacts } from '../prover/artifacts.js';
import { deployVerifier, type VerifierDeployment } from '../verifier/deployVerifier.js';
import { instanceCounts } from './instanceLayout.js';
import { marketArtifact } from './marketArtifact.js';

export interface MarketDeployment extends DeployedContract {
  chainId: string;
  claimTtl: number;
  deployer: string;
  compilerVersion: string;
}

export const TASK_STATUS = ['none', 'open', 'done', 'refunded'] as const;

/** Deploys the market contract and records it as the chain's default market. */
export async function deployMarket(
  chain: ChainContext,
  options: { claimTtl?: number; reporter?: Reporter } = {},
): Promise<MarketDeployment> {
  const artifact = await marketArtifact();
  const { signer, address } = await chain.signer();
  const claimTtl = options.claimTtl ?? 600;
  const deploy = () => deployContract(signer, 'PocomputeMarket', artifact, [claimTtl]);
  const deployed = options.reporter
    ? await options.reporter.step('Deploying PocomputeMarket', deploy, 'deployMarket')
    : await deploy();
  const record: MarketDeployment = {
    ...deployed,
    chainId: chain.chainId.toString(),
    claimTtl,
    deployer: address,
    compilerVersion: artifact.compilerVersion,
  };
  await writeDeployment(chain.networkKey, 'market', record);
  return record;
}

/** The market contract at `address`, or the one `market deploy` recorded for this chain. */
export async function openMarket(
  chain: ChainContext,
  address?: string,
  withSigner = false,
): Promise<Contract> {
  const target =
    address ?? (await readDeployment<MarketDeployment>(chain.networkKey, 'market'))?.address;
  if (!target)
    throw new PocomputeError('NO_CODE', `no market recorded for chain ${chain.chainId}`, {
      hint: 'Deploy one with `pocompute market deploy`, or pass --market <address>.',
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
) {
  try {
    const tx = (await market.getFunction(method)(
      ...args,
      overrides,
    )) as ContractTransactionResponse;
    const receipt = await tx.wait();
    if (!receipt) throw new Error('no receipt');
    return receipt;
  } catch (error) {
    throw describeChainError(error, market.interface);
  }
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
  reporter?: Reporter;
}): Promise<RegisteredModel> {
  const { chain, market, artifacts, reporter } = params;
  const { numInputs, numOutputs } = instanceCounts(artifacts.manifest);
  const verifier = await deployVerifier({ artifacts, chain, reporter });
  const vkHash = `0x${artifacts.manifest.files['vk.key']}`;
  const register = () =>
    sendMarketTx(market, 'registerModel', [
      verifier.verifier.address,
      verifier.vka?.address ?? '0x0000000000000000000000000000000000000000',
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
  modelId: string;
  status: (typeof TASK_STATUS)[number];
  rewardEth: string;
  deadline: number;
  requester: string;
  claimant: string;
  claimExpiry: number;
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
    modelId: task.modelId.toString(),
    status: TASK_STATUS[Number(task.status)],
    rewardEth: formatEther(task.reward),
    deadline: Number(task.deadline),
    requester: task.requester,
    claimant: task.claimant,
    claimExpiry: Number(task.claimExpiry),
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

export const parseReward = (eth: string): bigint => {
  try {
    const wei = parseEther(eth);
    if (wei <= 0n) throw new Error('not positive');
    return wei;
  } catch {
    throw new PocomputeError(
      'OPTION_INVALID',
      `--reward must be a positive amount of ETH, like 0.05 (got "${eth}")`,
    );
  }
};
