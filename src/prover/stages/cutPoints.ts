import { PocomputeError } from '../../core/errors.js';

/** One node of an ONNX graph, as the cut-point search sees it. */
export interface GraphNode {
  opType: string;
  inputs: string[];
  outputs: string[];
}

/** The parts of an ONNX graph that decide where it can be cut. */
export interface GraphOutline {
  nodes: GraphNode[];
  /** Real inputs (not backed by initializers). */
  inputs: string[];
  outputs: string[];
  initializers: Set<string>;
}

/**
 * A place between node `position - 1` and node `position` (topological order) where exactly one
 * activation tensor crosses: everything before it feeds everything after it through `tensor`.
 */
export interface CutPoint {
  position: number;
  tensor: string;
}

/**
 * Constant nodes are free: each stage that reads one gets its own copy (like an initializer), so
 * they never keep a tensor live across a cut.
 */
export const isConstantNode = (node: GraphNode) => node.opType === 'Constant';

/**
 * Every single-tensor cut of the graph: a position where exactly one tensor produced before it
 * (not a graph input, initializer or constant) is read after it, and that tensor is not a graph
 * output. Both sides keep at least one node that is not a Constant. A skip connection keeps two
 * tensors live, so there is never a cut inside it.
 */
export function findCutPoints(graph: GraphOutline): CutPoint[] {
  const constants = new Set(
    graph.nodes.filter(isConstantNode).flatMap((n) => n.outputs.filter(Boolean)),
  );
  const outputs = new Set(graph.outputs);
  // The last node that reads each tensor (graph outputs are read "after the end").
  const lastUse = new Map<string, number>();
  graph.nodes.forEach((node, i) => {
    for (const name of node.inputs) if (name) lastUse.set(name, i);
  });
  for (const name of outputs) lastUse.set(name, graph.nodes.length);
  const realBefore: number[] = [];
  let real = 0;
  for (const node of graph.nodes) {
    realBefore.push(real);
    if (!isConstantNode(node)) real++;
  }
  const totalReal = real;
  const cuts: CutPoint[] = [];
  const live = new Set<string>();
  // Graph inputs read after a cut keep it from being a single-tensor cut.
  for (const name of graph.inputs) if ((lastUse.get(name) ?? -1) >= 0) live.add(name);
  for (let position = 1; position < graph.nodes.length; position++) {
    const produced = graph.nodes[position - 1];
    for (const name of produced.outputs)
      if (name && !constants.has(name) && (lastUse.get(name) ?? -1) >= position) live.add(name);
    for (const name of [...live]) if ((lastUse.get(name) ?? -1) < position) live.delete(name);
    const before = realBefore[position];
    if (before === 0 || before === totalReal) continue;
    if (isConstantNode(graph.nodes[position])) continue; // cut before the real node only
    if (live.size !== 1) continue;
    const [tensor] = live;
    if (outputs.has(tensor) || graph.inputs.includes(tensor) || graph.initializers.has(tensor))
      continue;
    cuts.push({ position, tensor });
  }
  return cuts;
}

/**
 * Picks `count` cuts out of `candidates` so that the most expensive stage is as cheap as possible
 * (the linear-partition problem, solved exactly by dynamic programming). `costs[i]` is node i's
 * estimated cost; candidates are in increasing position.
 */
export function balanceCuts(
  candidates: CutPoint[],
  costs: number[],
  count: number,
  boundaryCost: (cut: CutPoint) => number = () => 0,
): CutPoint[] {
  if (count === 0) return [];
  if (count > candidates.length)
    throw new PocomputeError(
      'OPTION_INVALID',
      `the model has ${candidates.length} cut point(s), ${count} were asked for`,
    );
  const prefix = [0];
  for (const c of costs) prefix.push(prefix[prefix.length - 1] + c);
  const n = costs.length;
  // Boundaries: 0, the candidates' positions, n. best[k][j]: the least max cost of splitting
  // nodes [0, pos_j) into k+1 stages whose last cut is candidate j.
  const pos = candidates.map((c) => c.position);
  const extra = candidates.map(boundaryCost);
  // Stage cost: its nodes plus its boundaries (index -1: the model's input, m: its output).
  const segment = (i: number, j: number) =>
    prefix[j === m ? n : pos[j]] - prefix[i < 0 ? 0 : pos[i]] + (extra[i] ?? 0) + (extra[j] ?? 0);
  const m = pos.length;
  const best: number[][] = [pos.map((_, j) => segment(-1, j))];
  const from: number[][] = [pos.map(() => -1)];
  for (let k = 1; k < count; k++) {
    const row: number[] = [];
    const back: number[] = [];
    for (let j = 0; j < m; j++) {
      let value = Number.POSITIVE_INFINITY;
      let arg = -1;
      for (let i = 0; i < j; i++) {
        const v = Math.max(best[k - 1][i], segment(i, j));
        if (v < value) {
          value = v;
          arg = i;
        }
      }
      row.push(value);
      back.push(arg);
    }
    best.push(row);
    from.push(back);
  }
  let end = -1;
  let value = Number.POSITIVE_INFINITY;
  for (let j = 0; j < m; j++) {
    const v = Math.max(best[count - 1][j], segment(j, m));
    if (v < value) {
      value = v;
      end = j;
    }
  }
  const chosen: CutPoint[] = [];
  for (let k = count - 1, j = end; k >= 0; k--) {
    chosen.unshift(candidates[j]);
    j = from[k][j];
  }
  return chosen;
}
