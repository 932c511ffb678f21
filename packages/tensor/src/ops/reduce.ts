// Reductions and softmax. Reduced dims are moved last by a permuted view, so one kernel call reduces
// them; backward broadcasts the gradient back with `expand`.
import { defineOp } from '../autograd/op.js';
import type { ReduceOp } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { toFloat, type DType } from '../dtype.js';
import { ShapeError } from '../errors.js';
import { fmtShape, normalizeDim, normalizeDims, type Shape } from '../shape.js';
import { checkBool, checkOptions, checkTensor } from '../check.js';
import { Tensor } from '../tensor.js';
import { add, cast, div, eq, exp, log, mul, sub, where } from './elementwise.js';
import { gather } from './indexing.js';
import { expand, reshape, squeeze } from './movement.js';
import { empty } from './raw.js';

interface ReduceAttrs {
  dims: number[];
  keepdim: boolean;
}

/** The shape after reducing `dims`, with or without the size-1 placeholders. */
function reducedShape(shape: Shape, dims: readonly number[], keepdim: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!dims.includes(i)) out.push(d);
    else if (keepdim) out.push(1);
  });
  return out;
}

/** Runs a reduce kernel over `dims` of `x` (graph-free). */
function reduceK(op: ReduceOp, x: Tensor, dims: readonly number[], keepdim: boolean, dtype: DType): Tensor {
  const order = [...x.shape.keys()].filter((i) => !dims.includes(i)).concat(dims);
  const v = { storage: x.storage, shape: order.map((i) => x.shape[i]!), strides: order.map((i) => x.strides[i]!), offset: x.offset };
  const out = empty(reducedShape(x.shape, dims, keepdim), dtype, op);
  getBackend().reduce(op, v, dims.length, out.storage);
  return out;
}

/** Gradient of a reduction broadcast back over the reduced dims. */
function spread(g: Tensor, from: Shape, dims: readonly number[], keepdim: boolean): Tensor {
  return expand(keepdim ? g : reshape(g, reducedShape(from, dims, true)), from);
}

// d/dx Σx = 1 for every element
const sumOp = defineOp<[Tensor], ReduceAttrs & { from: Shape }>({
  name: 'sum',
  forward: (ctx, [x]) => reduceK('sum', x, ctx.attrs.dims, ctx.attrs.keepdim, x.dtype === 'bool' ? 'int32' : x.dtype),
  backward: (ctx, g) => [spread(g, ctx.attrs.from, ctx.attrs.dims, ctx.attrs.keepdim)],
});

/**
 * Sum over all elements, or over `dim` (a number or a list), keeping reduced dims as size 1 with `keepdim`.
 * @example sum(tensor([[1, 2], [3, 4]]), 1) // tensor([3, 7])
 */
export function sum(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  checkTensor('sum', 'input', x);
  checkBool('sum', 'keepdim', keepdim);
  const dims = normalizeDims('sum', dim, x.ndim);
  return sumOp([x], { dims, keepdim, from: x.shape });
}

function countOf(x: Tensor, dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= x.shape[d]!;
  return n;
}

/** Mean over all elements or over `dim` (ints are averaged in float32). */
export function mean(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  checkTensor('mean', 'input', x);
  checkBool('mean', 'keepdim', keepdim);
  const dims = normalizeDims('mean', dim, x.ndim);
  const xf = cast(x, toFloat(x.dtype));
  return div(sum(xf, dims, keepdim), countOf(x, dims));
}

export interface VarOptions {
  /** Subtracted from the element count in the divisor: 1 (default) is Bessel's correction, 0 the population variance. */
  correction?: number;
  /** PyTorch's older spelling: `unbiased: false` is `correction: 0`. */
  unbiased?: boolean;
  keepdim?: boolean;
}

/** Variance Σ(x − x̄)²/(N − correction) over all elements or `dim` (default correction 1, as PyTorch). */
export function variance(x: Tensor, dim?: number | readonly number[], opts: VarOptions = {}): Tensor {
  return varianceAs('var', x, dim, opts);
}

