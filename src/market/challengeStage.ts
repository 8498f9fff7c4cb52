import type { Contract } from 'ethers';
import { readResult } from './readResult.js';
import { sendMarketTx } from './market.js';

/** Challenges one stage of a standing optimistic result, locking the task's challenger bond. */
export async function challengeStage(
  market: Contract,
  taskId: bigint | number | string,
  stage: number,
) {
  const { challengerBondWei } = await readResult(market, taskId);
  const receipt = await sendMarketTx(market, 'challenge', [BigInt(taskId), stage], {
    value: challengerBondWei,
  });
  const event = receipt.logs
    .map((l) => market.interface.parseLog(l))
    .find((e) => e?.name === 'Challenged');
  return {
    taskId: String(taskId),
    stage,
    txHash: receipt.hash,
    gasUsed: receipt.gasUsed.toString(),
    responseDeadline: Number(event!.args.responseDeadline),
  };
}
