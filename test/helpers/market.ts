import { Contract, ContractFactory, Wallet, type JsonRpcProvider } from 'ethers';
import { contractArtifact, marketArtifact } from '../../src/market/marketArtifact.js';

/** The market contract as seen by one of anvil's dev accounts. */
export async function marketAs(
  address: string,
  privateKey: string,
  provider: JsonRpcProvider,
): Promise<Contract> {
  const { abi } = await marketArtifact();
  return new Contract(address, abi, new Wallet(privateKey, provider));
}

/** Deploys a test contract from contracts/ (e.g. test/ReentrantConsumer.sol) with the pinned solc. */
export async function deployTestContract(
  file: string,
  name: string,
  signerKey: string,
  provider: JsonRpcProvider,
  args: unknown[] = [],
): Promise<Contract> {
  const artifact = await contractArtifact(file, name);
  const contract = await new ContractFactory(
    artifact.abi,
    artifact.bytecode,
    new Wallet(signerKey, provider),
  ).deploy(...args);
  await contract.waitForDeployment();
  return contract as Contract;
}

/** Wei spent on gas by these transactions. */
export async function gasCost(provider: JsonRpcProvider, hashes: string[]): Promise<bigint> {
  let total = 0n;
  for (const hash of hashes) {
    const receipt = await provider.getTransactionReceipt(hash);
    total += receipt!.gasUsed * receipt!.gasPrice;
  }
  return total;
}

/**
 * What `from` paid in gas for every transaction of it mined in blocks fromBlock…latest: all of a
 * party's costs, those of transactions a test did not see it send (a retry on a slow machine) too.
 */
export async function gasPaidBy(
  provider: JsonRpcProvider,
  from: string,
  fromBlock: number,
): Promise<{ gas: bigint; hashes: string[] }> {
  const hashes: string[] = [];
  const latest = await provider.getBlockNumber();
  for (let n = fromBlock; n <= latest; n++) {
    const block = await provider.getBlock(n, true);
    for (const tx of block?.prefetchedTransactions ?? [])
      if (tx.from.toLowerCase() === from.toLowerCase()) hashes.push(tx.hash);
  }
  return { gas: await gasCost(provider, hashes), hashes };
}

/** Moves anvil's clock forward and mines a block. */
export async function advanceTime(provider: JsonRpcProvider, seconds: number): Promise<void> {
  await provider.send('evm_increaseTime', [seconds]);
  await provider.send('evm_mine', []);
}

/** A market on a test anvil with the mlp fixture registered: what most market tests start from. */
export async function marketWithMlp(
  rpcUrl: string,
  keys: string[],
  options: { claimTtl?: number } = {},
) {
  const { openChain } = await import('../../src/chain/chainContext.js');
  const { deployMarket, registerModel } = await import('../../src/market/market.js');
  const { compiledFixture } = await import('./pocompute.js');
  process.env.POCOMPUTE_PRIVATE_KEY = keys[0];
  const chain = await openChain({ rpc: rpcUrl });
  const address = (await deployMarket(chain, { claimTtl: options.claimTtl ?? 600 })).address;
  const as = (i: number) => marketAs(address, keys[i], chain.provider);
  const owner = await as(0);
  const artifacts = await compiledFixture('mlp');
  const registered = await registerModel({ chain, market: owner, artifacts });
  return { chain, address, as, artifacts, registered, modelId: registered.modelId };
}

/** The decoded revert of a raw market call (ethers leaves custom errors undecoded on estimateGas). */
export async function revertOf(market: Contract, call: Promise<unknown>): Promise<string> {
  const { describeChainError } = await import('../../src/chain/provider.js');
  try {
    await call;
  } catch (error) {
    return describeChainError(error, market.interface).message;
  }
  return 'no revert';
}
