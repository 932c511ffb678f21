// Movement ops. Views (reshape of a viewable layout, permute, expand, squeeze, unsqueeze, narrow, slice)
// share storage with their input; their backwards move the gradient back into the input's shape.
import { defineOp } from '../autograd/op.js';
import { deviceBackend, getBackend } from '../backend/registry.js';
import { plainArray, type TypedArray } from '../dtype.js';
import { DeviceError, ShapeError } from '../errors.js';
import type { DeviceStorage } from '../storage.js';
import { checkExpandable, contiguousStrides, fmtShape, inferShape, normalizeDim, normalizeDims, normalizeNewDim, shapesEqual, viewStrides, type Shape } from '../shape.js';
import { checkTensor, describeValue } from '../check.js';
import { Tensor, onDevice } from '../tensor.js';
import { copyK, empty } from './raw.js';
import { sum } from './reduce.js';

interface ViewAttrs {
  shape: number[];
  strides: number[];
  from: Shape;
}

/** A view primitive whose backward reshapes the gradient back to the input's shape. */
function viewPrimitive(name: string) {
  return defineOp<[Tensor], ViewAttrs>({
    name,
    forward: (ctx, [x]) => x.viewAs(ctx.attrs.shape, ctx.attrs.strides, x.offset),
    backward: (ctx, g) => [reshape(g, ctx.attrs.from)],
  });
}

const viewOps = {
  reshape: viewPrimitive('reshape'),
  view: viewPrimitive('view'),
  squeeze: viewPrimitive('squeeze'),
  unsqueeze: viewPrimitive('unsqueeze'),
  flatten: viewPrimitive('flatten'),
};

function viewAs(op: ReturnType<typeof viewPrimitive>, x: Tensor, shape: number[], strides: number[]): Tensor {
  return op([x], { shape, strides, from: x.shape });
}

/**
 * The same elements in a new shape (one dim may be −1). A view when the layout allows, else a copy.
 * @example reshape(arange(6), [2, -1]) // shape [2, 3]
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('reshape', 'input', x);
  const target = inferShape('reshape', shape, x.numel);
  if (shapesEqual(target, x.shape)) return x;
  const strides = viewStrides(x.shape, x.strides, target);
  if (strides !== null) return viewAs(viewOps.reshape, x, target, strides);
  return viewAs(viewOps.reshape, contiguous(x), target, contiguousStrides(target));
}

/** Like `reshape`, but always a view: throws when the layout does not allow one (PyTorch's `view`). */
export function view(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('view', 'input', x);
  const target = inferShape('view', shape, x.numel);
  const strides = viewStrides(x.shape, x.strides, target);
  if (strides === null) {
    throw new ShapeError(
      `view: a tensor of shape ${fmtShape(x.shape)} with strides ${fmtShape(x.strides)} cannot be viewed as ${fmtShape(target)}; use reshape(), which copies when it must`,
    );
  }
  return viewAs(viewOps.view, x, target, strides);
}

/** Removes size-1 dims (all of them, or those listed). A view. */
export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  checkTensor('squeeze', 'input', x);
  const dims = dim === undefined ? x.shape.map((_, i) => i) : normalizeDims('squeeze', dim, x.ndim);
  const shape: number[] = [];
  const strides: number[] = [];
  x.shape.forEach((d, i) => {
    if (d === 1 && dims.includes(i)) return;
    shape.push(d);
    strides.push(x.strides[i]!);
  });
  if (shape.length === x.ndim) return x;
  return viewAs(viewOps.squeeze, x, shape, strides);
}

/** Inserts a size-1 dim at `dim` (−1 appends). A view. */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  checkTensor('unsqueeze', 'input', x);
  const d = normalizeNewDim('unsqueeze', dim, x.ndim);
  const shape = [...x.shape];
  const strides = [...x.strides];
  const stride = d < x.ndim ? x.strides[d]! * x.shape[d]! : 1;
  shape.splice(d, 0, 1);
  strides.splice(d, 0, stride);
  return viewAs(viewOps.unsqueeze, x, shape, strides);
}

/** Merges dims `startDim..endDim` into one (a view when the layout allows). */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  checkTensor('flatten', 'input', x);
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeDim('flatten', startDim, x.ndim);
  const e = normalizeDim('flatten', endDim, x.ndim);
  if (s > e) throw new RangeError(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  let merged = 1;
  for (let i = s; i <= e; i++) merged *= x.shape[i]!;
  const target = [...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)];
  if (shapesEqual(target, x.shape)) return x;
  const strides = viewStrides(x.shape, x.strides, target);
  if (strides !== null) return viewAs(viewOps.flatten, x, target, strides);
  return reshape(x, target);
}

