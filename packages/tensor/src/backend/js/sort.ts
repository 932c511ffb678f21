import type { View } from '../backend.js';
import { RowIter } from '../iter.js';

/**
 * The backend's topk: per row of the last dim of `x`, the indices of the `k` largest (or smallest) elements
 * in order, into the contiguous `out` `[rows, k]`. NaN ranks above every number (PyTorch's order), and equal
 * values keep their index order.
 */
export function topk(x: View, k: number, largest: boolean, out: Int32Array): void {
  const nd = x.shape.length;
  const n = nd === 0 ? 1 : x.shape[nd - 1]!;
  const step = nd === 0 ? 0 : x.strides[nd - 1]!;
  const outer = x.shape.slice(0, -1);
  const it = new RowIter(outer, [{ storage: x.storage, shape: outer, strides: x.strides.slice(0, -1), offset: x.offset }]);
  const values = new Float64Array(n);
  const order = Array.from({ length: n }, (_, i) => i);
  const sign = largest ? -1 : 1;
  // Ascending by sign·value with NaN last when smallest, first when largest; ties by index.
  const cmp = (i: number, j: number): number => {
    const a = values[i]!;
    const b = values[j]!;
    const an = a !== a;
    const bn = b !== b;
    if (an || bn) return an === bn ? i - j : (an ? 1 : -1) * (largest ? -1 : 1);
    return a === b ? i - j : sign * (a < b ? -1 : 1);
  };
  let row = 0;
  for (let r = 0; r < it.rows; r++) {
    let base = it.pos[0]!;
    for (let c = 0; c < it.n; c++, base += it.inner[0]!) {
      for (let i = 0; i < n; i++) {
        values[i] = x.storage[base + i * step]!;
        order[i] = i;
      }
      order.sort(cmp);
      for (let i = 0; i < k; i++) out[row * k + i] = order[i]!;
      row++;
    }
    it.next();
  }
}
