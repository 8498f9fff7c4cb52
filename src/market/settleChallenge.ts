import type { Contract } from 'ethers';
import { sendMarketTx } from './market.js';

/**
 * Settles a challenge the worker left unanswered past its response deadline: both bonds to the
 * challenger, the result discarded, the task reopened (or refunded past its deadline).
 */
export async function settleChallenge(market: Contract, taskId: bigint | number | string) {
  const receipt = await sendMarketTx(market, 'settleChallenge', [BigInt(taskId)]);
  const upheld = receipt.logs
    .map((l) => market.interface.parseLog(l))
    .find((e) => e?.name === 'ChallengeUpheld');
  return {
    taskId: String(taskId),
    txHash: receipt.hash,
    gasUsed: receipt.gasUsed.toString(),
    paidWei: (upheld!.args.paid as bigint).toString(),
    challenger: upheld!.args.challenger as string,
  };
}
