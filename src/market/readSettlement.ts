import { type Contract, keccak256 } from 'ethers';
import { describeChainError } from '../chain/provider.js';
import { PocomputeError } from '../core/errors.js';
import type { ProofBundle } from '../proof/bundle.js';
import type { Receipt } from '../proof/receipt.js';
import { proofBytes } from '../verifier/calldata.js';
import { readModel } from './attestModel.js';
import { readTask } from './market.js';

export interface TaskSettlement {
  settlement: NonNullable<Receipt['settlement']>;
  /** The verifier the market paid against. */
  verifier: { chainId: number; address: string };
}

export interface ReadSettlementParams {
  taskId: bigint | number | string;
  /** The bundle the receipt is for: the task must have been paid for exactly its proof. */
  bundle: ProofBundle;
}

/**
 * Where and how a task was paid, read from the market: the TaskCompleted event of the task, the
 * submit call that emitted it — which must carry exactly the bundle's proof — and the task's
 * model. A task that is not done, or was paid for another proof, is refused (OPTION_INVALID).
 */
export async function readSettlement(
  market: Contract,
  { taskId, bundle }: ReadSettlementParams,
): Promise<TaskSettlement> {
  const proof = proofBytes(bundle);
  const task = await readTask(market, taskId);
  const id = BigInt(taskId);
  if (task.mode !== 'zk' || task.status !== 'done')
    throw new PocomputeError(
      'OPTION_INVALID',
      `task ${id} is ${task.mode === 'zk' ? task.status : 'an optimistic task'}: only a proved task that was paid has a settlement`,
      { hint: 'Pass the id of a task paid for this proof (`pocompute task show <id>`).' },
    );
  const provider = market.runner!.provider!;
  let logs: Awaited<ReturnType<typeof market.queryFilter>>;
  try {
    // The submit that paid it came after the claimant's commitment: the search starts there, not at
    // genesis (providers cap the block range of eth_getLogs).
    logs = await market.queryFilter(market.filters.TaskCompleted(id), task.commitBlock);
  } catch (error) {
    throw describeChainError(error, market.interface);
  }
  const completed = logs.at(-1);
  if (!completed)
    throw new PocomputeError(
      'OPTION_INVALID',
      `task ${id} has no TaskCompleted event on this market`,
    );
  const tx = await provider.getTransaction(completed.transactionHash);
  const call = tx ? market.interface.parseTransaction({ data: tx.data }) : null;
  if (call?.name !== 'submit' || keccak256(call.args[1]) !== keccak256(proof))
    throw new PocomputeError(
      'OPTION_INVALID',
      `task ${id} was paid for another proof than this bundle's`,
      {
        hint: 'Pass the bundle that was submitted for the task.',
      },
    );
  const model = await readModel(market, task.modelId);
  const chainId = Number((await provider.getNetwork()).chainId);
  return {
    settlement: {
      chainId,
      market: await market.getAddress(),
      taskId: String(id),
      modelId: task.modelId,
      txHash: completed.transactionHash,
      blockNumber: completed.blockNumber,
      worker: task.worker,
    },
    verifier: { chainId, address: model.verifier },
  };
}
