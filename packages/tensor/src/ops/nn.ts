// Convolution and pooling: the eager-CPU hot paths, each a primitive with its own kernels.
// conv2d, conv2dInputGrad and conv2dWeightGrad are each other's adjoints, so the family is closed under
// differentiation and higher-order gradients work.
import { defineOp, type OpFn } from '../autograd/op.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import type { AvgPool2dGeometry, Conv2dGeometry } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { checkOptions, checkTensor, describeValue } from '../check.js';
import { isFloat, promoteTypes, type TypedArray } from '../dtype.js';
import { DTypeError, ShapeError } from '../errors.js';
import { fmtShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { cast } from './elementwise.js';
import { sum } from './reduce.js';
import { pad } from './indexing.js';
import { reshape } from './movement.js';
import { empty } from './raw.js';
import { zeros } from './creation.js';
import { scatterAddTrusted } from './indexing.js';

type Pair = number | readonly [number, number];

function pair(op: string, name: string, v: Pair, min: number): [number, number] {
  if (!(typeof v === 'number' || (Array.isArray(v) && v.length === 2))) {
    throw new TypeError(`${op}: ${name} must be a number or a pair of numbers, got ${Array.isArray(v) ? JSON.stringify(v) : describeValue(v)}`);
  }
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (p.some((x) => !Number.isInteger(x) || x < min)) {
    throw new RangeError(`${op}: ${name} must be ${min === 0 ? 'non-negative' : 'positive'} integers, got ${JSON.stringify(v)}`);
  }
  return p;
}

interface ConvAttrs {
  g: Conv2dGeometry;
  groups: number;
  cout: number;
}

/** One group's channel slice of an `[N, C, …]` tensor as a raw view. */
function channels(t: Tensor, start: number, count: number) {
  const shape = [...t.shape];
  shape[1] = count;
  return { storage: t.storage, shape, strides: t.strides, offset: t.offset + start * t.strides[1]! };
}

/** The weight's group `gi` as an `[M, K]` view (its last three dims are contiguous: the ops make them so). */
function weightRows(w: Tensor, gi: number, m: number, K: number) {
  return { storage: w.storage, shape: [m, K], strides: [w.strides[0]!, w.strides[3]!], offset: w.offset + gi * m * w.strides[0]! };
}

/** A gradient `[N, Cout, oh, ow]` (row-major in oh, ow) as group `gi`'s `[N, M, L]` view. */
function outRows(t: Tensor, gi: number, m: number, L: number) {
  return { storage: t.storage, shape: [t.shape[0]!, m, L], strides: [t.strides[0]!, t.strides[1]!, t.strides[3]!], offset: t.offset + gi * m * t.strides[1]! };
}

/** conv2d: per group, `out_g[n]` `[M, L]` = `W_g` `[M, K]` · im2col(x_g)[n]. */
function convForward(x: Tensor, w: Tensor, { g, groups, cout }: ConvAttrs): Tensor {
  const be = getBackend();
  const m = cout / groups;
  const K = g.c * g.kh * g.kw;
  const L = g.oh * g.ow;
  const out = empty([g.n, cout, g.oh, g.ow], x.dtype, 'conv2d');
  for (let gi = 0; gi < groups; gi++) be.conv2d(channels(x, gi * g.c, g.c), weightRows(w, gi, m, K), g, outRows(out, gi, m, L));
  return out;
}

function convInputGradForward(gOut: Tensor, w: Tensor, { g, groups, cout }: ConvAttrs): Tensor {
  const be = getBackend();
  const cg = g.c;
  const m = cout / groups;
  const K = cg * g.kh * g.kw;
  const L = g.oh * g.ow;
  const out = empty([g.n, cg * groups, g.h, g.w], gOut.dtype, 'conv2dInputGrad');
  const plane = groups === 1 ? out : empty([g.n, cg, g.h, g.w], gOut.dtype, 'conv2dInputGrad');
  for (let gi = 0; gi < groups; gi++) {
    be.conv2dInputGrad(outRows(gOut, gi, m, L), weightRows(w, gi, m, K), g, plane.data);
    if (groups > 1) be.copy(plane, channels(out, gi * cg, cg));
  }
  return out;
}

function convWeightGradForward(x: Tensor, gOut: Tensor, { g, groups, cout }: ConvAttrs): Tensor {
  const be = getBackend();
  const m = cout / groups;
  const K = g.c * g.kh * g.kw;
  const L = g.oh * g.ow;
  const out = empty([cout, g.c, g.kh, g.kw], x.dtype, 'conv2dWeightGrad');
  for (let gi = 0; gi < groups; gi++) {
    be.conv2dWeightGrad(channels(x, gi * g.c, g.c), outRows(gOut, gi, m, L), g, out.data.subarray(gi * m * K, (gi + 1) * m * K) as TypedArray);
  }
  return out;
}

/** Conv geometry plus a contiguity guarantee the kernels rely on (conv strides must be row-major in the last dims). */
function rowMajorHW(t: Tensor): Tensor {
  return t.strides[3] === 1 && t.strides[2] === t.shape[3] ? t : t.contiguous();
}

// conv2d, with an optional bias [Cout] added in place into the fresh output (no second output array, as
// add would make); the bias gradient is the output gradient summed over N, H and W.
const conv2dOp: OpFn<[Tensor, Tensor] | [Tensor, Tensor, Tensor], ConvAttrs> = defineOp<[Tensor, Tensor] | [Tensor, Tensor, Tensor], ConvAttrs>({
  name: 'conv2d',
  forward: (ctx, [x, w, b]) => {
    ctx.saveChecked((ctx.needsInputGrad[1] ? 1 : 0) | (ctx.needsInputGrad[0] ? 2 : 0), x, w);
    const out = convForward(x, w.isContiguous ? w : w.contiguous(), ctx.attrs);
    if (b !== undefined) getBackend().binary('add', out, { storage: b.storage, shape: out.shape, strides: [0, b.strides[0]!, 0, 0], offset: b.offset }, out);
    return out;
  },
  backward: (ctx, g) => {
    const [x, w] = ctx.saved as [Tensor, Tensor];
    return [
      ctx.needsInputGrad[0] ? conv2dInputGradOp([g, w], ctx.attrs) : null,
      ctx.needsInputGrad[1] ? conv2dWeightGradOp([x, g], ctx.attrs) : null,
      ctx.needsInputGrad[2] ? sum(g, [0, 2, 3]) : null,
    ];
  },
});

// The adjoint of conv2d in x: its own gradients are conv2d (in gOut) and conv2dWeightGrad (in w).
const conv2dInputGradOp: OpFn<[Tensor, Tensor], ConvAttrs> = defineOp<[Tensor, Tensor], ConvAttrs>({
  name: 'conv2dInputGrad',
  forward: (ctx, [gOut, w]) => {
    ctx.saveChecked((ctx.needsInputGrad[1] ? 1 : 0) | (ctx.needsInputGrad[0] ? 2 : 0), gOut, w);
    return convInputGradForward(rowMajorHW(gOut), w.isContiguous ? w : w.contiguous(), ctx.attrs);
  },
  backward: (ctx, gg) => {
    const [gOut, w] = ctx.saved as [Tensor, Tensor];
    return [
      ctx.needsInputGrad[0] ? conv2dOp([gg, w], ctx.attrs) : null,
      ctx.needsInputGrad[1] ? conv2dWeightGradOp([gg, gOut], ctx.attrs) : null,
    ];
  },
});

// The adjoint of conv2d in w: its own gradients are conv2dInputGrad (in x) and conv2d (in gOut).
const conv2dWeightGradOp: OpFn<[Tensor, Tensor], ConvAttrs> = defineOp<[Tensor, Tensor], ConvAttrs>({
  name: 'conv2dWeightGrad',
  forward: (ctx, [x, gOut]) => {
    ctx.saveChecked((ctx.needsInputGrad[1] ? 1 : 0) | (ctx.needsInputGrad[0] ? 2 : 0), x, gOut);
    return convWeightGradForward(x, rowMajorHW(gOut), ctx.attrs);
  },
  backward: (ctx, gg) => {
    const [x, gOut] = ctx.saved as [Tensor, Tensor];
    return [
      ctx.needsInputGrad[0] ? conv2dInputGradOp([gOut, gg], ctx.attrs) : null,
      ctx.needsInputGrad[1] ? conv2dOp([x, gg], ctx.attrs) : null,
    ];
  },
});

export interface Conv2dOptions {
  stride?: Pair;
  /** Zero padding per side, or 'valid' (none) or 'same' (output size = input size; stride 1 only). */
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
  groups?: number;
}

function geometry(op: string, x: Tensor, kh: number, kw: number, s: [number, number], p: [number, number], d: [number, number], c: number): Conv2dGeometry {
  const [n, , h, w] = x.shape as [number, number, number, number];
  const oh = Math.floor((h + 2 * p[0] - d[0] * (kh - 1) - 1) / s[0]) + 1;
  const ow = Math.floor((w + 2 * p[1] - d[1] * (kw - 1) - 1) / s[1]) + 1;
  if (oh <= 0 || ow <= 0) {
    throw new ShapeError(
      `${op}: the input of shape ${fmtShape(x.shape)} is too small for a ${kh}×${kw} kernel with padding ${fmtShape(p)}, stride ${fmtShape(s)} and dilation ${fmtShape(d)} (output would be ${oh}×${ow})`,
    );
  }
  return { n, c, h, w, kh, kw, sh: s[0], sw: s[1], ph: p[0], pw: p[1], dh: d[0], dw: d[1], oh, ow };
}

/**
 * 2-d convolution (cross-correlation, as PyTorch) of `x` `[N, C, H, W]` with `weight` `[Cout, C/groups, kh, kw]`
 * and an optional `bias` `[Cout]`.
 * @example conv2d(x, w, b, { padding: 1 }) // 3×3 'same' convolution
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  checkTensor('conv2d', 'input', x);
  checkTensor('conv2d', 'weight', weight);
  if (bias !== undefined && bias !== null) checkTensor('conv2d', 'bias', bias);
  checkOptions('conv2d', opts, ['stride', 'padding', 'dilation', 'groups']);
  if (x.ndim !== 4) throw new ShapeError(`conv2d: expected a 4-d input [N, C, H, W], got shape ${fmtShape(x.shape)}`);
  if (weight.ndim !== 4) throw new ShapeError(`conv2d: expected a 4-d weight [Cout, C/groups, kh, kw], got shape ${fmtShape(weight.shape)}`);
  const groups = opts.groups ?? 1;
  const [cout, cg, kh, kw] = weight.shape as [number, number, number, number];
  if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`conv2d: groups must be a positive integer, got ${groups}`);
  if (x.shape[1] !== cg * groups) {
    throw new ShapeError(
      `conv2d: the input has ${x.shape[1]} channels (shape ${fmtShape(x.shape)}) but the weight of shape ${fmtShape(weight.shape)} with groups=${groups} expects ${cg * groups}`,
    );
  }
  if (cout % groups !== 0) throw new ShapeError(`conv2d: out channels ${cout} are not divisible by groups=${groups}`);
  if (bias !== undefined && bias !== null && (bias.ndim !== 1 || bias.shape[0] !== cout)) {
    throw new ShapeError(`conv2d: bias must have shape [${cout}], got ${fmtShape(bias.shape)}`);
  }
  const dtype = promoteTypes(x.dtype, weight.dtype);
  if (!isFloat(dtype)) throw new DTypeError(`conv2d: expected float tensors, got ${x.dtype} and ${weight.dtype}`);
  const s = pair('conv2d', 'stride', opts.stride ?? 1, 1);
  const d = pair('conv2d', 'dilation', opts.dilation ?? 1, 1);
  let input = cast(x, dtype);
  let p: [number, number];
  if (typeof opts.padding === 'string' && opts.padding !== 'same' && opts.padding !== 'valid') {
    throw new RangeError(`conv2d: padding must be a number, a pair, 'same' or 'valid', got ${describeValue(opts.padding)}`);
  }
  if (opts.padding === 'valid' || opts.padding === undefined) p = [0, 0];
  else if (opts.padding === 'same') {
    if (s[0] !== 1 || s[1] !== 1) throw new RangeError(`conv2d: padding='same' needs stride 1, got stride ${fmtShape(s)}`);
    // Total padding d·(k−1) per dim; an odd total puts the extra element after, as PyTorch.
    const th = d[0] * (kh - 1), tw = d[1] * (kw - 1);
    p = [Math.floor(th / 2), Math.floor(tw / 2)];
    if (th % 2 || tw % 2) input = pad(input, [p[1], tw - p[1], p[0], th - p[0]]), (p = [0, 0]);
  } else p = pair('conv2d', 'padding', opts.padding, 0);
  const g = geometry('conv2d', input, kh, kw, s, p, d, cg);
  const xw: [Tensor, Tensor] = [rowMajorHW(input), cast(weight, dtype)];
  return conv2dOp(bias === undefined || bias === null ? xw : [...xw, cast(bias, dtype)], { g, groups, cout });
}

export interface PoolOptions {
  /** Default: the kernel size. */
  stride?: Pair;
  /** Implicit padding per side (−∞ for max pooling, 0 for average pooling), at most half the kernel. Default 0. */
  padding?: Pair;
  /** Spacing between window taps (max pooling only). Default 1. */
  dilation?: Pair;
  /**
   * Round the output size up instead of down, so a partial window at the end of each row and column still
   * counts, as long as it starts inside the input or its left padding (PyTorch's `ceil_mode`). Default false.
   */
  ceilMode?: boolean;
}

