import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type onnxProto from 'onnx-proto';
import { onnx } from '../../proof/onnxProto.js';
import { PocomputeError } from '../../core/errors.js';
import { sha256Hex, writeJsonAtomic } from '../../core/files.js';
import { tmpSuffix } from '../../core/tempDirs.js';
import { inspectModel } from '../../proof/inspectModel.js';
import {
  balanceCuts,
  type CutPoint,
  findCutPoints,
  type GraphOutline,
  isConstantNode,
} from './cutPoints.js';
import { type ProbedTensor, probeTensors } from './probeTensors.js';
import {
  SOURCE_FILE,
  STAGED_MODEL_FORMAT,
  STAGES_FILE,
  type StagedModel,
  type StagedModelManifest,
  isStagedModelDir,
  readStagedModel,
} from '../../proof/stagedModel.js';

export interface SplitModelParams {
  model: string;
  /** How many stages, or `auto` (see AUTO_STAGE_COST). */
  stages: number | 'auto';
  /** The directory to write (created; an existing split there is replaced). */
  out: string;
}

/**
 * `auto` makes stages of at most about this estimate each (≈ 2^17 EZKL rows, a 4 GiB prove on the
 * real models), and at least two when the model can be cut.
 */
const AUTO_STAGE_COST = 2 ** 17;

export const COST_PROXY =
  'estimated EZKL rows per node: 0.6 per multiply-accumulate (Gemm, MatMul, Conv), 24 per element ' +
  'of a non-linear op (activations, pooling, reductions, division), 1 per element of other ops, ' +
  'none for shape ops; + 41 per boundary element on each side (its Poseidon hash)';
/**
 * Rows of EZKL's Poseidon module per hashed element (module_sizes.poseidon: 41 per element on
 * the mlp_784_56_10, LeNet and transformer-block boundaries alike).
 */
const POSEIDON_COST_PER_ELEMENT = 41;
/**
 * Rows per multiply-accumulate and per element of a non-linear op, fitted to EZKL 21's row counts
 * of LeNet's two stages (2 inner columns, the optimiser's settings).
 */
const ROWS_PER_MAC = 0.6;
const ROWS_PER_NONLINEAR = 24;
const NONLINEAR = new Set([
  'Relu',
  'LeakyRelu',
  'Sigmoid',
  'Tanh',
  'Erf',
  'Exp',
  'Log',
  'Softmax',
  'Sqrt',
  'Pow',
  'Div',
  'Gelu',
  'HardSigmoid',
  'Clip',
  'Sign',
  'Abs',
  'Cos',
  'Sin',
  'AveragePool',
  'MaxPool',
  'GlobalAveragePool',
  'GlobalMaxPool',
  'ReduceMean',
  'ReduceMax',
  'ReduceMin',
  'ReduceSum',
  'ArgMax',
  'ArgMin',
  'TopK',
]);
const SHAPE_ONLY = new Set([
  'Reshape',
  'Flatten',
  'Transpose',
  'Squeeze',
  'Unsqueeze',
  'Identity',
  'Split',
  'Concat',
  'Slice',
  'Gather',
  'Shape',
  'Cast',
  'Constant',
]);

/**
 * Cuts an ONNX model at single-tensor boundaries into stage models (onnx-proto), balanced on a
 * per-node cost proxy, and writes them with `stages.json` into `out`. Each stage keeps only the
 * initializers (and Constant nodes) its own nodes read.
 */
