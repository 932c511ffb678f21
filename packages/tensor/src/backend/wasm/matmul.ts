// The wasm backend's matmul: copy each operand's span into linear memory as it is (the kernel packs any
// strides itself), run the blocked SIMD GEMM of assembly/gemm-f32.ts, copy the product out. A large product
// is split across worker threads (threads.ts): a batch of matrices (the conv kernels' GEMMs) by whole
// matrices when it is large enough, else by rows or columns of C, whichever makes the operand every thread
// packs again the smaller.
import type { View } from '../backend.js';
import type { TypedArray } from '../../dtype.js';
import { bmm as jsBmm } from '../js/matmul.js';
import type { WasmKernels } from './instance.js';
import { align, isResident, residentView, stage, stagedSize } from './stage.js';
import { getNumThreads, threadPool, type WorkerFn } from './threads.js';

export interface MatmulOptions {
  /** Below this many multiply-adds (M·N·K) the JS kernel runs: copying in and out would cost more. */
  readonly minWork?: number;
  /** Multiply-adds from which a product is split across threads (each part gets at least a quarter of this). */
  readonly minParallelWork?: number;
  /** A GEMM outside the wasm module, offered each product first (see `ExternalGemm`). */
  readonly external?: ExternalGemm;
}

/** One operand of an ExternalGemm call: a batch of matrices in `array`, addressed in elements. */
export interface GemmOperand {
  readonly array: Float32Array | Float64Array;
  /** Where the first matrix's first element is. */
  readonly offset: number;
  /** Between matrices of the batch, rows and columns (any of them may be 0 where its extent is 1 or broadcast). */
  readonly strides: readonly [number, number, number];
}

/**
 * A GEMM from outside the wasm module, such as a native BLAS in Node (`@tensile/blas`). The wasm backend
 * still decides what runs where (small and integer products in JS), and offers each product it would run
 * in its own GEMM kernel to `run` first: a matmul or bmm with its operands where they are (wasm memory or
 * ordinary typed arrays, nothing staged), and the GEMMs inside conv2d and its gradients on the columns they
 * build in wasm memory. It runs its own kernel on the calls `run` declines.
 */
export interface ExternalGemm {
  /**
   * For each of `batch` matrices, C = A·B with A `[m, k]`, B `[k, n]` and C `[m, n]` (C overwritten; its
   * columns contiguous, `c.strides[2]` is 1). `threads` is Tensile's thread count for a product this large
   * (`setNumThreads`; 1 below the size worth splitting). Returns false to decline, for example a layout the
   * library cannot take (then it must not have written anything).
   */
  run(f32: boolean, batch: number, m: number, n: number, k: number, a: GemmOperand, b: GemmOperand, c: GemmOperand, threads: number): boolean;
}

type Args = readonly number[];
type Args15 = [number, number, number, number, number, number, number, number, number, number, number, number, number, number, number];

/**
 * Splits one wasm call `[batch, m, n, k, a, sab, sam, sak, b, sbb, sbk, sbn, c, sc, ldc]` (byte addresses)
 * into at most `parts` calls over disjoint parts of C. `size` is the element size in bytes.
 */
export function splitMatmul(call: Args, parts: number, size: number): number[][] {
  const [batch, m, n, k, a, sab, sam, sak, b, sbb, sbk, sbn, c, sc, ldc] = call as [number, number, number, number, number, number, number, number, number, number, number, number, number, number, number];
  const out: number[][] = [];
  if (batch >= parts) {
    for (let p = 0, b0 = 0; p < parts; p++) {
      const b1 = Math.round((batch * (p + 1)) / parts);
      if (b1 > b0) out.push([b1 - b0, m, n, k, a + b0 * sab * size, sab, sam, sak, b + b0 * sbb * size, sbb, sbk, sbn, c + b0 * sc * size, sc, ldc]);
      b0 = b1;
    }
    return out;
  }
  // Rows of C re-pack all of B in every thread, columns all of A: split the side that repeats less.
  const byRows = m >= n;
  const len = byRows ? m : n;
  const unit = byRows ? 4 : 8; // the micro-kernel's tile height / width
  const step = Math.ceil(len / parts / unit) * unit;
  for (let i0 = 0; i0 < len; i0 += step) {
    const i1 = Math.min(len, i0 + step);
    out.push(byRows
      ? [batch, i1 - i0, n, k, a + i0 * sam * size, sab, sam, sak, b, sbb, sbk, sbn, c + i0 * ldc * size, sc, ldc]
      : [batch, m, i1 - i0, k, a, sab, sam, sak, b + i0 * sbn * size, sbb, sbk, sbn, c + i0 * size, sc, ldc]);
  }
  return out;
}

