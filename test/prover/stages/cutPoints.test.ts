import { describe, expect, it } from 'vitest';
import {
  balanceCuts,
  findCutPoints,
  type GraphNode,
  type GraphOutline,
} from '../../../src/prover/stages/cutPoints.js';

const node = (opType: string, inputs: string[], outputs: string[]): GraphNode => ({
  opType,
  inputs,
  outputs,
});
const outline = (nodes: GraphNode[], extra: Partial<GraphOutline> = {}): GraphOutline => ({
  nodes,
  inputs: ['x'],
  outputs: [nodes[nodes.length - 1].outputs[0]],
  initializers: new Set(['w1', 'w2', 'w3', 'b']),
  ...extra,
});

describe('findCutPoints', () => {
  it('cuts a chain after every node', () => {
    const graph = outline([
      node('Gemm', ['x', 'w1', 'b'], ['h1']),
      node('Relu', ['h1'], ['r1']),
      node('Gemm', ['r1', 'w2', 'b'], ['y']),
    ]);
    expect(findCutPoints(graph)).toEqual([
      { position: 1, tensor: 'h1' },
      { position: 2, tensor: 'r1' },
    ]);
  });

  it('finds no cut inside a skip connection', () => {
    // a → (Relu → Gemm) → Add(a, ·): a stays live over the whole residual branch.
    const graph = outline([
      node('Gemm', ['x', 'w1', 'b'], ['a']),
      node('Relu', ['a'], ['r']),
      node('Gemm', ['r', 'w2', 'b'], ['g']),
      node('Add', ['a', 'g'], ['s']),
      node('Gemm', ['s', 'w3', 'b'], ['y']),
    ]);
    expect(findCutPoints(graph)).toEqual([
      { position: 1, tensor: 'a' },
      { position: 4, tensor: 's' },
    ]);
  });

  it('does not count constants or initializers as crossing tensors', () => {
    const graph = outline([
      node('Constant', [], ['c']),
      node('Gemm', ['x', 'w1', 'b'], ['h']),
      node('Mul', ['h', 'c'], ['m']),
      node('Add', ['m', 'c'], ['y']),
    ]);
    expect(findCutPoints(graph).map((c) => c.tensor)).toEqual(['h', 'm']);
  });

  it('never cuts where a graph input or a graph output is still needed', () => {
    const graph = outline(
      [
        node('Gemm', ['x', 'w1', 'b'], ['h']),
        node('Add', ['h', 'x'], ['s']),
        node('Relu', ['s'], ['y']),
      ],
      { outputs: ['y'] },
    );
    expect(findCutPoints(graph)).toEqual([{ position: 2, tensor: 's' }]);
    const twoOutputs = outline(
      [
        node('Gemm', ['x', 'w1', 'b'], ['h']),
        node('Relu', ['h'], ['r']),
        node('Gemm', ['r', 'w2', 'b'], ['y']),
      ],
      { outputs: ['h', 'y'] },
    );
    expect(findCutPoints(twoOutputs)).toEqual([]);
  });
});

describe('balanceCuts', () => {
  const cuts = [1, 2, 3, 4].map((position) => ({ position, tensor: `t${position}` }));
  it('minimises the most expensive stage', () => {
    expect(balanceCuts(cuts, [10, 1, 1, 1, 10], 1).map((c) => c.position)).toEqual([2]);
    expect(balanceCuts(cuts, [10, 1, 1, 1, 10], 2).map((c) => c.position)).toEqual([1, 4]);
  });
  it('counts a boundary on both sides', () => {
    const costly = (c: { position: number }) => (c.position === 2 ? 100 : 0);
    expect(balanceCuts(cuts, [5, 5, 5, 5, 5], 1, costly).map((c) => c.position)).not.toContain(2);
  });
  it('refuses more cuts than there are', () => {
    expect(() => balanceCuts(cuts, [1, 1, 1, 1, 1], 5)).toThrow(/4 cut point/);
  });
});
