// Convolution and its two adjoints for one group, as im2col + GEMM (col2im for the input gradient), on the
// JS kernels. The column matrix is a temporary of N·K·L elements; the wasm backend keeps it in linear memory.
import type { Conv2dGeometry, View } from '../backend.js';
import { allocArray, dtypeOfArray, type TypedArray } from '../../dtype.js';
import { col2im, im2col } from './conv.js';
import { bmm } from './matmul.js';
import { reduce } from './reduce.js';

const alloc = (like: TypedArray, n: number): TypedArray => allocArray(dtypeOfArray(like), n);

/** `[M, K]` weight view `w` read as the `[N, M, K]` batch of one matrix (stride 0), or transposed `[N, K, M]`. */
const batchOf = (w: View, n: number, transposed: boolean): View => ({
  storage: w.storage, offset: w.offset,
  shape: transposed ? [n, w.shape[1]!, w.shape[0]!] : [n, w.shape[0]!, w.shape[1]!],
  strides: transposed ? [0, w.strides[1]!, w.strides[0]!] : [0, w.strides[0]!, w.strides[1]!],
});

export function conv2d(x: View, w: View, g: Conv2dGeometry, out: View): void {
  const [M, K] = w.shape as [number, number];
  const L = g.oh * g.ow;
  const cols = alloc(out.storage, g.n * K * L);
  im2col(x, g, cols);
  const colsView: View = { storage: cols, shape: [g.n, K, L], strides: [K * L, L, 1], offset: 0 };
  if (out.offset === 0 && out.strides[0] === M * L) {
    bmm(batchOf(w, g.n, false), colsView, out.storage);
    return;
  }
  const tmp = alloc(out.storage, g.n * M * L);
  bmm(batchOf(w, g.n, false), colsView, tmp);
  for (let n = 0; n < g.n; n++) out.storage.set(tmp.subarray(n * M * L, (n + 1) * M * L), out.offset + n * out.strides[0]!);
}

export function conv2dInputGrad(gOut: View, w: View, g: Conv2dGeometry, out: TypedArray): void {
  const K = w.shape[1]!;
  const cols = alloc(out, g.n * K * g.oh * g.ow);
  bmm(batchOf(w, g.n, true), gOut, cols);
  out.fill(0, 0, g.n * g.c * g.h * g.w);
  col2im(cols, g, out);
}

export function conv2dWeightGrad(x: View, gOut: View, g: Conv2dGeometry, out: TypedArray): void {
  const M = gOut.shape[1]!;
  const L = g.oh * g.ow;
  const K = g.c * g.kh * g.kw;
  const cols = alloc(out, g.n * K * L);
  im2col(x, g, cols);
  const perSample = alloc(out, g.n * M * K);
  bmm(gOut, { storage: cols, shape: [g.n, L, K], strides: [K * L, 1, L], offset: 0 }, perSample);
  reduce('sum', { storage: perSample, shape: [M * K, g.n], strides: [1, M * K], offset: 0 }, 1, out);
}
