// The ops a custom forward may run between layers, each as its ONNX operator(s). The op names are the
// autograd graph's (the public function names of @tensile/tensor); anything not in this table stops the
// export with an error naming the op and the module whose forward ran it.
import type { Tensor } from '@tensile/tensor';
import { OnnxExportError } from './errors.js';
import type { OnnxGraph } from './graph.js';
import { geluNodes, reshapeTo } from './modules.js';

interface OpContext {
  dynamicBatch: boolean;
  /** `module "encoder.0" (Block)`, for messages. */
  where: string;
}

type OpExporter = (t: Tensor, inputs: string[], g: OnnxGraph, ctx: OpContext, name: string) => string;

const unary = (opType: string): OpExporter => (_t, [x], g, _c, name) => g.node(opType, [x!], {}, name);
const binary = (opType: string): OpExporter => (_t, [a, b], g, _c, name) => g.node(opType, [a!, b!], {}, name);
const attr = (t: Tensor): unknown => t.gradFn!.ctx.attrs;

const OPS: Record<string, OpExporter> = {
  relu: unary('Relu'),
  sigmoid: unary('Sigmoid'),
  tanh: unary('Tanh'),
  exp: unary('Exp'),
  log: unary('Log'),
  neg: unary('Neg'),
  abs: unary('Abs'),
  sqrt: unary('Sqrt'),
  erf: unary('Erf'),
  reciprocal: unary('Reciprocal'),
  leakyRelu: (t, [x], g, _c, name) => g.node('LeakyRelu', [x!], { alpha: attr(t) as number }, name),
  elu: (t, [x], g, _c, name) => g.node('Elu', [x!], { alpha: attr(t) as number }, name),
  gelu: (t, [x], g, _c, name) => geluNodes(g, x!, t.dtype, 'none', name),
  add: binary('Add'),
  sub: binary('Sub'),
  mul: binary('Mul'),
  div: binary('Div'),
  pow: binary('Pow'),
  maximum: binary('Max'),
  minimum: binary('Min'),
  matmul: binary('MatMul'),
  // input + mat1·mat2 (F.linear's bias): ONNX's Gemm takes C broadcast to the product, alpha = beta = 1.
  addmm: (_t, [c, a, b], g, _c, name) => g.node('Gemm', [a!, b!, c!], {}, name),
  softmax: (t, [x], g, _c, name) => g.node('Softmax', [x!], { axis: { int: attr(t) as number } }, name),
  logSoftmax: (t, [x], g, _c, name) => g.node('LogSoftmax', [x!], { axis: { int: attr(t) as number } }, name),
  permute: (t, [x], g, _c, name) => g.node('Transpose', [x!], { perm: { ints: attr(t) as number[] } }, name),
  reshape: (t, [x], g, c, name) => reshapeTo({ graph: g, dynamicBatch: c.dynamicBatch }, x!, t.gradFn!.inputs[0]!.shape, t.shape, name),
  view: (t, [x], g, c, name) => reshapeTo({ graph: g, dynamicBatch: c.dynamicBatch }, x!, t.gradFn!.inputs[0]!.shape, t.shape, name),
  flatten: (t, [x], g, c, name) => reshapeTo({ graph: g, dynamicBatch: c.dynamicBatch }, x!, t.gradFn!.inputs[0]!.shape, t.shape, name),
  squeeze: (t, [x], g, c, name) => reshapeTo({ graph: g, dynamicBatch: c.dynamicBatch }, x!, t.gradFn!.inputs[0]!.shape, t.shape, name),
  unsqueeze: (t, [x], g, c, name) => reshapeTo({ graph: g, dynamicBatch: c.dynamicBatch }, x!, t.gradFn!.inputs[0]!.shape, t.shape, name),
  // A fixed window of one dimension (narrow, slicing): its bounds are the traced ones.
  slice: (t, [x], g, _c, name) => {
    const { dim, start, step, length } = attr(t) as { dim: number; start: number; step: number; length: number };
    const c = (v: number) => g.constant([v], [1], 'int64', `${name}/c`);
    return g.node('Slice', [x!, c(start), c(start + (length - 1) * step + 1), c(dim), c(step)], {}, name);
  },
  contiguous: (_t, [x]) => x!,
  clone: (_t, [x]) => x!,
};

/** The op names a traced forward may use between layers. */
export const SUPPORTED_OPS: readonly string[] = Object.keys(OPS);

/** Ops that broadcast their operands as ONNX does (numpy rules), so an `expand` feeding them is dropped. */
const BROADCASTING = new Set(['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum']);

/** The tensors the op that produced `t` reads, with a broadcast (`expand`) of an operand seen through. */
export function opInputs(t: Tensor): Tensor[] {
  const node = t.gradFn!;
  return node.inputs.map((d) => (d.gradFn?.op === 'expand' && BROADCASTING.has(node.op) ? d.gradFn.inputs[0]! : d));
}

/** Writes the op that produced `t`; the tensors of `opInputs(t)` are named in `names` already. */
export function exportOp(t: Tensor, g: OnnxGraph, names: ReadonlyMap<Tensor, string>, ctx: OpContext): string {
  const node = t.gradFn!;
  const fn = Object.hasOwn(OPS, node.op) ? OPS[node.op]! : undefined;
  if (fn === undefined) {
    throw new OnnxExportError(
      `exportOnnx: no ONNX mapping for the op "${node.op}" in the forward of ${ctx.where} (output shape [${t.shape.join(', ')}]); ` +
        `ops written between layers: ${SUPPORTED_OPS.join(', ')}; a layer with its own exporter is written whole (registerOnnxExporter)`,
    );
  }
  return fn(t, opInputs(t).map((d) => names.get(d)!), g, ctx, node.op);
}
