import { ShapeError } from './errors.js';

export type Shape = readonly number[];

/** `[2, 3]` — shapes are printed with their brackets so the rank is visible. */
export function fmtShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function numelOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides for a contiguous tensor of this shape. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/** True when `strides` walk `shape` in row-major order with no gaps (size-1 dims may have any stride). */
export function isContiguous(shape: Shape, strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!;
    if (d !== 1 && strides[i] !== expected) return false;
    expected *= d;
  }
  return true;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Normalises a possibly negative dim into `[0, ndim)`, or throws naming the op. */
export function normalizeDim(op: string, dim: number, ndim: number): number {
  const lo = ndim === 0 ? -1 : -ndim;
  const hi = ndim === 0 ? 0 : ndim - 1;
  if (!Number.isInteger(dim) || dim < lo || dim > hi) {
    throw new RangeError(
      `${op}: dim ${dim} is out of range for a tensor of ${ndim} dimension${ndim === 1 ? '' : 's'} (expected an integer in [${lo}, ${hi}])`,
    );
  }
  return dim < 0 ? dim + Math.max(ndim, 1) : dim;
}

/** Normalises where a new dim goes (unsqueeze, stack) into `[0, ndim]`; the error names the input's own rank. */
export function normalizeNewDim(op: string, dim: number, ndim: number): number {
  if (!Number.isInteger(dim) || dim < -ndim - 1 || dim > ndim) {
    throw new RangeError(
      `${op}: dim ${dim} is out of range for inserting a dimension into a tensor of ${ndim} dimension${ndim === 1 ? '' : 's'} (expected an integer in [${-ndim - 1}, ${ndim}])`,
    );
  }
  return dim < 0 ? dim + ndim + 1 : dim;
}

/** Normalises `dim` (number, list or undefined = all) to a sorted list of distinct axes. */
export function normalizeDims(op: string, dim: number | readonly number[] | undefined, ndim: number): number[] {
  if (dim === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof dim === 'number' ? [dim] : [...dim];
  const out = list.map((d) => normalizeDim(op, d, ndim));
  const seen = new Set<number>();
  for (const d of out) {
    if (seen.has(d)) throw new RangeError(`${op}: dim ${d} appears more than once in ${JSON.stringify(list)}`);
    seen.add(d);
  }
  if (ndim === 0) return [];
  return out.sort((a, b) => a - b);
}

/** NumPy/PyTorch broadcasting of two shapes, with an error that names the op and the failing dimension. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 1; i <= n; i++) {
    const da = a.length - i >= 0 ? a[a.length - i]! : 1;
    const db = b.length - i >= 0 ? b[b.length - i]! : 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast (dimension -${i}: ${da} vs ${db})`,
      );
    }
    out[n - i] = da === 1 ? db : da;
  }
  return out;
}

/** Checks that `from` can be expanded to `to` (PyTorch `expand` rules). */
export function checkExpandable(op: string, from: Shape, to: Shape): void {
  if (to.length < from.length) {
    throw new ShapeError(`${op}: cannot expand shape ${fmtShape(from)} to ${fmtShape(to)}: the target has fewer dimensions`);
  }
  for (let i = 1; i <= from.length; i++) {
    const f = from[from.length - i]!;
    const t = to[to.length - i]!;
    if (f !== t && f !== 1) {
      throw new ShapeError(
        `${op}: cannot expand shape ${fmtShape(from)} to ${fmtShape(to)} (dimension -${i}: ${f} is not 1 and differs from ${t})`,
      );
    }
  }
}

/** Resolves a `-1` in a requested shape against `numel`, with PyTorch's errors. */
export function inferShape(op: string, requested: Shape, numel: number): number[] {
  let infer = -1;
  let known = 1;
  requested.forEach((d, i) => {
    if (d === -1) {
      if (infer >= 0) throw new ShapeError(`${op}: only one dimension can be -1, got ${fmtShape(requested)}`);
      infer = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`${op}: invalid size ${d} at dimension ${i} of ${fmtShape(requested)}`);
    } else known *= d;
  });
  const out = [...requested];
  if (infer >= 0) {
    if (known === 0 || numel % known !== 0) {
      throw new ShapeError(`${op}: shape ${fmtShape(requested)} is invalid for input of size ${numel}`);
    }
    out[infer] = numel / known;
  } else if (known !== numel) {
    throw new ShapeError(`${op}: shape ${fmtShape(requested)} is invalid for input of size ${numel}`);
  }
  return out;
}

/**
 * Strides for viewing a tensor of `shape`/`strides` as `newShape` without copying, or null when the
 * memory layout does not allow it (PyTorch's `computeStride`: merge chunks of dims that are contiguous
 * among themselves).
 */
export function viewStrides(shape: Shape, strides: readonly number[], newShape: Shape): number[] | null {
  const numel = numelOf(shape);
  if (numel === 0 || shape.length === 0) return contiguousStrides(newShape);
  const newStrides = new Array<number>(newShape.length);
  let viewD = newShape.length - 1;
  let chunkBaseStride = strides[strides.length - 1]!;
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d]!;
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBaseStride)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        newStrides[viewD] = viewNumel * chunkBaseStride;
        viewNumel *= newShape[viewD]!;
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBaseStride = strides[d - 1]!;
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) return null;
  return newStrides;
}

/**
 * True when two elements of the view (`shape`, `strides`) sit at the same storage offset, so an in-place
 * write would write one location more than once (an `expand`ed tensor's stride-0 dims). Dims are sorted by
 * stride: a view whose every stride passes the extent of the smaller ones cannot overlap; any other view is
 * checked element by element (only hand-made strides get there).
 */
export function hasInternalOverlap(shape: Shape, strides: readonly number[]): boolean {
  if (shape.includes(0)) return false;
  const dims: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (shape[i]! > 1) {
      if (strides[i] === 0) return true;
      dims.push(i);
    }
  }
  dims.sort((a, b) => strides[a]! - strides[b]!);
  let extent = 0;
  let simple = true;
  for (const d of dims) {
    if (strides[d]! <= extent) simple = false;
    extent += strides[d]! * (shape[d]! - 1);
  }
  if (simple) return false;
  const seen = new Set<number>();
  const n = numelOf(shape);
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    let off = 0;
    for (let i = 0; i < shape.length; i++) off += idx[i]! * strides[i]!;
    if (seen.has(off)) return true;
    seen.add(off);
    for (let i = shape.length - 1; i >= 0; i--) {
      if (++idx[i]! < shape[i]!) break;
      idx[i] = 0;
    }
  }
  return false;
}
