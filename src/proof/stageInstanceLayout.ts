/**
 * Where each value sits in a stage proof's public instances. EZKL 21 (graph/mod.rs,
 * prepare_public_inputs; settings `model_instance_shapes`, witness `processed_inputs` /
 * `processed_outputs`) lays them out as: Poseidon hashes of hashed inputs, then public inputs,
 * then public outputs or the Poseidon hashes of hashed outputs (params are fixed: no hashes). So:
 *
 * | stage            | instances                                  |
 * | ---------------- | ------------------------------------------ |
 * | only (1 stage)   | public inputs…, public outputs…            |
 * | first (0)        | public inputs…, hash(boundary 0)           |
 * | middle (i)       | hash(boundary i−1), hash(boundary i)       |
 * | last (N−1)       | hash(boundary N−2), public outputs…        |
 *
 * The one place that says so: the Solidity consumer of staged proofs checks instances by position.
 */
export interface StageInstanceLayout {
  inputVisibility: 'public' | 'hashed';
  outputVisibility: 'public' | 'hashed';
  /** Index of the input boundary's Poseidon hash (stages after the first). */
  inputHash?: number;
  /** Index of the output boundary's Poseidon hash (stages before the last). */
  outputHash?: number;
  /** [start, end) of the model's public input felts (first stage). */
  publicInputs?: [number, number];
  /** [start, end) of the model's public output felts (last stage). */
  publicOutputs?: [number, number];
  /** How many instances the stage's proof has. */
  count: number;
}

/**
 * The instance layout of stage `index` of `count`, given how many felts the model's inputs (first
 * stage) and outputs (last stage) have in all.
 */
export function stageInstanceLayout(
  index: number,
  count: number,
  sizes: { inputElements: number; outputElements: number },
): StageInstanceLayout {
  const first = index === 0;
  const last = index === count - 1;
  const layout: StageInstanceLayout = {
    inputVisibility: first ? 'public' : 'hashed',
    outputVisibility: last ? 'public' : 'hashed',
    count: 0,
  };
  let at = 0;
  if (first) {
    layout.publicInputs = [at, at + sizes.inputElements];
    at += sizes.inputElements;
  } else layout.inputHash = at++;
  if (last) {
    layout.publicOutputs = [at, at + sizes.outputElements];
    at += sizes.outputElements;
  } else layout.outputHash = at++;
  layout.count = at;
  return layout;
}
