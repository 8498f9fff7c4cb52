import type { Contract } from 'ethers';
import { readResult } from './readResult.js';
import { sendMarketTx } from './market.js';
import { ensureClaim } from './submitTaskProof.js';

/**
 * Claims an optimistic task for the sender (unless it holds a live claim) and states its result
 * with the worker bond: outputs plus the inner boundary hashes, no proof. The challenge window
 * starts at the submit.
 */
export async function submitResult(params: {
  market: Contract;
  taskId: bigint | number | string;
  worker: string;
  outputs: bigint[];
  boundaries: bigint[];
}) {
  const { market, taskId } = params;
  const view = await readResult(market, taskId);
  const claim = await ensureClaim(market, taskId, view.task, params.worker);
  const receipt = await sendMarketTx(
    market,
    'submitResult',
    [BigInt(taskId), params.outputs, params.boundaries],
    { value: view.workerBondWei },
  );
  const event = receipt.logs
    .map((l) => market.interface.parseLog(l))
    .find((e) => e?.name === 'ResultSubmitted');
  return {
    taskId: String(taskId),
    claimTxHash: claim?.hash,
    claimGas: claim?.gasUsed.toString(),
    txHash: receipt.hash,
    submitGas: receipt.gasUsed.toString(),
    windowEnd: Number(event!.args.windowEnd),
  };
}
