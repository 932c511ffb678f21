// The wasm batched matmul against the JS reference over batched strided operands: contiguous, transposed
// matrices, a stride-0 (expanded) batch, a batch-major permutation, in float32 and float64.
import { describe, expect, it } from 'vitest';
import type { View } from '../backend.js';
import { bmm as jsBmm } from '../js/matmul.js';
import { kernels } from './instance.js';
import { makeBmm } from './matmul.js';

function view(Ctor: Float32ArrayConstructor | Float64ArrayConstructor, shape: [number, number, number], strides: [number, number, number], seed: number): View {
  let size = 1;
  for (let d = 0; d < 3; d++) size += (shape[d]! - 1) * strides[d]!;
  const data = new Ctor(size);
  let s = seed;
  for (let i = 0; i < size; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    data[i] = s / 2147483648 - 0.5;
  }
  return { storage: data, shape, strides, offset: 0 };
}

describe.runIf(kernels !== null)('wasm bmm', () => {
  const bmm = makeBmm(kernels!, { minWork: 0 });
  for (const Ctor of [Float32Array, Float64Array]) {
    it(`${Ctor.name}: matches the JS kernel on strided, transposed and expanded batches`, () => {
      const [B, M, K, N] = [5, 7, 9, 6];
      const layouts: [View, View][] = [
        [view(Ctor, [B, M, K], [M * K, K, 1], 1), view(Ctor, [B, K, N], [K * N, N, 1], 2)],
        [view(Ctor, [B, M, K], [M * K, 1, M], 3), view(Ctor, [B, K, N], [K * N, 1, K], 4)],
        [view(Ctor, [B, M, K], [0, K, 1], 5), view(Ctor, [B, K, N], [N, B * N, 1], 6)],
      ];
      for (const [a, b] of layouts) {
        const want = new Ctor(B * M * N);
        const got = new Ctor(B * M * N + 3).fill(7);
        jsBmm(a, b, want);
        bmm(a, b, got);
        const tol = Ctor === Float32Array ? 1e-5 : 1e-13;
        for (let i = 0; i < B * M * N; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(tol);
        expect(Array.from(got.subarray(B * M * N))).toEqual([7, 7, 7]);
      }
    });
  }
});
