// The ONNX graph under construction: nodes in topological order, initializers (the model's parameters
// under their state-dict names, and constants), and unique value names. Encoding to bytes is protobufjs's
// (the ONNX definitions of the `onnx-proto` package); this file only fills its message objects.
import onnxProto from 'onnx-proto';
import type { DType, Tensor } from '@tensile/tensor';

const { onnx } = onnxProto;
export { onnx };

/** An attribute value: a number is a float unless it is listed in `ints`, arrays likewise. */
export type Attr = number | readonly number[] | string | { int: number } | { ints: readonly number[] } | { strings: readonly string[] };
export type Attrs = Readonly<Record<string, Attr>>;

const ELEM_TYPE: Record<DType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float64: onnx.TensorProto.DataType.DOUBLE,
  int32: onnx.TensorProto.DataType.INT32,
  bool: onnx.TensorProto.DataType.BOOL,
};

/** The ONNX element type of a Tensile dtype. */
export const elemType = (dtype: DType): number => ELEM_TYPE[dtype];

function attribute(name: string, v: Attr): InstanceType<typeof onnx.AttributeProto> {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return onnx.AttributeProto.create({ name, type: T.STRING, s: new TextEncoder().encode(v) });
  if (typeof v === 'number') return onnx.AttributeProto.create({ name, type: T.FLOAT, f: v });
  if ('int' in v) return onnx.AttributeProto.create({ name, type: T.INT, i: v.int });
  if ('ints' in v) return onnx.AttributeProto.create({ name, type: T.INTS, ints: [...v.ints] });
  if ('strings' in v) return onnx.AttributeProto.create({ name, type: T.STRINGS, strings: v.strings.map((x) => new TextEncoder().encode(x)) });
  return onnx.AttributeProto.create({ name, type: T.FLOATS, floats: [...(v as readonly number[])] });
}

/** Little-endian bytes of values in the given element type. */
function rawBytes(values: ArrayLike<number>, type: 'float32' | 'float64' | 'int32' | 'int64' | 'bool'): Uint8Array {
  const size = { float32: 4, float64: 8, int32: 4, int64: 8, bool: 1 }[type];
  const out = new Uint8Array(values.length * size);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    if (type === 'float32') view.setFloat32(4 * i, v, true);
    else if (type === 'float64') view.setFloat64(8 * i, v, true);
    else if (type === 'int32') view.setInt32(4 * i, v, true);
    else if (type === 'int64') view.setBigInt64(8 * i, BigInt(v), true);
    else out[i] = v ? 1 : 0;
  }
  return out;
}

/** The row-major values of a tensor as plain numbers. */
export function valuesOf(t: Tensor): number[] {
  return Array.from(t.toTypedArray() as ArrayLike<number>, Number);
}

/**
 * What an exporter writes into: nodes, initializers and fresh value names. (The public face of
 * GraphBuilder, without the protobuf message types, so consumers' declarations never need onnx-proto's.)
 */
export interface OnnxGraph {
  /** Adds a node with one output and returns the output's name; `hint` prefixes the generated names. */
  node(opType: string, inputs: readonly string[], attrs?: Attrs, hint?: string): string;
  /** Adds a node with `outputs` outputs (LSTM's Y, Y_h, Y_c) and returns their names; `''` in `inputs` skips an optional input. */
  multiNode(opType: string, inputs: readonly string[], outputs: number, attrs?: Attrs, hint?: string): string[];
  /** The initializer holding `t`: a parameter or buffer under its state-dict key, else a fresh name. */
  tensor(t: Tensor, hint?: string): string;
  /** A constant initializer (int64 for shapes and axes). */
  constant(values: ArrayLike<number>, shape: readonly number[], type: 'float32' | 'float64' | 'int64', hint?: string): string;
  /** A value name not used yet. */
  fresh(hint: string): string;
}

export class GraphBuilder implements OnnxGraph {
  readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  readonly initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  private readonly used = new Set<string>();
  private readonly stored = new Map<Tensor, string>();

  /** `names`: the model's parameters and buffers by their state-dict keys, used as initializer names. */
  constructor(private readonly names: ReadonlyMap<Tensor, string>) {}

  /** A value name not used yet, built from `hint`. */
  fresh(hint: string): string {
    const base = hint.replace(/[^A-Za-z0-9_./:-]/g, '_') || 'v';
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Reserves a name exactly (graph inputs and outputs); false when it is taken. */
  reserve(name: string): boolean {
    if (this.used.has(name)) return false;
    this.used.add(name);
    return true;
  }

  /** Adds a node with one output and returns the output's name. */
  node(opType: string, inputs: readonly string[], attrs: Attrs = {}, hint = opType, output?: string): string {
    const out = output ?? this.fresh(`${hint}_out`);
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        input: [...inputs],
        output: [out],
        name: this.fresh(`${hint}/${opType}`),
        attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
      }),
    );
    return out;
  }

  /** Adds a node with several outputs and returns their names. */
  multiNode(opType: string, inputs: readonly string[], outputs: number, attrs: Attrs = {}, hint = opType): string[] {
    const outs = Array.from({ length: outputs }, (_, i) => this.fresh(`${hint}_out${i}`));
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        input: [...inputs],
        output: outs,
        name: this.fresh(`${hint}/${opType}`),
        attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
      }),
    );
    return outs;
  }

  /**
   * The initializer holding `t` (a parameter or buffer under its state-dict name, any other tensor under a
   * fresh name), added once per tensor.
   */
  tensor(t: Tensor, hint = 'const'): string {
    const known = this.stored.get(t);
    if (known !== undefined) return known;
    const key = this.names.get(t);
    const name = key !== undefined && this.reserve(key) ? key : this.fresh(key ?? hint);
    this.initializers.push(
      onnx.TensorProto.create({ name, dims: [...t.shape], dataType: elemType(t.dtype), rawData: rawBytes(valuesOf(t), t.dtype) }),
    );
    this.stored.set(t, name);
    return name;
  }

  /** A constant initializer of the given element type (int64 for shapes and axes). */
  constant(values: ArrayLike<number>, shape: readonly number[], type: 'float32' | 'float64' | 'int64', hint = 'const'): string {
    const name = this.fresh(hint);
    const dataType = type === 'int64' ? onnx.TensorProto.DataType.INT64 : elemType(type);
    this.initializers.push(onnx.TensorProto.create({ name, dims: [...shape], dataType, rawData: rawBytes(values, type) }));
    return name;
  }
}