/** Runs GEMMs on operands already in linear memory, on the worker threads when the product is large. */
export interface Gemm {
  /** Threads a product of `work` multiply-adds runs on (1 below the threshold or without a pool). */
  threads(work: number): number;
  /** Bytes of packing scratch `run` needs at its `scratch` address (every thread's share). */
  scratchBytes(f32: boolean, work: number): number;
  /** One staged call `[batch, m, n, k, a, sab, sam, sak, b, sbb, sbk, sbn, c, sc, ldc]` (byte addresses). */
  run(f32: boolean, call: readonly number[], scratch: number): void;
}

/**
 * Multiply-adds from which a product is split across threads: a few milliseconds of work, so that waking a
 * sleeping worker (tens of microseconds, more on a busy or virtual machine) is paid back.
 */
export const MIN_PARALLEL_WORK = 1 << 24;

/** The `threads` an ExternalGemm gets for a product of `work` multiply-adds: Tensile's count where the wasm kernels would split it, else 1. */
const externalThreads = (work: number, minParallelWork: number): number => (work >= minParallelWork ? getNumThreads() : 1);

export function makeGemm(k: WasmKernels, minParallelWork = MIN_PARALLEL_WORK, external?: ExternalGemm): Gemm {
  const ex = k.exports;
  const pack = (f32: boolean) => {
    const size = f32 ? 4 : 8;
    const a = align((f32 ? ex.F32_PACK_A.value : ex.F64_PACK_A.value) as number * size);
    return [a, a + align((f32 ? ex.F32_PACK_B.value : ex.F64_PACK_B.value) as number * size)] as const;
  };
  const packs = [pack(true), pack(false)] as const;
  const poolFor = (work: number) => (work >= minParallelWork ? threadPool(k) : null);
  return {
    threads(work) {
      const pool = poolFor(work);
      return pool === null ? 1 : pool.threads;
    },
    scratchBytes(f32, work) {
      const pool = poolFor(work);
      return (pool === null ? 1 : pool.threads) * packs[f32 ? 0 : 1][1];
    },
    run(f32, call, scratch) {
      const [packA, perThread] = packs[f32 ? 0 : 1];
      const work = call[0]! * call[1]! * call[2]! * call[3]!;
      if (external !== undefined) {
        const mem = f32 ? k.f32() : k.f64();
        const size = f32 ? 4 : 8;
        const [batch, m, n, kk, a, sab, sam, sak, b, sbb, sbk, sbn, c, sc, ldc] = call as Args15;
        if (external.run(f32, batch, m, n, kk, { array: mem, offset: a / size, strides: [sab, sam, sak] },
          { array: mem, offset: b / size, strides: [sbb, sbk, sbn] }, { array: mem, offset: c / size, strides: [sc, ldc, 1] },
          externalThreads(work, minParallelWork))) return;
      }
      const pool = poolFor(work);
      if (pool === null) {
        ((f32 ? ex.matmulF32 : ex.matmulF64) as (...args: number[]) => void)(...call, scratch, scratch + packA);
        return;
      }
      // A few parts per thread, so a late or busy thread leaves its share to the others.
      const parts = splitMatmul(call, Math.min(2 * pool.threads, Math.max(2, Math.floor(work / (minParallelWork / 4)))), f32 ? 4 : 8);
      const fn: WorkerFn = f32 ? 'matmulF32' : 'matmulF64';
      pool.run(parts.map((p) => [fn, [...p, scratch, scratch + packA]] as const), 2, perThread);
    },
  };
}