// permute's backward is the inverse permutation
const permuteOp = defineOp<[Tensor], number[]>({
  name: 'permute',
  forward: (ctx, [x]) => x.viewAs(ctx.attrs.map((d) => x.shape[d]!), ctx.attrs.map((d) => x.strides[d]!), x.offset),
  backward: (ctx, g) => {
    const inv = new Array<number>(ctx.attrs.length);
    ctx.attrs.forEach((d, i) => (inv[d] = i));
    return [permute(g, inv)];
  },
});

/** Reorders dims: output dim i is input dim `dims[i]`. A view. @example permute(x, [2, 0, 1]) */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  checkTensor('permute', 'input', x);
  if (dims.length !== x.ndim) {
    throw new ShapeError(`permute: got ${dims.length} dims ${fmtShape(dims)} for a tensor of ${x.ndim} dimensions (shape ${fmtShape(x.shape)})`);
  }
  const norm = dims.map((d) => normalizeDim('permute', d, x.ndim));
  if (new Set(norm).size !== norm.length) throw new RangeError(`permute: dims ${fmtShape(dims)} repeat a dimension`);
  if (norm.every((d, i) => d === i)) return x;
  return permuteOp([x], norm);
}

/** Swaps two dims. A view. */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  checkTensor('transpose', 'input', x);
  const a = normalizeDim('transpose', dim0, x.ndim);
  const b = normalizeDim('transpose', dim1, x.ndim);
  const dims = x.shape.map((_, i) => (i === a ? b : i === b ? a : i));
  return permute(x, dims);
}

/** Transposes a tensor of at most 2 dims (PyTorch's `t`). */
export function t(x: Tensor): Tensor {
  checkTensor('t', 'input', x);
  if (x.ndim > 2) throw new ShapeError(`t: expects a tensor with at most 2 dimensions, got shape ${fmtShape(x.shape)}; use transpose(dim0, dim1)`);
  return x.ndim < 2 ? x : transpose(x, 0, 1);
}

// NOTE: expand is a broadcast (stride 0), so its backward is a sum over the broadcast dims.
const expandOp = defineOp<[Tensor], { shape: number[]; from: Shape }>({
  name: 'expand',
  forward: (ctx, [x]) => {
    const { shape } = ctx.attrs;
    const nd = shape.length;
    const strides = new Array<number>(nd).fill(0);
    for (let i = 1; i <= x.ndim; i++) if (x.shape[x.ndim - i] !== 1) strides[nd - i] = x.strides[x.ndim - i]!;
    return x.viewAs(shape, strides, x.offset);
  },
  backward: (ctx, g) => [sumTo(g, ctx.attrs.from)],
});

/** Sums `g` down to `shape` (the reverse of broadcasting `shape` up to `g.shape`). */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  if (dims.length === 0) return g;
  return reshape(sum(g, dims, true), shape);
}

/**
 * Broadcasts size-1 dims (and new leading dims) to `shape` without copying; −1 keeps an existing dim.
 * @example expand(tensor([[1], [2]]), [2, 3]) // each row repeated 3 times, no copy
 */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('expand', 'input', x);
  if (!Array.isArray(shape)) throw new TypeError(`expand: shape must be an array of sizes, got ${describeValue(shape)}`);
  const lead = shape.length - x.ndim;
  if (lead < 0) checkExpandable('expand', x.shape, shape); // throws: the target has fewer dimensions
  const target = shape.map((d, i) => {
    if (d === -1) {
      if (i >= lead) return x.shape[i - lead]!;
      throw new ShapeError(
        `expand: the expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension ${i} (expanding shape ${fmtShape(x.shape)} to ${fmtShape(shape)})`,
      );
    }
    if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`expand: sizes must be non-negative integers or -1 (keep the size), got ${d} at dimension ${i} of ${fmtShape(shape)}`);
    }
    return d;
  });
  checkExpandable('expand', x.shape, target);
  if (shapesEqual(target, x.shape)) return x;
  return expandOp([x], { shape: target, from: x.shape });
}

interface SliceAttrs {
  dim: number;
  start: number;
  step: number;
  length: number;
  from: Shape;
}

const sliceOp = defineOp<[Tensor], SliceAttrs>({
  name: 'slice',
  forward: (ctx, [x]) => {
    const { dim, start, step, length } = ctx.attrs;
    const shape = [...x.shape];
    const strides = [...x.strides];
    shape[dim] = length;
    strides[dim] = x.strides[dim]! * step;
    return x.viewAs(shape, strides, x.offset + start * x.strides[dim]!);
  },
  backward: (ctx, g) => [unslice(g, ctx.attrs)],
});

