import type { PipelineResult, UnwitnessableStage } from './witnessPipeline.js';

// What the watcher concludes about a stated result, against its own witnesses: shared by the
// single-task watcher (watcher.ts) and the batch watcher (batchWatcher.ts).

/**
 * The first stage a result gets wrong, judged against the watcher's own witnesses: the first inner
 * boundary that differs (the stage that produced it from a correct input), else the last stage if
 * only the outputs differ; undefined when the result is right.
 */
export function firstWrongStage(
  stated: PipelineResult,
  expected: PipelineResult,
): { stage: number; reason: string } | undefined {
  for (const [i, b] of expected.boundaries.entries())
    if (stated.boundaries[i] !== b)
      return {
        stage: i,
        reason: `boundary ${i} is ${stated.boundaries[i]}, the witness gives ${b}`,
      };
  const n = expected.boundaries.length + 1;
  if (
    stated.outputs.length !== expected.outputs.length ||
    stated.outputs.some((v, i) => v !== expected.outputs[i])
  )
    return { stage: n - 1, reason: 'the outputs differ from the witness' };
  return undefined;
}

/**
 * The stage to challenge in a result on an input the trusted pipeline cannot witness: the first
 * stated boundary that differs from the correct ones before the failure (that stage lied from a
 * correct input), else the stage that cannot be witnessed — no proof of it on the committed input
 * can exist, so an honest worker could never have stated a result and the challenge must win.
 */
export function unanswerableStage(
  stated: PipelineResult,
  failure: UnwitnessableStage,
): { stage: number; reason: string } {
  for (const [i, b] of failure.boundaries.entries())
    if (stated.boundaries[i] !== b)
      return {
        stage: i,
        reason: `boundary ${i} is ${stated.boundaries[i]}, the witness gives ${b}`,
      };
  return {
    stage: failure.stage,
    reason: `stage ${failure.stage} cannot be witnessed on the committed input, so no proof can answer: ${failure.reason}`,
  };
}