/** The variance, with errors naming `op` (var or std). */
function varianceAs(op: 'var' | 'std', x: Tensor, dim: number | readonly number[] | undefined, opts: VarOptions = {}): Tensor {
  checkTensor(op, 'input', x);
  checkOptions(op, opts, ['correction', 'unbiased', 'keepdim']);
  if (opts.keepdim !== undefined) checkBool(op, 'keepdim', opts.keepdim);
  const dims = normalizeDims(op, dim, x.ndim);
  if (opts.correction !== undefined && opts.unbiased !== undefined) {
    throw new TypeError(`${op}: pass either correction or unbiased, not both`);
  }
  const correction = opts.correction ?? (opts.unbiased === false ? 0 : 1);
  if (typeof correction !== 'number' || !Number.isFinite(correction) || correction < 0) {
    throw new RangeError(`${op}: correction must be a non-negative number, got ${String(correction)}`);
  }
  const xf = cast(x, toFloat(x.dtype));
  const centered = sub(xf, mean(xf, dims, true));
  return div(sum(mul(centered, centered), dims, opts.keepdim ?? false), Math.max(countOf(x, dims) - correction, 0));
}

/** Standard deviation: √var. */
export function std(x: Tensor, dim?: number | readonly number[], opts: VarOptions = {}): Tensor {
  return varianceAs('std', x, dim, opts).sqrt();
}

// NOTE: amax/amin split the gradient evenly between tied extrema, as PyTorch does.
function extremumOp(name: 'amax' | 'amin', kernel: 'max' | 'min') {
  return defineOp<[Tensor], ReduceAttrs>({
    name,
    forward: (ctx, [x]) => {
      const y = reduceK(kernel, x, ctx.attrs.dims, ctx.attrs.keepdim, x.dtype);
      ctx.save(x, y);
      return y;
    },
    backward: (ctx, g) => {
      const [x, y] = ctx.saved as [Tensor, Tensor];
      const { dims, keepdim } = ctx.attrs;
      const mask = cast(eq(x, spread(y, x.shape, dims, keepdim)), g.dtype);
      const ties = sum(mask, dims, true);
      return [div(mul(mask, spread(g, x.shape, dims, keepdim)), ties)];
    },
  });
}
const amaxOp = extremumOp('amax', 'max');
const aminOp = extremumOp('amin', 'min');

function checkNonEmpty(op: string, x: Tensor, dims: readonly number[]): void {
  for (const d of dims) {
    if (x.shape[d] === 0) throw new ShapeError(`${op}: cannot reduce over dimension ${d} of size 0 (shape ${fmtShape(x.shape)})`);
  }
  if (x.numel === 0) throw new ShapeError(`${op}: the input of shape ${fmtShape(x.shape)} is empty`);
}

/** Largest value over all elements or `dim` (a list allowed); ties share the gradient. */
export function amax(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  checkTensor('amax', 'input', x);
  checkBool('amax', 'keepdim', keepdim);
  const dims = normalizeDims('amax', dim, x.ndim);
  checkNonEmpty('amax', x, dims);
  return amaxOp([x], { dims, keepdim });
}

/** Smallest value over all elements or `dim`; ties share the gradient. */
export function amin(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  checkTensor('amin', 'input', x);
  checkBool('amin', 'keepdim', keepdim);
  const dims = normalizeDims('amin', dim, x.ndim);
  checkNonEmpty('amin', x, dims);
  return aminOp([x], { dims, keepdim });
}

const argOps = {
  argmax: defineOp<[Tensor], ReduceAttrs>({ name: 'argmax', forward: (ctx, [x]) => reduceK('argmax', x, ctx.attrs.dims, ctx.attrs.keepdim, 'int32') }),
  argmin: defineOp<[Tensor], ReduceAttrs>({ name: 'argmin', forward: (ctx, [x]) => reduceK('argmin', x, ctx.attrs.dims, ctx.attrs.keepdim, 'int32') }),
};

function argExtremum(name: 'argmax' | 'argmin', x: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  checkTensor(name, 'input', x);
  checkBool(name, 'keepdim', keepdim);
  if (dim === undefined) {
    checkNonEmpty(name, x, []);
    // The flat index into the row-major elements, as PyTorch.
    return argOps[name]([reshape(x, [-1])], { dims: [0], keepdim: false });
  }
  const d = normalizeDim(name, dim, x.ndim);
  const dims = x.ndim === 0 ? [] : [d];
  checkNonEmpty(name, x, dims);
  return argOps[name]([x], { dims, keepdim });
}

/** Index (int32) of the largest value: flat over all elements, or along `dim`. The first one wins ties. */
export function argmax(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argExtremum('argmax', x, dim, keepdim);
}

/** Index (int32) of the smallest value: flat over all elements, or along `dim`. */
export function argmin(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argExtremum('argmin', x, dim, keepdim);
}

