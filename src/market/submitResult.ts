import type { Contract } from 'ethers';
import { readResult } from './readResult.js';
import { sendMarketTx } from './market.js';
import { claimTask } from './submitTaskProof.js';

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
  const now = (await market.runner!.provider!.getBlock('latest'))!.timestamp;
  let claimTxHash: string | undefined;
  let claimGas: bigint | undefined;
  if (
    view.task.claimant.toLowerCase() !== params.worker.toLowerCase() ||
    view.task.claimExpiry <= now
  ) {
    const claim = await claimTask(market, taskId);
    claimTxHash = claim.hash;
    claimGas = claim.gasUsed;
  }
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
    claimTxHash,
    claimGas: claimGas?.toString(),
    txHash: receipt.hash,
    submitGas: receipt.gasUsed.toString(),
    windowEnd: Number(event!.args.windowEnd),
  };
}
