/**
 * The public instances of one SGD step's proof, by name. The step circuit (stepGraph.ts) takes the
 * k trainable weight tensors and the batch (features, labels) and gives the k new tensors and the
 * loss, each as one Poseidon hash: [weights in ×k | features, labels | weights out ×k | loss].
 */
export interface StepInstances {
  weightsIn: string[];
  batch: [features: string, labels: string];
  weightsOut: string[];
  loss: string;
}

/** Reads a step proof's instances by the layout above (k: the trainable tensors). */
export function stepInstances(instances: readonly string[], k: number): StepInstances {
  return {
    weightsIn: instances.slice(0, k),
    batch: [instances[k], instances[k + 1]],
    weightsOut: instances.slice(k + 2, 2 * k + 2),
    loss: instances[2 * k + 2],
  };
}
