import type { View } from '../backend.js';
import { RowIter } from '../iter.js';

/**
 * Whether every element of `x` is finite. `v * 0` is 0 for a finite `v` and NaN for NaN and ±Inf, so one
 * sum without a branch per element answers for a whole row.
 */
export function allFinite(x: View): boolean {
  const d = x.storage;
  if (!(d instanceof Float32Array || d instanceof Float64Array)) return true;
  // A contiguous view is one run: no iterator to build (most op outputs and gradients).
  let n = 1;
  let contiguous = true;
  for (let i = x.shape.length - 1; i >= 0; i--) {
    if (x.shape[i] !== 1 && x.strides[i] !== n) contiguous = false;
    n *= x.shape[i]!;
  }
  if (contiguous) return runFinite(d, x.offset, x.offset + n);
  const it = new RowIter(x.shape, [x]);
  const s = it.inner[0]!;
  let acc = 0;
  for (let r = 0; r < it.rows; r++) {
    const start = it.pos[0]!;
    if (s === 1) {
      if (!runFinite(d, start, start + it.n)) return false;
    } else {
      for (let i = 0, j = start; i < it.n; i++, j += s) acc += d[j]! * 0;
    }
    if (acc !== 0) return false;
    it.next();
  }
  return acc === 0;
}

function runFinite(d: Float32Array | Float64Array, start: number, end: number): boolean {
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  let i = start;
  for (; i + 3 < end; i += 4) {
    a0 += d[i]! * 0;
    a1 += d[i + 1]! * 0;
    a2 += d[i + 2]! * 0;
    a3 += d[i + 3]! * 0;
  }
  for (; i < end; i++) a0 += d[i]! * 0;
  return a0 + a1 + a2 + a3 === 0;
}