// unslice puts g into zeros of the input's shape at the sliced positions; slicing is its backward.
const unsliceOp = defineOp<[Tensor], SliceAttrs>({
  name: 'sliceBackward',
  forward: (ctx, [g]) => {
    const { dim, start, step, from } = ctx.attrs;
    const out = empty(from, g.dtype, 'sliceBackward');
    const strides = [...out.strides];
    strides[dim] = out.strides[dim]! * step;
    getBackend().copy(g, { storage: out.storage, shape: g.shape, strides, offset: start * out.strides[dim]! });
    return out;
  },
  backward: (ctx, gg) => [sliceOp([gg], ctx.attrs)],
});

function unslice(g: Tensor, attrs: SliceAttrs): Tensor {
  return unsliceOp([g], attrs);
}

/**
 * Elements `start, start+step, …` below `end` along `dim` (Python slice semantics: negative and
 * out-of-range bounds are clamped). A view.
 * @example slice(x, 1, 0, undefined, 2) // every other column
 */
export function slice(x: Tensor, dim: number, start = 0, end?: number, step = 1): Tensor {
  checkTensor('slice', 'input', x);
  const d = normalizeDim('slice', dim, x.ndim);
  if (!Number.isInteger(step) || step <= 0) throw new RangeError(`slice: step must be a positive integer, got ${step}`);
  const size = x.shape[d]!;
  const clampIdx = (i: number): number => Math.min(Math.max(i < 0 ? i + size : i, 0), size);
  const s = clampIdx(start);
  const e = end === undefined ? size : clampIdx(end);
  const length = e > s ? Math.ceil((e - s) / step) : 0;
  if (s === 0 && length === size && step === 1) return x;
  return sliceOp([x], { dim: d, start: s, step, length, from: x.shape });
}

/** `length` elements from `start` along `dim`, which must lie inside the tensor. A view. */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  checkTensor('narrow', 'input', x);
  const d = normalizeDim('narrow', dim, x.ndim);
  const size = x.shape[d]!;
  const s = start < 0 ? start + size : start;
  if (!Number.isInteger(s) || !Number.isInteger(length) || s < 0 || length < 0 || s + length > size) {
    throw new RangeError(`narrow: start ${start} and length ${length} fall outside dimension ${d} of size ${size} (shape ${fmtShape(x.shape)})`);
  }
  if (s === 0 && length === size) return x;
  return sliceOp([x], { dim: d, start: s, step: 1, length, from: x.shape });
}

const copyOp = (name: string) =>
  defineOp<[Tensor]>({
    name,
    forward: (_ctx, [x]) => copyK(x, x.dtype, name),
    backward: (_ctx, g) => [g],
  });
const contiguousOp = copyOp('contiguous');
const cloneOp = copyOp('clone');

/** `x` when already contiguous, else a contiguous copy. */
export function contiguous(x: Tensor): Tensor {
  checkTensor('contiguous', 'input', x);
  return x.isContiguous ? x : contiguousOp([x], undefined);
}

/** A copy with its own storage (differentiable). */
export function clone(x: Tensor): Tensor {
  checkTensor('clone', 'input', x);
  return cloneOp([x], undefined);
}

/**
 * A contiguous copy of the elements as an ordinary typed array, never one over the backend's memory: what
 * `toTypedArray` hands out may go anywhere a typed array goes (a shared wasm memory's arrays are refused by
 * Blob, TextDecoder and ONNX Runtime, and postMessage shares them instead of copying).
 */
export function contiguousData(x: Tensor): TypedArray {
  if (!x.isHost) throw onDevice(x, 'toTypedArray', 'await t.toTypedArrayAsync()');
  const out = plainArray(x.dtype, x.numel, 'toTypedArray');
  getBackend().copy(x, { storage: out, shape: x.shape, strides: contiguousStrides(x.shape), offset: 0 });
  return out;
}

/**
 * `contiguousData` through the backend's asynchronous read, where it has one (a backend that queues its
 * kernels); the read is issued at the call, so it sees the values as of the call.
 */
export function contiguousDataAsync(x: Tensor, what: string): Promise<TypedArray> {
  // A typed array is read by the current backend (at once, unless it queues its kernels); a device's storage
  // by its own backend, which must have `read`.
  const device = x.isHost ? null : (x.storage as DeviceStorage).device;
  const b = device === null ? getBackend() : deviceBackend(device);
  if (device !== null && !b?.read) return Promise.reject(new DeviceError(`${what}: no registered backend reads tensors on ${device}`));
  if (!b!.read) {
    try {
      return Promise.resolve(contiguousData(x));
    } catch (e) {
      return Promise.reject(e);
    }
  }
  const out = plainArray(x.dtype, x.numel, what);
  return b!.read(x, out).then(() => out);
}
