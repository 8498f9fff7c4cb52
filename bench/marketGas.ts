import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Wallet, ZeroHash, type Contract } from 'ethers';
import { openChain } from '../src/chain/chainContext.js';
import { PACKAGE_ROOT } from '../src/core/paths.js';
import {
  deployMarket,
  openMarket,
  readTask,
  registerModel,
  sendMarketTx,
} from '../src/market/market.js';
import { postTask } from '../src/market/postTask.js';
import { claimTask, commitAndSubmit, proofCommitment } from '../src/market/submitTaskProof.js';
import type { Artifacts } from '../src/proof/artifacts.js';
import type { ProofBundle } from '../src/proof/bundle.js';
import { compileModel } from '../src/prover/compileModel.js';
import { proveInference } from '../src/prover/proveInference.js';
import { instancesAsUint256, proofBytes } from '../src/verifier/calldata.js';

/**
 * Gas used by each market call, measured on an embedded anvil with a real proof. A zk task costs
 * its worker claim + commitProof + submit (`pocompute worker`: it claims before it proves), or
 * claim-with-commitment + submit (`pocompute submit`: the proof is in hand when it claims).
 */
export async function measureMarketGas(
  artifacts: Artifacts,
  bundle: ProofBundle,
  input: string,
  /** The verifier layout of the registered model (default: the one compile chose). */
  layout?: 'single' | 'reusable',
): Promise<Record<string, number>> {
  const chain = await openChain({});
  try {
    const [dev, stranger] = chain.devAccounts;
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
    const contract: Contract = await openMarket({
      chain: asDev,
      address: market.address,
      withSigner: true,
    });
    gas.registerModel = Number(
      (await registerModel({ chain: asDev, market: contract, artifacts, layout })).gasUsed,
    );
    const post = () =>
      postTask({ market: contract, modelId: 0, input, rewardEth: '0.01', deadlineSeconds: 600 });
    const proof = proofBytes(bundle);
    const instances = instancesAsUint256(bundle);

    const first = await post();
    gas['postTask (4 inputs)'] = Number(first.gasUsed);
    const claim = await claimTask(contract, first.taskId);
    gas['claim (with bond)'] = Number(claim.gasUsed);
    // A stranger's verbatim copy of the reveal, mined first: what a mempool copier pays to fail.
    const copy = await new Wallet(stranger.privateKey, chain.provider).sendTransaction({
      to: market.address,
      data: contract.interface.encodeFunctionData('submit', [
        BigInt(first.taskId),
        proof,
        instances,
      ]),
      gasLimit: 3_000_000,
    });
    await copy.wait().catch(() => undefined);
    // A claim that lost the race (AlreadyClaimed), mined: what a copied claim costs its victim.
    const late = await new Wallet(stranger.privateKey, chain.provider).sendTransaction({
      to: market.address,
      data: contract.interface.encodeFunctionData('claim', [BigInt(first.taskId), ZeroHash]),
      value: (await readTask(contract, first.taskId)).claimBondWei,
      gasLimit: 200_000,
    });
    await late.wait().catch(() => undefined);
    const sent = await commitAndSubmit(contract, first.taskId, proof, instances, dev.address);
    gas.commitProof = Number(sent.commit!.gasUsed);
    gas['submit (incl. on-chain verification)'] = Number(sent.submit.gasUsed);
    gas['zk task total: claim + commitProof + submit'] =
      gas['claim (with bond)'] + gas.commitProof + gas['submit (incl. on-chain verification)'];
    const mined = async (hash: string) =>
      Number((await chain.provider.getTransactionReceipt(hash))!.gasUsed);
    gas['copied submit, refused (NotClaimant)'] = await mined(copy.hash);
    gas['claim that lost the race, refused (AlreadyClaimed)'] = await mined(late.hash);

    // The claim that carries the commitment (pocompute submit); its reveal costs the same submit.
    const second = await post();
    const commitment = proofCommitment(second.taskId, dev.address, proof);
    gas['claim with commitment (one tx)'] = Number(
      (await claimTask(contract, second.taskId, commitment)).gasUsed,
    );
    gas['zk task total: claim with commitment + submit'] =
      gas['claim with commitment (one tx)'] + gas['submit (incl. on-chain verification)'];

    const third = await post();
    gas.cancel = Number((await sendMarketTx(contract, 'cancel', [BigInt(third.taskId)])).gasUsed);
    const fourth = await post();
    await chain.provider.send('evm_increaseTime', [601]);
    await chain.provider.send('evm_mine', []);
    gas.refund = Number((await sendMarketTx(contract, 'refund', [BigInt(fourth.taskId)])).gasUsed);
    return gas;
  } finally {
    await chain.close();
  }
}

/** `node dist/bench/marketGas.js`: the market's gas alone, for the mlp fixture (JSON on stdout). */
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const input = join(PACKAGE_ROOT, 'fixtures', 'mlp', 'input.json');
  const artifacts = await compileModel({
    model: join(PACKAGE_ROOT, 'fixtures', 'mlp', 'model.onnx'),
    input,
  });
  const { bundle } = await proveInference({
    target: artifacts.dir,
    input,
    out: join(mkdtempSync(join(tmpdir(), 'pocompute-bench-')), 'mlp.proof'),
  });
  process.stdout.write(
    `${JSON.stringify(await measureMarketGas(artifacts, bundle, input), null, 2)}\n`,
  );
}