export interface AvgPoolOptions extends Omit<PoolOptions, 'dilation'> {
  /** Padded zeros count in each window's divisor (default true, as PyTorch); false divides by the input elements only. */
  countIncludePad?: boolean;
  /** Divide every window's sum by this nonzero integer instead. */
  divisorOverride?: number | null;
}

/**
 * One pooled size (PyTorch's `pooling_output_shape`): floor((size + 2p − d(k − 1) − 1)/s) + 1, rounded up
 * instead with `ceil`, minus a last window that would start past the input and its left padding.
 */
function pooledSize(size: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  let out = Math.floor((size + 2 * p - d * (k - 1) - 1 + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (out - 1) * s >= size + p) out--;
  return out;
}

function poolGeometry(op: string, x: Tensor, kernelSize: Pair, opts: AvgPoolOptions & PoolOptions, dilation: boolean): Conv2dGeometry {
  checkTensor(op, 'input', x);
  const keys = dilation ? ['stride', 'padding', 'dilation', 'ceilMode'] : ['stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride'];
  checkOptions(op, opts, keys);
  if (x.ndim !== 4) throw new ShapeError(`${op}: expected a 4-d input [N, C, H, W], got shape ${fmtShape(x.shape)}`);
  if (!isFloat(x.dtype)) throw new DTypeError(`${op}: expected a float tensor, got ${x.dtype}`);
  const k = pair(op, 'kernelSize', kernelSize, 1);
  const s = pair(op, 'stride', opts.stride ?? k, 1);
  const p = pair(op, 'padding', opts.padding ?? 0, 0);
  const d = dilation ? pair(op, 'dilation', opts.dilation ?? 1, 1) : ([1, 1] as [number, number]);
  const ceil = opts.ceilMode ?? false;
  if (typeof ceil !== 'boolean') throw new TypeError(`${op}: ceilMode must be a boolean, got ${describeValue(ceil)}`);
  if (p[0] * 2 > k[0] || p[1] * 2 > k[1]) {
    throw new RangeError(`${op}: padding ${fmtShape(p)} must be at most half the kernel size ${fmtShape(k)}`);
  }
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const oh = pooledSize(h, k[0], s[0], p[0], d[0], ceil);
  const ow = pooledSize(w, k[1], s[1], p[1], d[1], ceil);
  if (oh <= 0 || ow <= 0) {
    throw new ShapeError(
      `${op}: the input of shape ${fmtShape(x.shape)} is too small for a ${k[0]}×${k[1]} kernel with padding ${fmtShape(p)}, stride ${fmtShape(s)} and dilation ${fmtShape(d)} (output would be ${oh}×${ow})`,
    );
  }
  return { n, c, h, w, kh: k[0], kw: k[1], sh: s[0], sw: s[1], ph: p[0], pw: p[1], dh: d[0], dw: d[1], oh, ow };
}
const maxPoolOp = defineOp<[Tensor], Conv2dGeometry>({
  name: 'maxPool2d',
  forward: (ctx, [x]) => {
    const g = ctx.attrs;
    const out = empty([g.n, g.c, g.oh, g.ow], x.dtype, 'maxPool2d');
    const indices = empty([g.n, g.c, g.oh * g.ow], 'int32', 'maxPool2d');
    getBackend().maxPool2d(x, g, out.storage, indices.storage);
    ctx.save(indices);
    return out;
  },
  // The gradient goes to each window's maximum: a scatter-add into the flattened planes. Recorded as the
  // scatterAdd op when building a graph (its own gradient is a gather); otherwise the kernel adds straight
  // into a fresh zeroed buffer, without the op's copy of its input.
  backward: (ctx, g) => {
    const a = ctx.attrs;
    const flatG = reshape(g, [a.n, a.c, a.oh * a.ow]);
    if (isGradEnabled()) {
      const plane = zeros([a.n, a.c, a.h * a.w], { dtype: g.dtype });
      return [reshape(scatterAddTrusted(plane, 2, ctx.saved[0]!, flatG), [a.n, a.c, a.h, a.w])];
    }
    const out = empty([a.n, a.c, a.h, a.w], g.dtype, 'maxPool2dBackward');
    getBackend().scatterAdd({ storage: out.storage, shape: [a.n, a.c, a.h * a.w], strides: [a.c * a.h * a.w, a.h * a.w, 1], offset: 0 }, 2, ctx.saved[0]!, flatG);
    return [out];
  },
});

/**
 * Max pooling over `kernelSize` windows (stride defaults to the kernel size), with PyTorch's padding,
 * dilation and `ceilMode`.
 * @example maxPool2d(x, 2) // [N, C, H, W] → [N, C, H/2, W/2]
 */
export function maxPool2d(x: Tensor, kernelSize: Pair, opts: PoolOptions = {}): Tensor {
  return maxPoolOp([x], poolGeometry('maxPool2d', x, kernelSize, opts, true));
}

const avgPoolOp: OpFn<[Tensor], AvgPool2dGeometry> = defineOp<[Tensor], AvgPool2dGeometry>({
  name: 'avgPool2d',
  forward: (ctx, [x]) => {
    const g = ctx.attrs;
    const out = empty([g.n, g.c, g.oh, g.ow], x.dtype, 'avgPool2d');
    getBackend().avgPool2d(x, g, out.storage);
    return out;
  },
  backward: (ctx, g) => [avgPoolBackwardOp([g], ctx.attrs)],
});

// The adjoint of avgPool2d; avgPool2d is its gradient in turn.
const avgPoolBackwardOp: OpFn<[Tensor], AvgPool2dGeometry> = defineOp<[Tensor], AvgPool2dGeometry>({
  name: 'avgPool2dBackward',
  forward: (ctx, [g]) => {
    const a = ctx.attrs;
    const out = empty([a.n, a.c, a.h, a.w], g.dtype, 'avgPool2dBackward');
    getBackend().avgPool2dBackward(g, a, out.storage);
    return out;
  },
  backward: (ctx, gg) => [avgPoolOp([gg], ctx.attrs)],
});

/**
 * Average pooling with PyTorch's divisor: `divisorOverride` if given; else the window clipped to the padded
 * input (`countIncludePad`, the default) or to the input alone. With `ceilMode` the last windows may be partial.
 * @example avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false })
 */
export function avgPool2d(x: Tensor, kernelSize: Pair, opts: AvgPoolOptions = {}): Tensor {
  const g = poolGeometry('avgPool2d', x, kernelSize, opts, false);
  const countIncludePad = opts.countIncludePad ?? true;
  if (typeof countIncludePad !== 'boolean') throw new TypeError(`avgPool2d: countIncludePad must be a boolean, got ${describeValue(countIncludePad)}`);
  const divisor = opts.divisorOverride ?? 0;
  if (opts.divisorOverride !== undefined && opts.divisorOverride !== null && !(Number.isInteger(divisor) && divisor !== 0)) {
    throw new RangeError(`avgPool2d: divisorOverride must be a nonzero integer, got ${describeValue(opts.divisorOverride)}`);
  }
  return avgPoolOp([x], { ...g, countIncludePad, divisorOverride: divisor });
}
