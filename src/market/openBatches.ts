import { Contract, getCreateAddress, Interface } from 'ethers';
import { pocomputeBatchesAbi, pocomputeMarketAbi } from '../chain/generated/contracts.js';

/**
 * The ABI a batch call is decoded with: the batch contract's own, plus the market's errors that
 * bubble up through it (a changed verifier, an unknown pipeline).
 */
const batchesAbi = [
  ...pocomputeBatchesAbi,
  ...pocomputeMarketAbi.filter(
    (f) =>
      f.type === 'error' &&
      !pocomputeBatchesAbi.some((g) => g.type === 'error' && g.name === f.name),
  ),
];
export const batchesInterface = new Interface(batchesAbi);

/**
 * The market's batch contract (PocomputeBatches), connected like the market (its signer or its
 * provider). The market deploys it in its constructor, so it is the market's first CREATE: its
 * address follows from the market's (nonce 1), with no lookup to trust.
 */
export function openBatches(market: Contract): Contract {
  const address = getCreateAddress({ from: market.target as string, nonce: 1 });
  return new Contract(address, batchesInterface, market.runner);
}
