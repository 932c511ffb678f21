// Indexing and joining: gather/scatterAdd (each the other's backward), indexSelect, cat/stack,
// split/chunk (views), pad, oneHot.
import { defineOp, type OpFn } from '../autograd/op.js';
import { getBackend } from '../backend/registry.js';
import { promoteTypes } from '../dtype.js';
import { DTypeError, ShapeError } from '../errors.js';
import { fmtShape, normalizeDim, normalizeNewDim, shapesEqual, type Shape } from '../shape.js';
import { checkTensor } from '../check.js';
import type { Tensor } from '../tensor.js';
import { cast } from './elementwise.js';
import { contiguous, expand, narrow, reshape, slice, unsqueeze } from './movement.js';
import { amax } from './reduce.js';
import { copyK, empty } from './raw.js';
import { full, zeros } from './creation.js';

function checkIndex(op: string, index: Tensor, size: number, dim: number): void {
  if (index.dtype !== 'int32') throw new DTypeError(`${op}: index must be an int32 tensor, got ${index.dtype}`);
  const flat = index.toTypedArray();
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i]!;
    if (v < 0 || v >= size) {
      throw new RangeError(`${op}: index ${v} (element ${i} of the index) is out of range for dimension ${dim} of size ${size}`);
    }
  }
}

function checkGatherShapes(op: string, x: Tensor, dim: number, index: Tensor, what: string): void {
  if (index.ndim !== x.ndim) {
    throw new ShapeError(`${op}: index has ${index.ndim} dimensions (shape ${fmtShape(index.shape)}) but ${what} has ${x.ndim} (shape ${fmtShape(x.shape)})`);
  }
  index.shape.forEach((s, d) => {
    if (d !== dim && s > x.shape[d]!) {
      throw new ShapeError(`${op}: index of shape ${fmtShape(index.shape)} is larger than ${what} of shape ${fmtShape(x.shape)} in dimension ${d}`);
    }
  });
}

// d/dx gather = scatter-add of the gradient back to where each element came from
const gatherOp: OpFn<[Tensor, Tensor], { dim: number; from: Shape }> = defineOp<[Tensor, Tensor], { dim: number; from: Shape }>({
  name: 'gather',
  forward: (ctx, [x, index]) => {
    ctx.save(index);
    const out = empty(index.shape, x.dtype, 'gather');
    getBackend().gather(x, ctx.attrs.dim, index, out);
    return out;
  },
  backward: (ctx, g) => {
    const index = ctx.saved[0]!;
    return [scatterAddOp([zeros(ctx.attrs.from, { dtype: g.dtype }), index, g], ctx.attrs.dim), null];
  },
});

/**
 * `out[i][j] = x[index[i][j]][j]` for dim 0 (and likewise for other dims); `index` is int32.
 * @example gather(logProbs, 1, unsqueeze(targets, 1)) // pick each row's target column
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  checkTensor('gather', 'input', x);
  checkTensor('gather', 'index', index);
  const d = normalizeDim('gather', dim, x.ndim);
  checkGatherShapes('gather', x, d, index, 'input');
  checkIndex('gather', index, x.shape[d] ?? 1, d);
  return gatherOp([x, index], { dim: d, from: x.shape });
}

// d/dx = g (the base passes through); d/dsrc = gather(g) at the same indices
const scatterAddOp: OpFn<[Tensor, Tensor, Tensor], number> = defineOp<[Tensor, Tensor, Tensor], number>({
  name: 'scatterAdd',
  forward: (ctx, [x, index, src]) => {
    ctx.save(index);
    const out = copyK(x, x.dtype, 'scatterAdd');
    getBackend().scatterAdd(out, ctx.attrs, index, src);
    return out;
  },
  backward: (ctx, g) => {
    const index = ctx.saved[0]!;
    return [ctx.needsInputGrad[0] ? g : null, null, ctx.needsInputGrad[2] ? gatherOp([g, index], { dim: ctx.attrs, from: g.shape }) : null];
  },
});

/** A copy of `x` with `src` added at `index` along `dim` (PyTorch's out-of-place `scatter_add`). */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  checkTensor('scatterAdd', 'input', x);
  checkTensor('scatterAdd', 'index', index);
  checkTensor('scatterAdd', 'src', src);
  const d = normalizeDim('scatterAdd', dim, x.ndim);
  checkGatherShapes('scatterAdd', x, d, index, 'input');
  checkGatherShapes('scatterAdd', src, -1, index, 'src');
  checkIndex('scatterAdd', index, x.shape[d] ?? 1, d);
  let s = cast(src, promoteTypes(x.dtype, src.dtype));
  // Only the part of src that index covers takes part (PyTorch); narrowing keeps its gradient exact.
  index.shape.forEach((size, k) => {
    if (s.shape[k] !== size) s = narrow(s, k, 0, size);
  });
  return scatterAddOp([cast(x, s.dtype), index, s], d);
}