/** The values and their int32 indices along a dim, as PyTorch's `max(dim)` returns them. */
export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}

function extremumAlong(name: 'max' | 'min', x: Tensor, dim: number | undefined, keepdim: boolean): Tensor | ValuesIndices {
  checkTensor(name, 'input', x);
  checkBool(name, 'keepdim', keepdim);
  if (dim === undefined) return name === 'max' ? amax(x) : amin(x);
  const d = normalizeDim(name, dim, x.ndim);
  const indices = argExtremum(name === 'max' ? 'argmax' : 'argmin', x, d, true);
  // The gradient goes to the one selected element (PyTorch's max(dim)), through gather's backward.
  const values = x.ndim === 0 ? x : gather(x, d, indices);
  return keepdim || x.ndim === 0
    ? { values, indices }
    : { values: squeeze(values, d), indices: squeeze(indices, d) };
}

/** The largest element (a 0-d tensor), or `{ values, indices }` along `dim`. */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function max(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  return extremumAlong('max', x, dim, keepdim);
}

/** The smallest element (a 0-d tensor), or `{ values, indices }` along `dim`. */
export function min(x: Tensor): Tensor;
export function min(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function min(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  return extremumAlong('min', x, dim, keepdim);
}

/**
 * log Σ exp(x) over `dim`, computed as m + log Σ exp(x − m) with m the (detached) max, so large inputs
 * do not overflow.
 */
export function logsumexp(x: Tensor, dim: number | readonly number[], keepdim = false): Tensor {
  checkTensor('logsumexp', 'input', x);
  checkBool('logsumexp', 'keepdim', keepdim);
  if (dim === undefined) throw new TypeError('logsumexp: dim is required (as in PyTorch); pass the dims to reduce, e.g. logsumexp(x, 1) or logsumexp(x, [0, 1])');
  const dims = normalizeDims('logsumexp', dim, x.ndim);
  const xf = cast(x, toFloat(x.dtype));
  const m0 = amax(xf.detach(), dims, true);
  // An infinite max would give inf − inf = NaN; shifting by 0 there is exact.
  const m = where(eq(m0.abs(), Infinity), 0, m0);
  const out = add(log(sum(exp(sub(xf, m)), dims, true)), m);
  return keepdim ? out : squeeze(out, dims.length ? dims : undefined);
}

function softmaxOp(name: 'softmax' | 'logSoftmax') {
  return defineOp<[Tensor], number>({
    name,
    forward: (ctx, [x]) => {
      const d = ctx.attrs;
      const order = [...x.shape.keys()].filter((i) => i !== d).concat(x.ndim ? [d] : []);
      const shape = order.map((i) => x.shape[i]!);
      const out = empty(shape, x.dtype, name);
      getBackend().softmax(name, { storage: x.storage, shape, strides: order.map((i) => x.strides[i]!), offset: x.offset }, out.storage);
      const inv = new Array<number>(order.length);
      order.forEach((o, i) => (inv[o] = i));
      const y = out.viewAs(x.shape, inv.map((i) => out.strides[i]!), 0);
      return ctx.save(y);
    },
    backward: (ctx, g) => {
      const y = ctx.saved[0]!;
      const d = ctx.attrs;
      return name === 'softmax'
        ? [mul(y, sub(g, sum(mul(g, y), d, true)))] // ∂softmax: y ⊙ (g − Σ g⊙y)
        : [sub(g, mul(exp(y), sum(g, d, true)))]; // ∂logSoftmax: g − softmax ⊙ Σ g
    },
  });
}
const softmaxPrim = softmaxOp('softmax');
const logSoftmaxPrim = softmaxOp('logSoftmax');

/** eˣ / Σ eˣ along `dim`, stable for large inputs. @example softmax(logits, -1) */
export function softmax(x: Tensor, dim: number): Tensor {
  checkTensor('softmax', 'input', x);
  const d = x.ndim === 0 ? 0 : normalizeDim('softmax', dim, x.ndim);
  return softmaxPrim([cast(x, toFloat(x.dtype))], d);
}

/** x − log Σ eˣ along `dim`, computed directly (not as log(softmax)) so it stays finite. */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  checkTensor('logSoftmax', 'input', x);
  const d = x.ndim === 0 ? 0 : normalizeDim('logSoftmax', dim, x.ndim);
  return logSoftmaxPrim([cast(x, toFloat(x.dtype))], d);
}

