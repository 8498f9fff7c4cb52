import { Wallet, type Contract } from 'ethers';
import { openChain } from '../src/chain/chainContext.js';
import { deployMarket, openMarket, registerModel, sendMarketTx } from '../src/market/market.js';
import { postTask } from '../src/market/postTask.js';
import { claimTask } from '../src/market/submitTaskProof.js';
import type { Artifacts } from '../src/prover/artifacts.js';
import type { ProofBundle } from '../src/prover/bundle.js';
import { encodeCalldata, instancesAsUint256, proofBytes } from '../src/verifier/calldata.js';

/** Gas used by each market call, measured on an embedded anvil with a real proof. */
export async function measureMarketGas(
  artifacts: Artifacts,
  bundle: ProofBundle,
  input: string,
): Promise<Record<string, number>> {
  const chain = await openChain({});
  try {
    const dev = chain.devAccounts[0];
    const asDev = {
      ...chain,
      signer: async () => ({
        signer: new Wallet(dev.privateKey, chain.provider),
        address: dev.address,
        source: 'dev' as const,
      }),
    };
    const gas: Record<string, number> = {};
    const market = await deployMarket(asDev);
    gas['deploy (constructor)'] = Number(market.gasUsed);
    const contract: Contract = await openMarket(asDev, market.address, true);
    gas.registerModel = Number(
      (await registerModel({ chain: asDev, market: contract, artifacts })).gasUsed,
    );
    const post = () =>
      postTask({ market: contract, modelId: 0, input, rewardEth: '0.01', deadlineSeconds: 600 });
    const first = await post();
    gas['postTask (4 inputs)'] = Number(first.gasUsed);
    gas['claim (with bond)'] = Number((await claimTask(contract, first.taskId)).gasUsed);
    gas['submit (incl. on-chain verification)'] = Number(
      (
        await sendMarketTx(contract, 'submit', [
          BigInt(first.taskId),
          proofBytes(encodeCalldata(bundle)),
          instancesAsUint256(bundle),
        ])
      ).gasUsed,
    );
    const second = await post();
    gas.cancel = Number((await sendMarketTx(contract, 'cancel', [BigInt(second.taskId)])).gasUsed);
    const third = await post();
    await chain.provider.send('evm_increaseTime', [601]);
    await chain.provider.send('evm_mine', []);
    gas.refund = Number((await sendMarketTx(contract, 'refund', [BigInt(third.taskId)])).gasUsed);
    return gas;
  } finally {
    await chain.close();
  }
}
