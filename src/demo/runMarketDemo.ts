import { Wallet, formatEther, type Contract } from 'ethers';
import { openChain, type ChainContext } from '../chain/chainContext.js';
import { PocomputeError } from '../core/errors.js';
import type { Reporter } from '../core/output.js';
import { fixturePath } from '../core/paths.js';
import { deployMarket, openMarket, registerModel } from '../market/market.js';
import { postTask } from '../market/postTask.js';
import { runWorker, type WorkerEvent } from '../market/worker.js';
import type { Artifacts } from '../proof/artifacts.js';

export interface MarketDemoResult {
  chain: { rpcUrl: string; kind: string; chainId: string };
  market: string;
  modelId: string;
  taskId: string;
  rewardEth: string;
  worker: string;
  workerBalanceDeltaEth: string;
  outputs: string[];
  proveMs: number;
}

/** A chain context whose signer is one of anvil's dev accounts (the demo plays requester and worker). */
function asDevAccount(chain: ChainContext, index: number): ChainContext {
  const account = chain.devAccounts[index];
  if (!account)
    throw new PocomputeError(
      'KEY_UNAVAILABLE',
      'the market demo runs on the embedded or `pocompute chain` anvil only',
    );
  return {
    ...chain,
    signer: async () => ({
      signer: new Wallet(account.privateKey, chain.provider),
      address: account.address,
      source: 'dev',
    }),
  };
}

/**
 * The whole loop on the embedded chain: deploy the market, register the model (deploying its
 * verifier), post a task, and let a worker prove it, submit and get paid.
 */
export async function runMarketDemo(params: {
  artifacts: Artifacts;
  fixture: string;
  reporter?: Reporter;
}): Promise<MarketDemoResult> {
  const { reporter } = params;
  const base = await openChain({ reporter });
  try {
    const requester = asDevAccount(base, 0);
    const workerChain = asDevAccount(base, 1);
    const market = await deployMarket(requester, { reporter });
    const requesterMarket = await openMarket({
      chain: requester,
      address: market.address,
      withSigner: true,
    });
    const model = await registerModel({
      chain: requester,
      market: requesterMarket,
      artifacts: params.artifacts,
      reporter,
    });
    const rewardEth = '0.05';
    const post = () =>
      postTask({
        market: requesterMarket,
        modelId: model.modelId,
        input: fixturePath(params.fixture, 'input.json'),
        rewardEth,
        deadlineSeconds: 3600,
      });
    const posted = reporter
      ? await reporter.step(`Posting a task (${rewardEth} ETH in escrow)`, post, 'post')
      : await post();

    const workerMarket: Contract = await openMarket({
      chain: workerChain,
      address: market.address,
      withSigner: true,
    });
    const { address: worker } = await workerChain.signer();
    const before = await base.provider.getBalance(worker);
    const controller = new AbortController();
    let paid: Extract<WorkerEvent, { event: 'paid' }> | undefined;
    let failure: WorkerEvent | undefined;
    const work = () =>
      runWorker({
        market: workerMarket,
        worker,
        networkKey: base.networkKey,
        signal: controller.signal,
        pollMs: 200,
        log: (event) => {
          if (event.event === 'paid' && event.taskId === posted.taskId) paid = event;
          else if (event.event === 'failed') failure = event;
          if (paid || failure) controller.abort();
        },
        stateFile: undefined,
      });
    await (reporter
      ? reporter.step('Worker: claiming, proving, submitting', work, 'worker')
      : work());
    if (!paid)
      throw new PocomputeError(
        'TX_REVERTED',
        `the demo worker was not paid: ${JSON.stringify(failure)}`,
      );
    const after = await base.provider.getBalance(worker);
    return {
      chain: { rpcUrl: base.rpcUrl, kind: base.kind, chainId: base.chainId.toString() },
      market: market.address,
      modelId: model.modelId,
      taskId: posted.taskId,
      rewardEth,
      worker,
      workerBalanceDeltaEth: formatEther(after - before),
      outputs: paid.outputs,
      proveMs: paid.proveMs,
    };
  } finally {
    await base.close();
  }
}
