import type { View } from '../backend.js';
import type { TypedArray } from '../../dtype.js';

let acc = new Float64Array(0);

/** The backend's matmul: `[M, K]`·`[K, N]` over any strides into the contiguous `out` `[M, N]` (a batch of one for `bmm`). */
export function matmul(a: View, b: View, out: TypedArray): void {
  bmm(batchOfOne(a), batchOfOne(b), out);
}

const batchOfOne = (v: View): View => ({ storage: v.storage, shape: [1, ...v.shape], strides: [0, ...v.strides], offset: v.offset });

/**
 * Batched matmul over strided `[B, M, K]`·`[B, K, N]` views (stride-0 batches allowed) into the contiguous
 * `out` `[B, M, N]`; the JS conv kernels run their GEMMs through it. Two loop orders cover every transpose
 * combination without copying an operand: when `b`'s rows are contiguous, an i-k-j order that streams rows
 * of `b` into four float64 accumulator rows at once (each loaded `b` element is used four times); otherwise
 * dot products along k. Accumulation is in float64, so float32 results are rounded once.
 */
export function bmm(a: View, b: View, out: TypedArray): void {
  const [B, M, K] = a.shape as [number, number, number];
  const N = b.shape[2]!;
  const [sab, sam, sak] = a.strides as [number, number, number];
  const [sbb, sbk, sbn] = b.strides as [number, number, number];
  const A = a.storage;
  const Bd = b.storage;
  if (acc.length < 4 * N) acc = new Float64Array(4 * N);
  for (let batch = 0; batch < B; batch++) {
    const aOff = a.offset + batch * sab;
    const bOff = b.offset + batch * sbb;
    const cOff = batch * M * N;
    if (sbn === 1 || sbk !== 1) {
      ikj(A, aOff, sam, sak, Bd, bOff, sbk, sbn, out, cOff, M, K, N);
    } else {
      dots(A, aOff, sam, sak, Bd, bOff, sbk, sbn, out, cOff, M, K, N);
    }
  }
}

function ikj(A: TypedArray, aOff: number, sam: number, sak: number, Bd: TypedArray, bOff: number, sbk: number, sbn: number,
  C: TypedArray, cOff: number, M: number, K: number, N: number): void {
  const r0 = acc;
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    r0.fill(0, 0, 4 * N);
    const a0 = aOff + i * sam;
    for (let k = 0; k < K; k++) {
      const ak = a0 + k * sak;
      const x0 = A[ak]!, x1 = A[ak + sam]!, x2 = A[ak + 2 * sam]!, x3 = A[ak + 3 * sam]!;
      let bj = bOff + k * sbk;
      for (let j = 0; j < N; j++, bj += sbn) {
        const bv = Bd[bj]!;
        r0[j] = r0[j]! + x0 * bv;
        r0[N + j] = r0[N + j]! + x1 * bv;
        r0[2 * N + j] = r0[2 * N + j]! + x2 * bv;
        r0[3 * N + j] = r0[3 * N + j]! + x3 * bv;
      }
    }
    for (let r = 0; r < 4; r++) {
      const c = cOff + (i + r) * N;
      for (let j = 0; j < N; j++) C[c + j] = r0[r * N + j]!;
    }
  }
  for (; i < M; i++) {
    r0.fill(0, 0, N);
    const a0 = aOff + i * sam;
    for (let k = 0; k < K; k++) {
      const x0 = A[a0 + k * sak]!;
      let bj = bOff + k * sbk;
      for (let j = 0; j < N; j++, bj += sbn) r0[j] = r0[j]! + x0 * Bd[bj]!;
    }
    const c = cOff + i * N;
    for (let j = 0; j < N; j++) C[c + j] = r0[j]!;
  }
}

function dots(A: TypedArray, aOff: number, sam: number, sak: number, Bd: TypedArray, bOff: number, sbk: number, sbn: number,
  C: TypedArray, cOff: number, M: number, K: number, N: number): void {
  for (let i = 0; i < M; i++) {
    const ai = aOff + i * sam;
    const c = cOff + i * N;
    for (let j = 0; j < N; j++) {
      let s0 = 0, s1 = 0;
      let ak = ai;
      let bk = bOff + j * sbn;
      let k = 0;
      for (; k + 2 <= K; k += 2, ak += 2 * sak, bk += 2 * sbk) {
        s0 += A[ak]! * Bd[bk]!;
        s1 += A[ak + sak]! * Bd[bk + sbk]!;
      }
      if (k < K) s0 += A[ak]! * Bd[bk]!;
      C[c + j] = s0 + s1;
    }
  }
}
