// Per-module exporters: a layer with one is written as its ONNX operator(s) with its own attributes and
// its parameters under their state-dict names, instead of being traced op by op. A new layer (a sequence
// layer, say) adds its exporter with `registerOnnxExporter(Class, fn)`, beside these.
import {
  AdaptiveAvgPool2d, AvgPool2d, BatchNormBase, Conv2d, Dropout, ELU, Embedding, Flatten, GELU, Identity, LayerNorm,
  LeakyReLU, Linear, LogSoftmax, MaxPool2d, ReLU, Sigmoid, Softmax, Softplus, Tanh, Unflatten, type AnyModule,
} from '@tensile/nn';
import { ones, zeros, type DType, type Tensor } from '@tensile/tensor';
import type { OnnxGraph } from './graph.js';

/** What an exporter gets besides its module: the graph, its inputs' names and the traced values. */
export interface ModuleExportContext {
  /** The module's dotted path in the model (`"features.0"`; `""` for the model itself). */
  readonly path: string;
  readonly graph: OnnxGraph;
  /** The ONNX value names of the module's tensor arguments, in order. */
  readonly inputs: readonly string[];
  /** The values those arguments had in the traced forward pass (for their shapes). */
  readonly inputTensors: readonly Tensor[];
  /** The module's arguments as passed (option objects included: MultiheadAttention's `{ isCausal }`). */
  readonly args: readonly unknown[];
  /** What the module returned in the traced pass (its first tensor when it returned several). */
  readonly output: Tensor;
  /** Every tensor the module returned, a returned array flattened (an LSTM's output, h_n, c_n). */
  readonly outputs: readonly Tensor[];
  /** Whether the first dimension is the dynamic batch dimension. */
  readonly dynamicBatch: boolean;
  /** A scalar constant in the dtype of the module's first input. */
  scalar(value: number): string;
  /** Throws an OnnxExportError that names this module. */
  fail(reason: string): never;
}

/** Writes `module` into `ctx.graph` and returns the name of its output value (one per tensor of `ctx.outputs`). */
export type ModuleExporter<M extends AnyModule = AnyModule> = (module: M, ctx: ModuleExportContext) => string | readonly string[];

const registry = new Map<abstract new (...args: any[]) => AnyModule, ModuleExporter<any>>();

/**
 * Registers how a module class is written to ONNX. The exporter is used for instances of the class and of
 * subclasses that do not override `forward` (a subclass with its own forward is traced instead).
 * @example registerOnnxExporter(Swish, (m, ctx) => ctx.graph.node('Mul', [ctx.inputs[0]!, ctx.graph.node('Sigmoid', [ctx.inputs[0]!])]))
 */
export function registerOnnxExporter<M extends AnyModule>(cls: abstract new (...args: any[]) => M, exporter: ModuleExporter<M>): void {
  if (typeof cls !== 'function' || typeof exporter !== 'function') throw new TypeError('registerOnnxExporter: expected a Module class and an exporter function');
  registry.set(cls, exporter);
}

/** The exporter for `m`: its class's or the nearest ancestor's whose `forward` it still uses. */
export function exporterFor(m: AnyModule): ModuleExporter | null {
  for (let proto = Object.getPrototypeOf(m) as object | null; proto !== null; proto = Object.getPrototypeOf(proto) as object | null) {
    const cls = (proto as { constructor: abstract new (...args: any[]) => AnyModule }).constructor;
    const fn = registry.get(cls);
    if (fn !== undefined) return m.forward === cls.prototype.forward ? fn : null;
  }
  return null;
}

const pair = (v: number | readonly number[]): [number, number] => (typeof v === 'number' ? [v, v] : [v[0]!, v[1]!]);
const ints = (v: readonly number[]) => ({ ints: v });
const int = (v: number) => ({ int: v });
const x0 = (ctx: ModuleExportContext): string => ctx.inputs[0]!;
const hint = (ctx: ModuleExportContext, what: string): string => (ctx.path === '' ? what : ctx.path);
const floatDtype = (ctx: ModuleExportContext): DType => ctx.inputTensors[0]!.dtype;

/** Reshape to the traced output's shape, its first dimension kept dynamic where it is the batch's. */
export function reshapeTo(ctx: Pick<ModuleExportContext, 'graph' | 'dynamicBatch'>, x: string, from: readonly number[], to: readonly number[], name: string): string {
  const target = [...to];
  if (ctx.dynamicBatch && target.length > 0 && from.length > 0) {
    // 0 copies the input's first dimension; −1 lets it absorb the batch when dimension 0 was merged.
    if (to[0] === from[0]) target[0] = 0;
    else if (to.slice(1).every((d) => d > 0)) target[0] = -1;
  }
  return ctx.graph.node('Reshape', [x, ctx.graph.constant(target, [target.length], 'int64', `${name}/shape`)], {}, name);
}