/** A `Backend.matmul` that runs float32/float64 products in wasm and everything else in the JS kernel. */
export function makeMatmul(k: WasmKernels, opts: MatmulOptions = {}): (a: View, b: View, out: TypedArray) => void {
  const bmm = makeBmm(k, opts);
  return function matmul(a: View, b: View, out: TypedArray): void {
    bmm(batchOfOne(a), batchOfOne(b), out);
  };
}

const batchOfOne = (v: View): View => ({ storage: v.storage, shape: [1, ...v.shape], strides: [0, ...v.strides], offset: v.offset });

/**
 * A `Backend.bmm`: the whole batch `[B, M, K]`·`[B, K, N]` is one staged GEMM call (batch strides, stride 0
 * included, go to the kernel as they are), so attention's many small products cost one copy in and one out.
 * Integer dtypes and products below `minWork` multiply-adds in total run in the JS kernel.
 */
export function makeBmm(k: WasmKernels, { minWork = 4096, minParallelWork = MIN_PARALLEL_WORK, external }: MatmulOptions = {}): (a: View, b: View, out: TypedArray, checkFinite?: boolean) => boolean | void {
  const gemm = makeGemm(k, minParallelWork, external);
  const ex = k.exports;
  return function bmm(a: View, b: View, out: TypedArray, checkFinite = false): boolean | void {
    const [B, M, K] = a.shape as [number, number, number];
    const N = b.shape[2]!;
    const f32 = out instanceof Float32Array;
    if ((!f32 && !(out instanceof Float64Array)) || a.storage.constructor !== out.constructor || b.storage.constructor !== out.constructor
      || B * M * N * K < minWork) {
      jsBmm(a, b, out);
      return;
    }
    if (B * M * N === 0) return;
    if (K === 0) {
      out.fill(0, 0, B * M * N);
      return;
    }
    // A GEMM outside wasm takes the operands where they are: nothing to stage.
    if (external !== undefined && external.run(f32, B, M, N, K,
      { array: a.storage as Float32Array | Float64Array, offset: a.offset, strides: a.strides as [number, number, number] },
      { array: b.storage as Float32Array | Float64Array, offset: b.offset, strides: b.strides as [number, number, number] },
      { array: out as Float32Array | Float64Array, offset: 0, strides: [M * N, N, 1] },
      externalThreads(B * M * N * K, minParallelWork))) return;
    const size = f32 ? 4 : 8;
    // Resident operands are read in place and a resident product written in place; the rest is staged.
    const aIn = isResident(k, a.storage);
    const bIn = isResident(k, b.storage);
    const cIn = isResident(k, out);
    const fixed = align(gemm.scratchBytes(f32, B * M * N * K));
    const aBytes = aIn ? 0 : align(stagedSize(a) * size);
    const bBytes = bIn ? 0 : align(stagedSize(b) * size);
    if (!k.reserve(fixed + aBytes + bBytes + (cIn ? 0 : B * M * N * size))) {
      jsBmm(a, b, out);
      return;
    }
    const mem = f32 ? k.f32() : k.f64();
    const aAt = k.base + fixed;
    const bAt = aAt + aBytes;
    const cAt = cIn ? out.byteOffset : bAt + bBytes;
    const sa = aIn ? residentView(a, size) : stage(a, mem, aAt / size);
    const sb = bIn ? residentView(b, size) : stage(b, mem, bAt / size);
    gemm.run(f32, [B, M, N, K, sa.start * size, sa.strides[0]!, sa.strides[1]!, sa.strides[2]!,
      sb.start * size, sb.strides[0]!, sb.strides[1]!, sb.strides[2]!, cAt, M * N, N], k.base);
    if (!cIn) out.set(mem.subarray(cAt / size, cAt / size + B * M * N));
    // The NaN guard's check of the product, while it is still in linear memory: no copy in for it.
    if (checkFinite) return (f32 ? ex.allFiniteF32 : ex.allFiniteF64)(cAt, B * M * N) === 1;
  };
}
