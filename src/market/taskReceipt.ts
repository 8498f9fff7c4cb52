import type { Contract, Signer } from 'ethers';
import { PocomputeError } from '../core/errors.js';
import type { Receipt } from '../proof/receipt.js';
import { type CreateReceiptParams, createReceipt, signReceipt } from '../verifier/createReceipt.js';
import { readSettlement } from './readSettlement.js';

export interface TaskReceiptParams
  extends Omit<CreateReceiptParams, 'settlement' | 'deployedVerifier'> {
  bundle: Exclude<CreateReceiptParams['bundle'], string>;
  taskId: string;
  /** Sign with this key, which must be the worker the task paid. */
  signer?: { signer: Signer; address: string };
}

/**
 * `receipt --task`: the receipt of a bundle with the settlement of the task that paid for it,
 * signed by the paid worker when a key is given (any other key is OPTION_INVALID, exit 2).
 */
export async function createTaskReceipt(
  market: Contract,
  params: TaskReceiptParams,
): Promise<Receipt> {
  const { taskId, signer, ...base } = params;
  const { settlement, verifier } = await readSettlement(market, { taskId, bundle: base.bundle });
  const receipt = await createReceipt({ ...base, settlement, deployedVerifier: verifier });
  if (!signer) return receipt;
  if (signer.address.toLowerCase() !== settlement.worker.toLowerCase())
    throw new PocomputeError(
      'OPTION_INVALID',
      `the key's address ${signer.address} is not the worker task ${taskId} paid (${settlement.worker})`,
      { hint: 'Sign with the key that submitted the proof (--key-env or --keystore).' },
    );
  return signReceipt({ receipt, signer: signer.signer });
}