/** GELU from ONNX opset-17 operators: exact ½x(1 + erf(x/√2)), or PyTorch's tanh approximation. */
export function geluNodes(g: OnnxGraph, x: string, dtype: DType, approximate: 'none' | 'tanh', name: string): string {
  const c = (v: number) => g.constant([v], [], dtype === 'float64' ? 'float64' : 'float32', `${name}/c`);
  let inner: string;
  if (approximate === 'none') inner = g.node('Erf', [g.node('Div', [x, c(Math.SQRT2)], {}, name)], {}, name);
  else {
    const cube = g.node('Mul', [g.node('Mul', [x, x], {}, name), x], {}, name);
    const arg = g.node('Mul', [g.node('Add', [x, g.node('Mul', [cube, c(0.044715)], {}, name)], {}, name), c(Math.sqrt(2 / Math.PI))], {}, name);
    inner = g.node('Tanh', [arg], {}, name);
  }
  return g.node('Mul', [g.node('Mul', [x, g.node('Add', [inner, c(1)], {}, name)], {}, name), c(0.5)], {}, name);
}

registerOnnxExporter(Linear, (m, ctx) => {
  const name = hint(ctx, 'Linear');
  const w = ctx.graph.tensor(m.weight);
  if (ctx.inputTensors[0]!.ndim === 2) {
    return ctx.graph.node('Gemm', m.bias ? [x0(ctx), w, ctx.graph.tensor(m.bias)] : [x0(ctx), w], { transB: int(1) }, name);
  }
  const y = ctx.graph.node('MatMul', [x0(ctx), ctx.graph.node('Transpose', [w], { perm: ints([1, 0]) }, name)], {}, name);
  return m.bias ? ctx.graph.node('Add', [y, ctx.graph.tensor(m.bias)], {}, name) : y;
});

registerOnnxExporter(Conv2d, (m, ctx) => {
  const [kh, kw] = m.kernelSize;
  const [dh, dw] = m.dilation;
  let pads: number[];
  if (m.padding === 'valid') pads = [0, 0, 0, 0];
  else if (m.padding === 'same') {
    // PyTorch puts the odd one of the total padding d·(k − 1) at the end (bottom, right).
    const [th, tw] = [dh * (kh - 1), dw * (kw - 1)];
    pads = [Math.floor(th / 2), Math.floor(tw / 2), th - Math.floor(th / 2), tw - Math.floor(tw / 2)];
  } else pads = [m.padding[0], m.padding[1], m.padding[0], m.padding[1]];
  const inputs = [x0(ctx), ctx.graph.tensor(m.weight), ...(m.bias ? [ctx.graph.tensor(m.bias)] : [])];
  return ctx.graph.node('Conv', inputs, {
    kernel_shape: ints([kh, kw]), strides: ints(m.stride), pads: ints(pads), dilations: ints(m.dilation), group: int(m.groups),
  }, hint(ctx, 'Conv2d'));
});

registerOnnxExporter(MaxPool2d, (m, ctx) => {
  const [ph, pw] = pair(m.padding);
  return ctx.graph.node('MaxPool', [x0(ctx)], {
    kernel_shape: ints(pair(m.kernelSize)), strides: ints(pair(m.stride)), pads: ints([ph, pw, ph, pw]), dilations: ints(pair(m.dilation)),
    ceil_mode: int(m.ceilMode ? 1 : 0),
  }, hint(ctx, 'MaxPool2d'));
});

registerOnnxExporter(AvgPool2d, (m, ctx) => {
  if (m.divisorOverride !== null) ctx.fail(`divisorOverride ${m.divisorOverride} has no ONNX AveragePool attribute`);
  const [ph, pw] = pair(m.padding);
  return ctx.graph.node('AveragePool', [x0(ctx)], {
    kernel_shape: ints(pair(m.kernelSize)), strides: ints(pair(m.stride)), pads: ints([ph, pw, ph, pw]),
    ceil_mode: int(m.ceilMode ? 1 : 0), count_include_pad: int(m.countIncludePad ? 1 : 0),
  }, hint(ctx, 'AvgPool2d'));
});

registerOnnxExporter(AdaptiveAvgPool2d, (m, ctx) => {
  const [h, w] = ctx.inputTensors[0]!.shape.slice(-2) as [number, number];
  const [oh, ow] = ctx.output.shape.slice(-2) as [number, number];
  if (oh === 1 && ow === 1) return ctx.graph.node('GlobalAveragePool', [x0(ctx)], {}, hint(ctx, 'AdaptiveAvgPool2d'));
  if (h % oh !== 0 || w % ow !== 0) ctx.fail(`an input of ${h}×${w} does not divide into ${oh}×${ow} equal windows, which is all ONNX's AveragePool can express`);
  const k = [h / oh, w / ow];
  return ctx.graph.node('AveragePool', [x0(ctx)], { kernel_shape: ints(k), strides: ints(k) }, hint(ctx, 'AdaptiveAvgPool2d'));
});

