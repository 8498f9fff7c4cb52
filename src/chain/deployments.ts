import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ContractFactory, keccak256, type JsonRpcProvider, type Signer } from 'ethers';
import { writeJsonAtomic } from '../core/files.js';
import { homePaths } from '../core/paths.js';
import type { CompiledSolidity } from './solc.js';
import { describeChainError } from './provider.js';

export interface DeployedContract {
  name: string;
  address: string;
  /** keccak256 of the runtime code, so a record is trusted only where that code is. */
  codeHash: string;
  txHash: string;
  block: number;
  gasUsed: string;
  runtimeSize: number;
}

/** Deploys a compiled contract and waits for its receipt; failures become documented errors. */
export async function deployContract(
  signer: Signer,
  name: string,
  compiled: Pick<CompiledSolidity, 'abi' | 'bytecode' | 'runtimeSize'>,
  args: unknown[] = [],
  confirmations = 1,
): Promise<DeployedContract> {
  try {
    const factory = new ContractFactory(compiled.abi, compiled.bytecode, signer);
    const contract = await factory.deploy(...args);
    const tx = contract.deploymentTransaction();
    const receipt = await tx!.wait(confirmations);
    const address = await contract.getAddress();
    const codeHash = keccak256(await signer.provider!.getCode(address));
    return {
      name,
      address,
      codeHash,
      txHash: receipt!.hash,
      block: receipt!.blockNumber,
      gasUsed: receipt!.gasUsed.toString(),
      runtimeSize: compiled.runtimeSize,
    };
  } catch (error) {
    throw describeChainError(error);
  }
}

/** Deployment records live per chain under ~/.pocompute/deployments/<chainId>-<genesis>/<name>.json. */
export const deploymentPath = (networkKey: string, name: string) =>
  join(homePaths.deployments(), networkKey, `${name}.json`);

export async function readDeployment<T>(networkKey: string, name: string): Promise<T | undefined> {
  const path = deploymentPath(networkKey, name);
  return existsSync(path) ? (JSON.parse(await readFile(path, 'utf8')) as T) : undefined;
}

export async function writeDeployment(
  networkKey: string,
  name: string,
  record: unknown,
): Promise<string> {
  const path = deploymentPath(networkKey, name);
  await writeJsonAtomic(path, record);
  return path;
}

/** True when the code at `address` is still what the record says was deployed there. */
export async function recordStillHolds(
  provider: JsonRpcProvider,
  contract: Pick<DeployedContract, 'address' | 'codeHash'>,
): Promise<boolean> {
  const code = await provider.getCode(contract.address);
  return code !== '0x' && keccak256(code) === contract.codeHash;
}

/** True when the code at `address` is exactly the compiled runtime code (so a record can be trusted). */
export async function hasExpectedCode(
  provider: JsonRpcProvider,
  address: string,
  deployedBytecode: string,
): Promise<boolean> {
  const code = await provider.getCode(address);
  return code !== '0x' && keccak256(code) === keccak256(deployedBytecode);
}

export async function listDeployments<T>(networkKey: string, prefix: string): Promise<T[]> {
  const dir = join(homePaths.deployments(), networkKey);
  if (!existsSync(dir)) return [];
  const files = (await readdir(dir)).filter((f) => f.startsWith(prefix) && f.endsWith('.json'));
  return Promise.all(files.map(async (f) => JSON.parse(await readFile(join(dir, f), 'utf8')) as T));
}
