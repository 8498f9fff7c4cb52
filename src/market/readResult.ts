import { formatEther, type Contract } from 'ethers';
import { describeChainError } from '../chain/provider.js';
import { ZERO } from './attestModel.js';
import { readTask, type TaskView } from './market.js';

/** Where an optimistic task stands. */
export type OptimisticPhase =
  | { phase: 'open' }
  | { phase: 'submitted'; windowEnd: number }
  | { phase: 'challenged'; stage: number; challenger: string; responseDeadline: number }
  | { phase: 'done' }
  | { phase: 'refunded' };

export interface OptimisticResultView {
  task: TaskView;
  phase: OptimisticPhase;
  windowSeconds: number;
  responseSeconds: number;
  workerBondWei: bigint;
  challengerBondWei: bigint;
  submitter: string;
  windowEnd: number;
  challenger: string;
  challengedStage: number;
  responseDeadline: number;
  /** Stages proved for the standing result: they cannot be challenged again. */
  answeredStages: number[];
  /** The standing (or finalized) result: outputs and inner boundaries, as the chain holds them. */
  outputs: bigint[];
  boundaries: bigint[];
}

/** An optimistic task, its terms, its standing result and its challenge state, from the chain. */
export async function readResult(
  market: Contract,
  taskId: bigint | number | string,
): Promise<OptimisticResultView> {
  const task = await readTask(market, taskId);
  let raw: Awaited<ReturnType<typeof market.getResult>>;
  try {
    raw = await market.getResult(BigInt(taskId));
  } catch (error) {
    throw describeChainError(error, market.interface);
  }
  const [state, outputs, boundaries] = raw;
  const answered = BigInt(state.answered);
  const view = {
    task,
    windowSeconds: Number(state.terms.window),
    responseSeconds: Number(state.terms.responseTime),
    workerBondWei: BigInt(state.terms.workerBond),
    challengerBondWei: BigInt(state.terms.challengerBond),
    submitter: state.submitter as string,
    windowEnd: Number(state.windowEnd),
    challenger: state.challenger as string,
    challengedStage: Number(state.challengedStage),
    responseDeadline: Number(state.responseDeadline),
    answeredStages: Array.from({ length: 64 }, (_, i) => i).filter(
      (i) => (answered >> BigInt(i)) & 1n,
    ),
    outputs: (outputs as bigint[]).map(BigInt),
    boundaries: (boundaries as bigint[]).map(BigInt),
  };
  let phase: OptimisticPhase;
  if (task.status === 'submitted')
    phase =
      view.challenger !== ZERO
        ? {
            phase: 'challenged',
            stage: view.challengedStage,
            challenger: view.challenger,
            responseDeadline: view.responseDeadline,
          }
        : { phase: 'submitted', windowEnd: view.windowEnd };
  else phase = { phase: task.status === 'none' ? 'open' : task.status };
  return { ...view, phase };
}

/** One line for humans: "challenged: stage 1 by 0x…, answer due …". */
export function describePhase(r: OptimisticResultView): string {
  const at = (s: number) => new Date(s * 1000).toISOString();
  switch (r.phase.phase) {
    case 'submitted':
      return `submitted by ${r.submitter}, challengeable until ${at(r.phase.windowEnd)}`;
    case 'challenged':
      return `challenged: stage ${r.phase.stage} by ${r.phase.challenger}, answer due ${at(r.phase.responseDeadline)}`;
    default:
      return r.phase.phase;
  }
}

export const bondsText = (r: OptimisticResultView) =>
  `worker ${formatEther(r.workerBondWei)} ETH, challenger ${formatEther(r.challengerBondWei)} ETH`;
