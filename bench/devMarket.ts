import { Contract, Wallet } from 'ethers';
import type { ChainContext } from '../src/chain/chainContext.js';
import { deployMarket } from '../src/market/market.js';
import { marketArtifact } from '../src/market/marketArtifact.js';

/**
 * A market on a dev chain for the on-chain benches: deployed by the first dev account, bound to
 * the first three as requester, worker and challenger. `asDev` signs as the first account.
 */
export async function openDevMarket(
  chain: ChainContext & { devAccounts: { privateKey: string }[] },
) {
  const { abi } = await marketArtifact();
  const wallets = chain.devAccounts
    .slice(0, 3)
    .map((a) => new Wallet(a.privateKey, chain.provider));
  const asDev = {
    ...chain,
    signer: async () => ({
      signer: wallets[0],
      address: wallets[0].address,
      source: 'dev' as const,
    }),
  };
  const { address } = await deployMarket(asDev);
  const [requester, worker, challenger] = wallets.map((w) => new Contract(address, abi, w));
  return { asDev, address, wallets, requester, worker, challenger };
}
