import type { Contract } from 'ethers';
import { describeChainError } from '../chain/provider.js';
import { sendMarketTx } from './market.js';
import type { StageAnswer } from './proveStageAnswer.js';

/**
 * Answers the open challenge with the challenged stage's proof (see proveStageAnswer). The gas
 * limit is the estimate plus a quarter: the verifier runs inside a try/catch, which turns an
 * out-of-gas verifier into "invalid proof", and a bare estimate was seen to fall short on anvil
 * (twice in four bench runs). An answer that misses its deadline costs the worker its bond; unused
 * gas costs nothing.
 */
export async function respondChallenge(
  market: Contract,
  taskId: bigint | number | string,
  answer: Pick<StageAnswer, 'proof' | 'instances'>,
) {
  const args = [BigInt(taskId), answer.proof, answer.instances];
  let estimate: bigint;
  try {
    estimate = await market.getFunction('respond').estimateGas(...args);
  } catch (error) {
    throw describeChainError(error, market.interface);
  }
  const receipt = await sendMarketTx(market, 'respond', args, {
    gasLimit: (estimate * 5n) / 4n,
  });
  return { taskId: String(taskId), txHash: receipt.hash, gasUsed: receipt.gasUsed.toString() };
}