export async function splitModel(params: SplitModelParams): Promise<StagedModel> {
  const { stages } = params;
  if (stages !== 'auto' && (!Number.isInteger(stages) || stages < 1))
    throw new PocomputeError(
      'OPTION_INVALID',
      `--stages must be a whole number ≥ 1 or "auto", got ${stages}`,
    );
  const model = await inspectModel(params.model);
  const decoded = onnx.ModelProto.decode(model.bytes);
  const graph = decoded.graph as onnxProto.onnx.GraphProto;
  const outline = outlineOf(
    graph,
    model.inputs.map((i) => i.name),
  );
  const probed = await probeTensors(model, decoded);
  for (const input of model.inputs)
    probed.set(input.name, { dims: input.dims, dtype: input.dtype ?? 'float32' });
  const costs = nodeCosts(graph, probed);
  const candidates = findCutPoints(outline).filter((cut) =>
    ['float32', 'float64', 'float16'].includes(probed.get(cut.tensor)?.dtype ?? ''),
  );
  const total = costs.reduce((a, b) => a + b, 0);
  const count =
    stages === 'auto'
      ? Math.min(candidates.length + 1, Math.max(2, Math.ceil(total / AUTO_STAGE_COST)))
      : stages;
  if (count - 1 > candidates.length)
    throw new PocomputeError(
      'OPTION_INVALID',
      `${basename(params.model)} can be cut into at most ${candidates.length + 1} stage(s) ` +
        `(${candidates.length} single-tensor cut point(s)), ${count} were asked for`,
      {
        hint:
          'Ask for fewer stages (--stages auto picks what the model allows): a cut needs a point ' +
          'where exactly one activation tensor crosses, so none falls inside a skip connection.',
      },
    );
  // A boundary is hashed (Poseidon) on both sides: its size counts twice, so small ones win.
  const hashCost = (cut: CutPoint) =>
    POSEIDON_COST_PER_ELEMENT * (probed.get(cut.tensor)?.dims ?? [1]).reduce((a, b) => a * b, 1);
  const cuts = balanceCuts(candidates, costs, count - 1, hashCost);
  const out = resolve(params.out);
  await requireSplitTarget(out, params.out);
  const tmp = `${out}${tmpSuffix()}`;
  await mkdir(tmp, { recursive: true });
  try {
    const manifest: StagedModelManifest = {
      format: STAGED_MODEL_FORMAT,
      source: { name: basename(params.model), sha256: model.sha256 },
      costProxy: COST_PROXY,
      requested: stages,
      stages: [],
    };
    const bounds = [0, ...cuts.map((c) => c.position), graph.node.length];
    for (let i = 0; i < count; i++) {
      const stage = stageModel(decoded, outline, probed, {
        index: i,
        from: bounds[i],
        to: bounds[i + 1],
        input: cuts[i - 1],
        output: cuts[i],
      });
      const bytes = onnx.ModelProto.encode(stage.model).finish();
      const file = `stage-${i}.onnx`;
      await writeFile(join(tmp, file), bytes);
      manifest.stages.push({
        index: i,
        file,
        sha256: sha256Hex(bytes),
        inputs: stage.inputs,
        outputs: stage.outputs,
        nodes: stage.nodes,
        estimatedCost:
          costs.slice(bounds[i], bounds[i + 1]).reduce((a, b) => a + b, 0) +
          (cuts[i - 1] ? hashCost(cuts[i - 1]) : 0) +
          (cuts[i] ? hashCost(cuts[i]) : 0),
      });
    }
    // The source model travels with its stages: the stages' circuit settings are chosen on it.
    await writeFile(join(tmp, SOURCE_FILE), model.bytes);
    await writeJsonAtomic(join(tmp, STAGES_FILE), manifest);
    await mkdir(dirname(out), { recursive: true });
    await rm(out, { recursive: true, force: true });
    await rename(tmp, out);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
  return readStagedModel(out);
}

/** `--out` may be new, empty or an earlier split (replaced): never another directory or a file. */
async function requireSplitTarget(out: string, given: string): Promise<void> {
  if (!existsSync(out)) return;
  const entries = await readdir(out).catch(() => undefined);
  if (entries === undefined)
    throw new PocomputeError('USAGE', `--out ${given} is a file, not a directory`);
  if (entries.length > 0 && !isStagedModelDir(out))
    throw new PocomputeError(
      'USAGE',
      `--out ${given} is a directory that is neither empty nor a split (no ${STAGES_FILE}): not replaced`,
      { hint: 'Pass a new or empty directory, or an earlier split to replace.' },
    );
}

function outlineOf(graph: onnxProto.onnx.GraphProto, inputs: string[]): GraphOutline {
  return {
    nodes: graph.node.map((n) => ({
      opType: n.opType ?? '',
      inputs: [...(n.input ?? [])],
      outputs: [...(n.output ?? [])],
    })),
    inputs,
    outputs: graph.output.map((o) => o.name ?? ''),
    initializers: new Set(graph.initializer.map((t) => t.name ?? '')),
  };
}

/** The cost proxy of each node (COST_PROXY): an estimate of the EZKL rows it lays out. */
function nodeCosts(graph: onnxProto.onnx.GraphProto, probed: Map<string, ProbedTensor>): number[] {
  const dimsOf = new Map<string, number[]>();
  for (const t of graph.initializer) dimsOf.set(t.name ?? '', (t.dims ?? []).map(Number));
  for (const [name, t] of probed) dimsOf.set(name, t.dims);
  const size = (dims: number[] | undefined) => (dims ?? [1]).reduce((a, b) => a * b, 1);
  return graph.node.map((node) => {
    if (isConstantNode(node as { opType: string; inputs: string[]; outputs: string[] })) return 0;
    const inputs = node.input ?? [];
    const produced = (node.output ?? []).reduce((sum, name) => sum + size(dimsOf.get(name)), 0);
    const a = dimsOf.get(inputs[0] ?? '');
    const b = dimsOf.get(inputs[1] ?? '');
    let inner = 0;
    if (node.opType === 'MatMul') inner = a?.[a.length - 1] ?? 0;
    if (node.opType === 'Gemm') {
      const transA = (node.attribute ?? []).find((x) => x.name === 'transA')?.i;
      inner = (Number(transA ?? 0) ? a?.[0] : a?.[a.length - 1]) ?? 0;
    }
    if (node.opType === 'Conv' && b) inner = size(b.slice(1));
    const op = node.opType ?? '';
    if (inner) return ROWS_PER_MAC * produced * inner + produced;
    if (SHAPE_ONLY.has(op)) return 0;
    return (NONLINEAR.has(op) ? ROWS_PER_NONLINEAR : 1) * produced;
  });
}

interface StageSpec {
  index: number;
  from: number;
  to: number;
  input?: CutPoint;
  output?: CutPoint;
}

function stageModel(
  source: onnxProto.onnx.ModelProto,
  outline: GraphOutline,
  probed: Map<string, ProbedTensor>,
  spec: StageSpec,
): {
  model: onnxProto.onnx.ModelProto;
  inputs: StagedModelManifest['stages'][number]['inputs'];
  outputs: StagedModelManifest['stages'][number]['outputs'];
  nodes: number;
} {
  const graph = source.graph as onnxProto.onnx.GraphProto;
  const own = graph.node.slice(spec.from, spec.to).filter((n) => n.opType !== 'Constant');
  const reads = new Set(own.flatMap((n) => n.input ?? []));
  // Constant nodes and initializers go to the stages that read them, and only those.
  const constants = graph.node.filter(
    (n) => n.opType === 'Constant' && (n.output ?? []).some((o) => reads.has(o)),
  );
  const initializers = graph.initializer.filter((t) => reads.has(t.name ?? ''));
  const boundary = (cut: CutPoint) => {
    const t = probed.get(cut.tensor) as ProbedTensor;
    return { name: cut.tensor, dims: t.dims, dtype: t.dtype };
  };
  const declared = (v: onnxProto.onnx.IValueInfoProto) => {
    const dims = (v.type?.tensorType?.shape?.dim ?? []).map((d) => Number(d.dimValue ?? 0) || 1);
    return { name: v.name ?? '', dims, dtype: probed.get(v.name ?? '')?.dtype ?? 'float32' };
  };
  const stageInputs = spec.input
    ? [valueInfo(boundary(spec.input))]
    : graph.input.filter((v) => !outline.initializers.has(v.name ?? '') || reads.has(v.name ?? ''));
  const stageOutputs = spec.output ? [valueInfo(boundary(spec.output))] : graph.output;
  const inputsInfo = spec.input
    ? [boundary(spec.input)]
    : graph.input.filter((v) => !outline.initializers.has(v.name ?? '')).map(declared);
  const outputsInfo = spec.output ? [boundary(spec.output)] : graph.output.map(declared);
  const model = onnx.ModelProto.create({
    irVersion: source.irVersion,
    opsetImport: source.opsetImport,
    producerName: 'pocompute split',
    graph: onnx.GraphProto.create({
      name: `${graph.name || 'model'}_stage_${spec.index}`,
      node: [...constants, ...own],
      initializer: initializers,
      input: stageInputs,
      output: stageOutputs,
    }),
  });
  return { model, inputs: inputsInfo, outputs: outputsInfo, nodes: own.length };
}

const ELEM_TYPES: Record<string, number> = { float32: 1, float16: 10, float64: 11 };

function valueInfo(t: { name: string; dims: number[]; dtype: string }) {
  return onnx.ValueInfoProto.create({
    name: t.name,
    type: {
      tensorType: {
        elemType: ELEM_TYPES[t.dtype] ?? 1,
        shape: { dim: t.dims.map((d) => ({ dimValue: d })) },
      },
    },
  });
}