/** The slices of `x` at the int32 positions `index` (1-d) along `dim`. @example indexSelect(emb, 0, ids) */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  checkTensor('indexSelect', 'input', x);
  checkTensor('indexSelect', 'index', index);
  if (index.ndim > 1) throw new ShapeError(`indexSelect: index must be 1-d, got shape ${fmtShape(index.shape)}`);
  const d = normalizeDim('indexSelect', dim, x.ndim);
  if (index.dtype !== 'int32') throw new DTypeError(`indexSelect: index must be an int32 tensor, got ${index.dtype}`);
  checkIndex('indexSelect', index, x.shape[d] ?? 1, d);
  const n = index.numel;
  const outShape = [...x.shape];
  if (x.ndim > 0) outShape[d] = n;
  // A stride-0 view of the index spread over the output shape turns this into a gather.
  const viewShape = x.shape.map((_, k) => (k === d ? n : 1));
  const idx = expand(reshape(index, x.ndim ? viewShape : []), outShape);
  // The index was checked above; the expanded view needs no second pass over its elements.
  return gatherOp([x, idx], { dim: d, from: x.shape });
}

// d/dxᵢ cat = the slice of the gradient that xᵢ filled
const catOp = defineOp<Tensor[], { dim: number; sizes: number[] }>({
  name: 'cat',
  forward: (ctx, inputs) => {
    const d = ctx.attrs.dim;
    const shape = [...inputs[0]!.shape];
    shape[d] = inputs.reduce((s, t) => s + t.shape[d]!, 0);
    const out = empty(shape, inputs[0]!.dtype, 'cat');
    let off = 0;
    for (const t of inputs) {
      getBackend().copy(t, { storage: out.storage, shape: t.shape, strides: out.strides, offset: off * out.strides[d]! });
      off += t.shape[d]!;
    }
    return out;
  },
  backward: (ctx, g) => {
    const { dim, sizes } = ctx.attrs;
    let off = 0;
    return sizes.map((size, i) => {
      const piece = ctx.needsInputGrad[i] ? narrow(g, dim, off, size) : null;
      off += size;
      return piece;
    });
  },
});

/** Joins tensors along an existing `dim`; all other sizes must agree. @example cat([a, b], 0) */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new RangeError('cat: expected a non-empty list of tensors');
  tensors.forEach((t, i) => checkTensor('cat', `tensors[${i}]`, t));
  const first = tensors[0]!;
  if (first.ndim === 0) throw new ShapeError('cat: zero-dimensional tensors cannot be concatenated; use stack');
  const d = normalizeDim('cat', dim, first.ndim);
  tensors.forEach((t, i) => {
    const ok = t.ndim === first.ndim && t.shape.every((s: number, k: number) => k === d || s === first.shape[k]);
    if (!ok) {
      throw new ShapeError(`cat: tensors[${i}] has shape ${fmtShape(t.shape)}, which does not match tensors[0]'s ${fmtShape(first.shape)} outside dimension ${d}`);
    }
  });
  const dtype = tensors.reduce((acc, t) => promoteTypes(acc, t.dtype), first.dtype);
  return catOp(tensors.map((t) => cast(t, dtype)), { dim: d, sizes: tensors.map((t) => t.shape[d]!) });
}

/** Joins equal-shaped tensors along a new `dim`. @example stack([a, b], 0) */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new RangeError('stack: expected a non-empty list of tensors');
  tensors.forEach((t, i) => checkTensor('stack', `tensors[${i}]`, t));
  const first = tensors[0]!;
  tensors.forEach((t, i) => {
    if (!shapesEqual(t.shape, first.shape)) {
      throw new ShapeError(`stack: every tensor must have the same shape, but tensors[0] is ${fmtShape(first.shape)} and tensors[${i}] is ${fmtShape(t.shape)}`);
    }
  });
  const d = normalizeNewDim('stack', dim, first.ndim);
  return cat(tensors.map((t) => unsqueeze(t, d)), d);
}

/**
 * Splits into views along `dim`: pieces of `size` (the last may be smaller), or of the listed sizes.
 * @example split(x, [2, 3], 1)
 */
export function split(x: Tensor, splitSizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  checkTensor('split', 'input', x);
  const d = normalizeDim('split', dim, x.ndim);
  const size = x.shape[d]!;
  let sizes: number[];
  if (typeof splitSizeOrSections === 'number') {
    const s = splitSizeOrSections;
    if (!Number.isInteger(s) || s <= 0) throw new RangeError(`split: split size must be a positive integer, got ${s}`);
    sizes = [];
    for (let start = 0; start < size; start += s) sizes.push(Math.min(s, size - start));
    if (sizes.length === 0) sizes.push(0);
  } else {
    sizes = [...splitSizeOrSections];
    const total = sizes.reduce((a, b) => a + b, 0);
    if (sizes.some((s) => !Number.isInteger(s) || s < 0) || total !== size) {
      throw new RangeError(`split: sizes ${fmtShape(sizes)} must be non-negative integers summing to ${size} (dimension ${d} of shape ${fmtShape(x.shape)})`);
    }
  }
  let start = 0;
  return sizes.map((s) => {
    const piece = narrow(x, d, start, s);
    start += s;
    return piece;
  });
}

