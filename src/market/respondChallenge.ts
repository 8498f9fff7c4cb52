import type { Contract } from 'ethers';
import { sendMarketTx } from './market.js';
import type { StageAnswer } from './proveStageAnswer.js';

/** Answers the open challenge with the challenged stage's proof (see proveStageAnswer). */
export async function respondChallenge(
  market: Contract,
  taskId: bigint | number | string,
  answer: Pick<StageAnswer, 'proof' | 'instances'>,
) {
  const receipt = await sendMarketTx(market, 'respond', [
    BigInt(taskId),
    answer.proof,
    answer.instances,
  ]);
  return { taskId: String(taskId), txHash: receipt.hash, gasUsed: receipt.gasUsed.toString() };
}
