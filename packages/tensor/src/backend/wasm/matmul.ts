// The wasm backend's matmul: copy each operand's span into linear memory as it is (the kernel packs any
// strides itself), run the blocked SIMD GEMM of assembly/gemm-f32.ts over every batch, copy the product out.
import type { View } from '../backend.js';
import type { TypedArray } from '../../dtype.js';
import { matmul as jsMatmul } from '../js/matmul.js';
import type { WasmKernels } from './instance.js';
import { align, stage, stagedSize } from './stage.js';

export interface MatmulOptions {
  /** Below this many multiply-adds (B·M·N·K) the JS kernel runs: copying in and out would cost more. */
  readonly minWork?: number;
  /** Bytes of operands and result per wasm call; larger batches are split into chunks of whole matrices. */
  readonly chunkBytes?: number;
}

/** A `Backend.matmul` that runs float32/float64 products in wasm and everything else in the JS kernel. */
export function makeMatmul(k: WasmKernels, { minWork = 4096, chunkBytes = 256 << 20 }: MatmulOptions = {}): (a: View, b: View, out: TypedArray) => void {
  const ex = k.exports;
  const f32Pack = [ex.F32_PACK_A.value as number, ex.F32_PACK_B.value as number] as const;
  const f64Pack = [ex.F64_PACK_A.value as number, ex.F64_PACK_B.value as number] as const;

  return function matmul(a: View, b: View, out: TypedArray): void {
    const [B, M, K] = a.shape as [number, number, number];
    const N = b.shape[2]!;
    const f32 = out instanceof Float32Array;
    if ((!f32 && !(out instanceof Float64Array)) || a.data.constructor !== out.constructor || b.data.constructor !== out.constructor
      || B * M * N * K < minWork) {
      jsMatmul(a, b, out);
      return;
    }
    if (B * M * N === 0) return;
    if (K === 0) {
      out.fill(0, 0, B * M * N);
      return;
    }
    const size = f32 ? 4 : 8;
    const [packA, packB] = f32 ? f32Pack : f64Pack;
    const run = f32 ? ex.matmulF32 : ex.matmulF64;
    const fixed = align(packA * size) + align(packB * size);
    const chunk = Math.max(1, Math.min(B, Math.floor(chunkBytes / ((M * K + K * N + M * N) * size))));
    for (let b0 = 0; b0 < B; b0 += chunk) {
      const nb = Math.min(chunk, B - b0);
      const av: View = { data: a.data, shape: [nb, M, K], strides: a.strides, offset: a.offset + b0 * a.strides[0]! };
      const bv: View = { data: b.data, shape: [nb, K, N], strides: b.strides, offset: b.offset + b0 * b.strides[0]! };
      const aBytes = align(stagedSize(av) * size);
      const bBytes = align(stagedSize(bv) * size);
      if (!k.reserve(fixed + aBytes + bBytes + nb * M * N * size)) {
        jsMatmul(a, b, out);
        return;
      }
      const mem = f32 ? k.f32() : k.f64();
      const pa = k.base;
      const pb = pa + align(packA * size);
      const aAt = pb + align(packB * size);
      const bAt = aAt + aBytes;
      const cAt = bAt + bBytes;
      const sa = stage(av, mem, aAt / size);
      const sb = stage(bv, mem, bAt / size);
      run(nb, M, N, K,
        sa.start * size, sa.strides[0]!, sa.strides[1]!, sa.strides[2]!,
        sb.start * size, sb.strides[0]!, sb.strides[1]!, sb.strides[2]!,
        cAt, M * N, N, pa, pb);
      out.set(mem.subarray(cAt / size, cAt / size + nb * M * N) as never, b0 * M * N);
    }
  };
}
