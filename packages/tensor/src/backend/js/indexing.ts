import type { View } from '../backend.js';
import { RowIter } from '../iter.js';

/** `view` with the stride along `dim` set to 0 and its shape replaced, so a RowIter yields row bases. */
function alongDim(v: View, shape: readonly number[], dim: number): View {
  const strides = [...v.strides];
  strides[dim] = 0;
  return { storage: v.storage, shape, strides, offset: v.offset };
}

export function gather(x: View, dim: number, index: View, out: View): void {
  const it = new RowIter(index.shape, [index, out, alongDim(x, index.shape, dim)]);
  const [is, os, xs] = it.inner as [number, number, number];
  const sd = x.strides[dim] ?? 0;
  const I = index.storage, O = out.storage, X = x.storage;
  for (let r = 0; r < it.rows; r++) {
    let ii = it.pos[0]!, oi = it.pos[1]!, xi = it.pos[2]!;
    for (let e = 0; e < it.n; e++, ii += is, oi += os, xi += xs) O[oi] = X[xi + I[ii]! * sd]!;
    it.next();
  }
}

export function scatterAdd(out: View, dim: number, index: View, src: View): void {
  const it = new RowIter(index.shape, [index, src, alongDim(out, index.shape, dim)]);
  const [is, ss, os] = it.inner as [number, number, number];
  const sd = out.strides[dim] ?? 0;
  const I = index.storage, S = src.storage, O = out.storage;
  for (let r = 0; r < it.rows; r++) {
    let ii = it.pos[0]!, si = it.pos[1]!, oi = it.pos[2]!;
    for (let e = 0; e < it.n; e++, ii += is, si += ss, oi += os) {
      const t = oi + I[ii]! * sd;
      O[t] = O[t]! + S[si]!;
    }
    it.next();
  }
}