registerOnnxExporter(BatchNormBase, (m, ctx) => {
  if (m.runningMean === null || m.runningVar === null) {
    ctx.fail('without running statistics (trackRunningStats: false) it normalises with each batch’s statistics in eval mode, which ONNX’s BatchNormalization does not do');
  }
  const dtype = floatDtype(ctx);
  const g = ctx.graph;
  const scale = m.weight ? g.tensor(m.weight) : g.tensor(ones([m.numFeatures], { dtype }), `${ctx.path}.weight`);
  const bias = m.bias ? g.tensor(m.bias) : g.tensor(zeros([m.numFeatures], { dtype }), `${ctx.path}.bias`);
  return g.node('BatchNormalization', [x0(ctx), scale, bias, g.tensor(m.runningMean!), g.tensor(m.runningVar!)], { epsilon: m.eps }, hint(ctx, 'BatchNorm'));
});

registerOnnxExporter(LayerNorm, (m, ctx) => {
  const dtype = floatDtype(ctx);
  const g = ctx.graph;
  const scale = m.weight ? g.tensor(m.weight) : g.tensor(ones(m.normalizedShape, { dtype }), `${ctx.path}.weight`);
  const inputs = [x0(ctx), scale, ...(m.bias ? [g.tensor(m.bias)] : [])];
  return g.node('LayerNormalization', inputs, { axis: int(-m.normalizedShape.length), epsilon: m.eps }, hint(ctx, 'LayerNorm'));
});

registerOnnxExporter(Flatten, (m, ctx) => {
  const r = ctx.inputTensors[0]!.ndim;
  const start = m.startDim < 0 ? m.startDim + r : m.startDim;
  const end = m.endDim < 0 ? m.endDim + r : m.endDim;
  if (start === 1 && end === r - 1) return ctx.graph.node('Flatten', [x0(ctx)], { axis: int(1) }, hint(ctx, 'Flatten'));
  return reshapeTo(ctx, x0(ctx), ctx.inputTensors[0]!.shape, ctx.output.shape, hint(ctx, 'Flatten'));
});

registerOnnxExporter(Unflatten, (_m, ctx) => reshapeTo(ctx, x0(ctx), ctx.inputTensors[0]!.shape, ctx.output.shape, hint(ctx, 'Unflatten')));

registerOnnxExporter(Embedding, (m, ctx) => ctx.graph.node('Gather', [ctx.graph.tensor(m.weight), x0(ctx)], { axis: int(0) }, hint(ctx, 'Embedding')));

// Dropout is the identity in eval mode, the mode every export runs in.
registerOnnxExporter(Dropout, (_m, ctx) => x0(ctx));
registerOnnxExporter(Identity, (_m, ctx) => x0(ctx));

registerOnnxExporter(ReLU, (_m, ctx) => ctx.graph.node('Relu', [x0(ctx)], {}, hint(ctx, 'ReLU')));
registerOnnxExporter(Sigmoid, (_m, ctx) => ctx.graph.node('Sigmoid', [x0(ctx)], {}, hint(ctx, 'Sigmoid')));
registerOnnxExporter(Tanh, (_m, ctx) => ctx.graph.node('Tanh', [x0(ctx)], {}, hint(ctx, 'Tanh')));
registerOnnxExporter(LeakyReLU, (m, ctx) => ctx.graph.node('LeakyRelu', [x0(ctx)], { alpha: m.negativeSlope }, hint(ctx, 'LeakyReLU')));
registerOnnxExporter(ELU, (m, ctx) => ctx.graph.node('Elu', [x0(ctx)], { alpha: m.alpha }, hint(ctx, 'ELU')));
registerOnnxExporter(GELU, (m, ctx) => geluNodes(ctx.graph, x0(ctx), floatDtype(ctx), m.approximate, hint(ctx, 'GELU')));
registerOnnxExporter(Softmax, (m, ctx) => ctx.graph.node('Softmax', [x0(ctx)], { axis: int(m.dim) }, hint(ctx, 'Softmax')));
registerOnnxExporter(LogSoftmax, (m, ctx) => ctx.graph.node('LogSoftmax', [x0(ctx)], { axis: int(m.dim) }, hint(ctx, 'LogSoftmax')));

registerOnnxExporter(Softplus, (m, ctx) => {
  // PyTorch: log(1 + e^(βx))/β, and x itself where βx > threshold.
  const g = ctx.graph;
  const name = hint(ctx, 'Softplus');
  const bx = m.beta === 1 ? x0(ctx) : g.node('Mul', [x0(ctx), ctx.scalar(m.beta)], {}, name);
  let y = g.node('Softplus', [bx], {}, name);
  if (m.beta !== 1) y = g.node('Div', [y, ctx.scalar(m.beta)], {}, name);
  return g.node('Where', [g.node('Greater', [bx, ctx.scalar(m.threshold)], {}, name), x0(ctx), y], {}, name);
});
