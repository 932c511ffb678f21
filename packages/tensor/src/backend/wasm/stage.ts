// Moving strided views into wasm linear memory. A dense span (contiguous, transposed, permuted, or
// broadcast with stride 0) is copied as it is with one memcpy and the kernel reads it through the view's
// own strides; a sparse one (a narrow slice of a larger tensor) is gathered into a contiguous block.
import type { View } from '../backend.js';
import type { TypedArray } from '../../dtype.js';
import { copy as jsCopy } from '../js/elementwise.js';
import { contiguousStrides } from '../../shape.js';

/** First element and element count of the storage a view covers. */
function span(v: View): [number, number] {
  let lo = v.offset;
  let hi = v.offset;
  for (let d = 0; d < v.shape.length; d++) {
    const step = (v.shape[d]! - 1) * v.strides[d]!;
    if (step < 0) lo += step;
    else hi += step;
  }
  return [lo, hi - lo + 1];
}

function numel(v: View): number {
  let n = 1;
  for (const s of v.shape) n *= s;
  return n;
}

const dense = (len: number, n: number) => len <= 2 * n + 64;

/** Whether `stage` copies `v` as it is (so the view's own strides address the copy) rather than gathering it. */
export function isDense(v: View): boolean {
  return dense(span(v)[1], numel(v));
}

/** Elements that `stage` will write for `v`. */
export function stagedSize(v: View): number {
  const n = numel(v);
  const len = span(v)[1];
  return dense(len, n) ? len : n;
}

/** A staged view: the element index of its first element in memory, and the strides to read it with. */
export interface Staged {
  readonly start: number;
  readonly strides: readonly number[];
}

/** Writes `v` into `mem` from element `at` on (see stagedSize) and says how to read it there. */
export function stage(v: View, mem: TypedArray, at: number): Staged {
  const n = numel(v);
  const [lo, len] = span(v);
  if (dense(len, n)) {
    mem.set(v.data.subarray(lo, lo + len), at);
    return { start: at + v.offset - lo, strides: v.strides };
  }
  const strides = contiguousStrides(v.shape);
  jsCopy(v, { data: mem, shape: v.shape, strides, offset: at });
  return { start: at, strides };
}

/** Rounds a byte count up to a cache line. */
export const align = (bytes: number): number => (bytes + 63) & ~63;