/** Splits into `chunks` views of size ⌈n/chunks⌉ along `dim` (fewer when n is small), as PyTorch. */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  checkTensor('chunk', 'input', x);
  if (!Number.isInteger(chunks) || chunks <= 0) throw new RangeError(`chunk: chunks must be a positive integer, got ${chunks}`);
  const d = normalizeDim('chunk', dim, x.ndim);
  const size = Math.max(Math.ceil(x.shape[d]! / chunks), 1);
  return split(x, size, d);
}

interface PadAttrs {
  pads: number[][];
  value: number;
}

// d/dx pad = the gradient's interior (the padded border has no source)
const padOp = defineOp<[Tensor], PadAttrs>({
  name: 'pad',
  forward: (ctx, [x]) => {
    const shape = x.shape.map((s, k) => s + ctx.attrs.pads[k]![0]! + ctx.attrs.pads[k]![1]!);
    const out = full(shape, ctx.attrs.value, { dtype: x.dtype });
    let offset = 0;
    x.shape.forEach((_, k) => (offset += ctx.attrs.pads[k]![0]! * out.strides[k]!));
    getBackend().copy(x, { storage: out.storage, shape: x.shape, strides: out.strides, offset });
    return out;
  },
  backward: (ctx, g) => {
    let r = g;
    ctx.attrs.pads.forEach(([before, after], k) => (r = narrow(r, k, before!, g.shape[k]! - before! - after!)));
    return [r];
  },
});

/**
 * Constant padding, PyTorch's `F.pad`: `padding` lists (before, after) pairs starting from the last dim;
 * negative amounts crop.
 * @example pad(img, [1, 1, 2, 2]) // 1 column each side, 2 rows each side
 */
export function pad(x: Tensor, padding: readonly number[], value = 0): Tensor {
  checkTensor('pad', 'input', x);
  if (padding.length % 2 !== 0 || padding.length / 2 > x.ndim || padding.some((p) => !Number.isInteger(p))) {
    throw new RangeError(`pad: padding must be an even number (at most ${2 * x.ndim}) of integers, got ${fmtShape(padding)}`);
  }
  const pads = x.shape.map(() => [0, 0]);
  for (let i = 0; i < padding.length / 2; i++) pads[x.ndim - 1 - i] = [padding[2 * i]!, padding[2 * i + 1]!];
  let y = x;
  pads.forEach(([before, after], k) => {
    if (before! < 0 || after! < 0) {
      const lo = Math.max(-before!, 0);
      const hi = y.shape[k]! - Math.max(-after!, 0);
      if (hi < lo) throw new RangeError(`pad: cropping ${fmtShape([before!, after!])} removes more than dimension ${k} of size ${y.shape[k]}`);
      y = slice(y, k, lo, hi);
    }
  });
  const positive = pads.map(([b, a]) => [Math.max(b!, 0), Math.max(a!, 0)]);
  if (positive.every(([b, a]) => b === 0 && a === 0)) return y === x ? contiguous(x) : y;
  return padOp([y], { pads: positive, value });
}

const oneHotOp = defineOp<[Tensor], number>({
  name: 'oneHot',
  forward: (ctx, [idx]) => {
    const n = ctx.attrs;
    const out = empty([...idx.shape, n], 'int32', 'oneHot');
    const shape = [...idx.shape, 1];
    const one = { storage: new Int32Array([1]), shape, strides: shape.map(() => 0), offset: 0 };
    getBackend().scatterAdd(out, idx.ndim, { storage: idx.storage, shape, strides: [...idx.strides, 0], offset: idx.offset }, one);
    return out;
  },
});

/** One-hot int32 encoding with a new last dim of `numClasses` (−1: the largest index + 1). */
export function oneHot(indices: Tensor, numClasses = -1): Tensor {
  checkTensor('oneHot', 'input', indices);
  if (indices.dtype !== 'int32') throw new DTypeError(`oneHot: indices must be an int32 tensor, got ${indices.dtype}`);
  const n = numClasses === -1 ? (indices.numel === 0 ? 0 : amax(indices).item() + 1) : numClasses;
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`oneHot: numClasses must be a non-negative integer or -1, got ${numClasses}`);
  checkIndex('oneHot', indices, n, -1);
  return oneHotOp([indices], n);
}

/**
 * @internal scatterAdd for callers whose index is already known to be valid (a backward pass replaying the
 * indices its forward produced): skips the per-element range check.
 */
export function scatterAddTrusted(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  return scatterAddOp([x, index, src], dim);
}
