// Operands in wasm linear memory. A view whose data is resident (a tensor stored in wasm memory, heap.ts)
// is read where it is, through its own strides: no copy. Any other is moved in: A dense span (contiguous, transposed, permuted, or
// broadcast with stride 0) is copied as it is with one memcpy and the kernel reads it through the view's
// own strides; a sparse one (a narrow slice of a larger tensor) is gathered into a contiguous block.
import type { View } from '../backend.js';
import type { TypedArray } from '../../dtype.js';
import { copy as jsCopy } from '../js/elementwise.js';
import { contiguousStrides } from '../../shape.js';
import type { WasmKernels } from './instance.js';

/** Whether `a` lives in the kernels' memory (its `byteOffset` is its address there). */
export const isResident = (k: WasmKernels, a: TypedArray): boolean => k.heap !== null && k.heap.has(a);

/**
 * Whether a contiguous output of `count` elements at element `offset` of `a` is the whole of a live heap
 * block, so a kernel may write it in place, whole vectors past its end included (they land in the block's
 * padding: a block's capacity is a multiple of 64 bytes).
 */
export const isWhole = (k: WasmKernels, a: TypedArray, offset: number, count: number): boolean =>
  offset === 0 && count === a.length && k.heap !== null && k.heap.owns(a);

/** A resident view as the kernels read it: its first element's index in memory of `size`-byte elements. */
export const residentView = (v: View, size: number): Staged => ({ start: v.storage.byteOffset / size + v.offset, strides: v.strides });

/** First element and element count of the storage a view covers. */
export function span(v: View): [number, number] {
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
    mem.set(v.storage.subarray(lo, lo + len), at);
    return { start: at + v.offset - lo, strides: v.strides };
  }
  const strides = contiguousStrides(v.shape);
  jsCopy(v, { storage: mem, shape: v.shape, strides, offset: at });
  return { start: at, strides };
}

/** Rounds a byte count up to a cache line. */
export const align = (bytes: number): number => (bytes + 63) & ~63;
