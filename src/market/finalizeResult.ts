import type { Contract } from 'ethers';
import { sendMarketTx } from './market.js';

/**
 * Finalizes an unchallenged optimistic result after its window: reward, claim bond and worker
 * bond to the worker, the outputs recorded, the consumer called. Anyone may send it.
 */
export async function finalizeResult(market: Contract, taskId: bigint | number | string) {
  const receipt = await sendMarketTx(market, 'finalize', [BigInt(taskId)]);
  return { taskId: String(taskId), txHash: receipt.hash, gasUsed: receipt.gasUsed.toString() };
}
