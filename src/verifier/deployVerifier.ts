import { Contract, concat, getBytes } from 'ethers';
import type { ChainContext } from '../chain/chainContext.js';
import { describeChainError } from '../chain/provider.js';
import { HALO2_REUSABLE_ABI, vkaDigest } from './calldata.js';
import {
  deployContract,
  hasExpectedCode,
  listDeployments,
  readDeployment,
  recordStillHolds,
  writeDeployment,
  type DeployedContract,
} from '../chain/deployments.js';
import { PocomputeError } from '../core/errors.js';
import type { Reporter } from '../core/output.js';
import { EIP170_LIMIT } from '../chain/solc.js';
import type { Artifacts } from '../proof/artifacts.js';
import { emitEvmVerifier } from '../engine/emitEvmVerifier.js';
import type { EvmVerifier, VerifierLayout } from '../proof/verifierRecord.js';

export interface VerifierDeployment {
  chainId: string;
  layout: VerifierLayout;
  reason: string;
  verifier: DeployedContract;
  /**
   * The VKA registered with the reusable verifier by this deployment (reusable layout only). Absent
   * when the caller registers it itself, as the market's registerModel does.
   */
  vka?: { digest: string; txHash: string; gasUsed: string };
  deployer: string;
  vkSha256: string;
  artifactsKey: string;
  compilerVersion: string;
  deployedAt: string;
  /** True when an existing deployment was found and its code checked, instead of deploying again. */
  reused?: boolean;
}

export interface DeployVerifierParams {
  artifacts: Artifacts;
  chain: ChainContext;
  layout?: VerifierLayout | 'auto';
  force?: boolean;
  confirmations?: number;
  /**
   * Register the VKA with a reusable verifier (default true). The market passes false: its
   * registerModel registers the VKA itself, and a second registration costs a transaction.
   */
  registerVka?: boolean;
  reporter?: Reporter;
}

const recordName = (artifacts: Artifacts, layout: VerifierLayout) =>
  `verifier-${artifacts.manifest.key}-${layout}`;

/**
 * Emits, compiles and deploys the verifier of compiled artifacts; records it per chain id. On a
 * re-run the record is found and the code at its address checked, rather than deploying twice.
 */
export async function deployVerifier(params: DeployVerifierParams): Promise<VerifierDeployment> {
  const { artifacts, chain, reporter } = params;
  const evm = await emitEvmVerifier(artifacts, { layout: params.layout, reporter });
  const name = recordName(artifacts, evm.layout);
  const wantVka = evm.vka !== undefined && params.registerVka !== false;
  const step = <T>(label: string, key: string, work: () => Promise<T>) =>
    reporter ? reporter.step(label, work, key) : work();
  const confirmations = params.confirmations ?? 1;
  const existing = params.force
    ? undefined
    : await readDeployment<VerifierDeployment>(chain.networkKey, name);
  if (existing && (await stillDeployed(chain, existing, evm))) {
    // Deployed earlier without its VKA (by the market, which registers it itself): register now.
    if (!wantVka || existing.vka) return { ...existing, reused: true };
    const { signer } = await chain.signer();
    const vka = await step('Registering the verifying-key artifact (VKA)', 'registerVka', () =>
      registerVka(signer, existing.verifier.address, evm.vka!, confirmations),
    );
    const record = { ...existing, vka };
    await writeDeployment(chain.networkKey, name, record);
    return { ...record, reused: true };
  }
  const { signer, address } = await chain.signer();
  const verifier = await step(
    `Deploying ${evm.verifier.name} (${evm.verifier.runtimeSize} bytes)`,
    'deployVerifier',
    () => deployContract(signer, evm.verifier.name, evm.verifier, [], confirmations),
  );
  const vka = wantVka
    ? await step('Registering the verifying-key artifact (VKA)', 'registerVka', () =>
        registerVka(signer, verifier.address, evm.vka!, confirmations),
      )
    : undefined;
  const record: VerifierDeployment = {
    chainId: chain.chainId.toString(),
    layout: evm.layout,
    reason: evm.reason,
    verifier,
    vka,
    deployer: address,
    vkSha256: artifacts.manifest.files['vk.key'],
    artifactsKey: artifacts.manifest.key,
    compilerVersion: evm.compilerVersion,
    deployedAt: new Date().toISOString(),
  };
  await writeDeployment(chain.networkKey, name, record);
  return record;
}

async function registerVka(
  signer: Awaited<ReturnType<ChainContext['signer']>>['signer'],
  address: string,
  words: string[],
  confirmations: number,
): Promise<NonNullable<VerifierDeployment['vka']>> {
  const contract = new Contract(address, HALO2_REUSABLE_ABI, signer);
  try {
    const receipt = await (await contract.registerVka(words)).wait(confirmations);
    return {
      digest: vkaDigest(words),
      txHash: receipt.hash as string,
      gasUsed: receipt.gasUsed.toString() as string,
    };
  } catch (error) {
    throw describeChainError(error, HALO2_REUSABLE_ABI);
  }
}

async function stillDeployed(
  chain: ChainContext,
  record: VerifierDeployment,
  evm: EvmVerifier,
): Promise<boolean> {
  const verifierOk = await hasExpectedCode(
    chain.provider,
    record.verifier.address,
    evm.verifier.deployedBytecode,
  );
  // A recorded VKA must be this key's (a record without one is completed by the caller).
  const vkaOk = !evm.vka || !record.vka || record.vka.digest === vkaDigest(evm.vka);
  return verifierOk && vkaOk;
}

/** Finds the deployment record of a verifier address on a chain, if pocompute deployed what is there now. */
export async function findVerifierRecord(
  chain: ChainContext,
  address: string,
): Promise<VerifierDeployment | undefined> {
  const records = await listDeployments<VerifierDeployment>(chain.networkKey, 'verifier-');
  const record = records.find((r) => r.verifier.address.toLowerCase() === address.toLowerCase());
  return record && (await recordStillHolds(chain.provider, record.verifier)) ? record : undefined;
}

/**
 * The runtime code of a VKA store (contracts/libraries/VkaStore.sol): one 0x00 byte, so the code
 * can never run, then the VKA's words. The market reads the words from it on every reusable proof.
 */
export function vkaStoreRuntime(words: string[]): string {
  return concat(['0x00', ...words]);
}

/**
 * Deploys a VKA store: creation code that copies the runtime (appended after a 10-byte header)
 * into memory and returns it — PUSH2 size, DUP1, PUSH1 10, RETURNDATASIZE, CODECOPY,
 * RETURNDATASIZE, RETURN.
 */
export async function deployVkaStore(
  chain: ChainContext,
  words: string[],
  confirmations = 1,
): Promise<DeployedContract> {
  const { signer } = await chain.signer();
  const runtime = getBytes(vkaStoreRuntime(words));
  if (runtime.length > EIP170_LIMIT)
    throw new PocomputeError(
      'VKA_TOO_LARGE',
      `the VKA's ${words.length} words do not fit one VKA store: ${runtime.length} bytes of code, over the ${EIP170_LIMIT}-byte EIP-170 limit`,
    );
  const size = runtime.length.toString(16).padStart(4, '0');
  const creation = concat([`0x61${size}80600a3d393df3`, runtime]);
  return deployContract(
    signer,
    'VkaStore',
    { abi: [], bytecode: creation, runtimeSize: runtime.length },
    [],
    confirmations,
  );
}
