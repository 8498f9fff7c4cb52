import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export type AttributeValue = number | number[] | string | { ints: number[] } | { floats: number[] };

/** ONNX element types used by pocompute's graphs. */
export const ElemType = { FLOAT: 1, INT64: 7 } as const;

export interface TensorSpec {
  name: string;
  dims: number[];
}

/**
 * A small typed builder over onnx-proto's generated classes: graphs are assembled from named
 * nodes and initializers and encoded by protobufjs, never written byte by byte.
 */
export class GraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private counter = 0;

  constructor(
    readonly name: string,
    readonly opset = 13,
  ) {}

  input(name: string, dims: number[], elemType: number = ElemType.FLOAT): string {
    this.inputs.push(valueInfo(name, dims, elemType));
    return name;
  }

  output(name: string, dims: number[], elemType: number = ElemType.FLOAT): string {
    this.outputs.push(valueInfo(name, dims, elemType));
    return name;
  }

  /** A float32 constant tensor (weights, biases, constants). */
  initializer(name: string, dims: number[], values: ArrayLike<number>): string {
    const expected = dims.reduce((a, b) => a * b, 1);
    if (values.length !== expected)
      throw new Error(`initializer ${name}: ${values.length} values for dims [${dims}]`);
    this.initializers.push(
      onnx.TensorProto.create({
        name,
        dims,
        dataType: ElemType.FLOAT,
        floatData: Array.from(values),
      }),
    );
    return name;
  }

  /** An int64 constant tensor (shapes, axes). */
  int64Initializer(name: string, dims: number[], values: number[]): string {
    this.initializers.push(
      onnx.TensorProto.create({ name, dims, dataType: ElemType.INT64, int64Data: values }),
    );
    return name;
  }

  /** Adds a node and returns its (first) output name; `outputName` defaults to a fresh name. */
  node(
    opType: string,
    inputs: string[],
    attributes: Record<string, AttributeValue> = {},
    outputName?: string,
  ): string {
    const out = outputName ?? `${opType.toLowerCase()}_${this.counter++}`;
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        input: inputs,
        output: [out],
        name: `${out}_node`,
        attribute: Object.entries(attributes).map(([k, v]) => attribute(k, v)),
      }),
    );
    return out;
  }

  build(): onnxProto.onnx.ModelProto {
    const graph = onnx.GraphProto.create({
      name: this.name,
      node: this.nodes,
      initializer: this.initializers,
      input: this.inputs,
      output: this.outputs,
    });
    return onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'pocompute',
      opsetImport: [{ domain: '', version: this.opset }],
      graph,
    });
  }

  encode(): Uint8Array {
    return onnx.ModelProto.encode(this.build()).finish();
  }
}

function valueInfo(name: string, dims: number[], elemType: number): onnxProto.onnx.IValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
  });
}

function attribute(name: string, value: AttributeValue): onnxProto.onnx.IAttributeProto {
  const { AttributeType } = onnx.AttributeProto;
  if (typeof value === 'string')
    return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number')
    return Number.isInteger(value)
      ? { name, type: AttributeType.INT, i: value }
      : { name, type: AttributeType.FLOAT, f: value };
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  if ('floats' in value) return { name, type: AttributeType.FLOATS, floats: value.floats };
  return { name, type: AttributeType.INTS, ints: value.ints };
}

/** A deterministic PRNG (mulberry32) so that generated weights and data are the same on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Normal(0, std) samples from a seeded PRNG (Box–Muller). */
export function seededNormals(random: () => number, count: number, std = 1): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const u = Math.max(random(), 1e-12);
    const v = random();
    out[i] = std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  return out;
}
