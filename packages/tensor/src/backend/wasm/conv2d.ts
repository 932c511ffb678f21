// Convolution and its two adjoints in wasm, with the column matrix kept in linear memory: the input and
// weight are staged once, im2col, the GEMM (and col2im, or the sum over the batch) run on the staged
// data, and only the result is copied back. Compared with an im2col into a JS array followed by a matmul,
// this saves allocating the N·K·L columns in JS and copying them out of and back into wasm. On one thread
// the batch goes in rounds of a few samples whose columns stay in cache between im2col and the GEMM; large
// calls run on the worker threads instead: im2col/col2im split by sample, the GEMM as matmul.ts splits it.
import type { Conv2dGeometry, View } from '../backend.js';
import type { TypedArray } from '../../dtype.js';
import { conv2d as jsConv2d, conv2dInputGrad as jsConv2dInputGrad, conv2dWeightGrad as jsConv2dWeightGrad } from '../js/conv2d.js';
import { directForward, directInputGrad, directWeightGrad, makeDirectConv } from './conv-direct.js';
import { geometryTail, isFloat } from './conv.js';
import type { WasmKernels } from './instance.js';
import type { Gemm } from './matmul.js';
import { align, isResident, residentView, stage, stagedSize, type Staged } from './stage.js';
import { threadPool, type Job, type WorkerFn } from './threads.js';

/** Below this many column elements the JS kernels run. */
const MIN_COLS = 2048;
/** Column elements from which im2col/col2im are split across threads (see MIN_PARALLEL_WORK in matmul.ts). */
const MIN_PARALLEL_COLS = 1 << 20;
/** Bytes of columns per round when single-threaded: about half of a core's L2 cache. */
const CHUNK_BYTES = 256 << 10;
/** Spare elements after buffers that the vector loops of sumCols may touch. */
const SPARE = 16;

/**
 * Reserves the scratch for buffers of these byte sizes (each cache-line aligned, as `Arena` takes them) before
 * an Arena is laid out from `k.base`: reserving can move the scratch (a heap block replaced by a larger one).
 */
function reserveArena(k: WasmKernels, ...sizes: number[]): boolean {
  return k.reserve(sizes.reduce((sum, b) => sum + align(b), 0));
}

/** Staging addresses, handed out in order from `k.base` (after `reserveArena`). */
class Arena {
  at: number;
  constructor(base: number) {
    this.at = base;
  }
  take(bytes: number): number {
    const p = this.at;
    this.at += align(bytes);
    return p;
  }
}

export function makeConv2d(k: WasmKernels, gemm: Gemm) {
  const ex = k.exports;
  const direct = makeDirectConv(k);
  /**
   * im2col of samples [n0, n0 + count) of staged `sx` into `cols` (byte address of sample n0's columns),
   * split by sample across threads when large.
   */
  function im2col(f32: boolean, sx: Staged, g: Conv2dGeometry, cols: number, n0: number, count: number): void {
    const size = f32 ? 4 : 8;
    const per = g.c * g.kh * g.kw * g.oh * g.ow;
    const [sn, sc, sy, sxs] = sx.strides as [number, number, number, number];
    const args = (i: number, n: number) => [(sx.start + (n0 + i) * sn) * size, sn, sc, sy, sxs, n, ...geometryTail(g), cols + i * per * size];
    const pool = count > 1 && count * per >= MIN_PARALLEL_COLS ? threadPool(k) : null;
    if (pool === null) return void (f32 ? ex.im2colF32 : ex.im2colF64)(...(args(0, count) as [number, ...number[]]));
    pool.run(bySample(f32 ? 'im2colF32' : 'im2colF64', count, pool.threads, args));
  }
  /** col2im of `count` samples' columns at `cols` into their zeroed image planes at `image`, split like im2col. */
  function col2im(f32: boolean, cols: number, g: Conv2dGeometry, image: number, count: number): void {
    const size = f32 ? 4 : 8;
    const per = g.c * g.kh * g.kw * g.oh * g.ow;
    const plane = g.c * g.h * g.w;
    const args = (i: number, n: number) => [cols + i * per * size, n, ...geometryTail(g), image + i * plane * size];
    const pool = count > 1 && count * per >= MIN_PARALLEL_COLS ? threadPool(k) : null;
    if (pool === null) return void (f32 ? ex.col2imF32 : ex.col2imF64)(...(args(0, count) as [number, ...number[]]));
    pool.run(bySample(f32 ? 'col2imF32' : 'col2imF64', count, pool.threads, args));
  }
  /**
   * Samples per round: the whole batch where the product runs on several threads (they split it), else as
   * many as keep one round's columns within CHUNK_BYTES, so im2col writes them and the GEMM packs them from
   * cache instead of memory.
   */
  function samplesPerRound(g: Conv2dGeometry, colBytes: number, work: number): number {
    if (gemm.threads(work) > 1) return g.n;
    return Math.max(1, Math.min(g.n, Math.floor(CHUNK_BYTES / colBytes)));
  }
  const usable = (a: TypedArray, ...others: TypedArray[]) => isFloat(a) && others.every((o) => o.constructor === a.constructor);

  function conv2d(x: View, w: View, g: Conv2dGeometry, out: View): void {
    const [M, K] = w.shape as [number, number];
    const L = g.oh * g.ow;
    if (g.n * K * L < MIN_COLS || !usable(out.storage, x.storage, w.storage)) return jsConv2d(x, w, g, out);
    const f32 = out.storage instanceof Float32Array;
    if (f32 && directForward(g) && direct.conv2d(x, w, g, out)) return;
    const size = f32 ? 4 : 8;
    const round = samplesPerRound(g, K * L * size, g.n * M * K * L);
    const xBytes = isResident(k, x.storage) ? 0 : stagedSize(x) * size;
    const wBytes = isResident(k, w.storage) ? 0 : stagedSize(w) * size;
    if (!reserveArena(k, gemm.scratchBytes(f32, round * M * K * L), xBytes, wBytes, round * K * L * size, g.n * M * L * size)) return jsConv2d(x, w, g, out);
    const arena = new Arena(k.base);
    const scratch = arena.take(gemm.scratchBytes(f32, round * M * K * L));
    const xAt = arena.take(xBytes);
    const wAt = arena.take(wBytes);
    const cols = arena.take(round * K * L * size);
    const outAt = arena.take(g.n * M * L * size);
    if (!k.reserve(arena.at - k.base)) return jsConv2d(x, w, g, out);
    const mem = f32 ? k.f32() : k.f64();
    const sx = xBytes === 0 ? residentView(x, size) : stage(x, mem, xAt / size);
    const sw = wBytes === 0 ? residentView(w, size) : stage(w, mem, wAt / size);
    for (let n0 = 0; n0 < g.n; n0 += round) {
      const nb = Math.min(round, g.n - n0);
      im2col(f32, sx, g, cols, n0, nb);
      gemm.run(f32, [nb, M, L, K, sw.start * size, 0, sw.strides[0]!, sw.strides[1]!, cols, K * L, L, 1, outAt + n0 * M * L * size, M * L, L], scratch);
    }
    const o = outAt / size;
    if (out.offset === 0 && out.strides[0] === M * L) out.storage.set(mem.subarray(o, o + g.n * M * L));
    else for (let n = 0; n < g.n; n++) out.storage.set(mem.subarray(o + n * M * L, o + (n + 1) * M * L), out.offset + n * out.strides[0]!);
  }

  function conv2dInputGrad(gOut: View, w: View, g: Conv2dGeometry, out: TypedArray): void {
    const [M, K] = w.shape as [number, number];
    const L = g.oh * g.ow;
    if (g.n * K * L < MIN_COLS || !usable(out, gOut.storage, w.storage)) return jsConv2dInputGrad(gOut, w, g, out);
    const f32 = out instanceof Float32Array;
    if (f32 && directInputGrad(g) && direct.conv2dInputGrad(gOut, w, g, out)) return;
    const size = f32 ? 4 : 8;
    const image = g.n * g.c * g.h * g.w;
    const round = samplesPerRound(g, K * L * size, g.n * M * K * L);
    const plane = g.c * g.h * g.w;
    const gBytes = isResident(k, gOut.storage) ? 0 : stagedSize(gOut) * size;
    const wBytes = isResident(k, w.storage) ? 0 : stagedSize(w) * size;
    if (!reserveArena(k, gemm.scratchBytes(f32, round * M * K * L), gBytes, wBytes, round * K * L * size, image * size)) return jsConv2dInputGrad(gOut, w, g, out);
    const arena = new Arena(k.base);
    const scratch = arena.take(gemm.scratchBytes(f32, round * M * K * L));
    const gAt = arena.take(gBytes);
    const wAt = arena.take(wBytes);
    const cols = arena.take(round * K * L * size);
    const imageAt = arena.take(image * size);
    if (!k.reserve(arena.at - k.base)) return jsConv2dInputGrad(gOut, w, g, out);
    const mem = f32 ? k.f32() : k.f64();
    const sg = gBytes === 0 ? residentView(gOut, size) : stage(gOut, mem, gAt / size);
    const sw = wBytes === 0 ? residentView(w, size) : stage(w, mem, wAt / size);
    mem.fill(0, imageAt / size, imageAt / size + image);
    for (let n0 = 0; n0 < g.n; n0 += round) {
      const nb = Math.min(round, g.n - n0);
      // cols[n] [K, L] = Wᵀ [K, M] · gOut[n] [M, L]
      gemm.run(f32, [nb, K, L, M, sw.start * size, 0, sw.strides[1]!, sw.strides[0]!,
        (sg.start + n0 * sg.strides[0]!) * size, sg.strides[0]!, sg.strides[1]!, sg.strides[2]!, cols, K * L, L], scratch);
      col2im(f32, cols, g, imageAt + n0 * plane * size, nb);
    }
    out.set(mem.subarray(imageAt / size, imageAt / size + image));
  }

  function conv2dWeightGrad(x: View, gOut: View, g: Conv2dGeometry, out: TypedArray): void {
    const M = gOut.shape[1]!;
    const K = g.c * g.kh * g.kw;
    const L = g.oh * g.ow;
    if (g.n * K * L < MIN_COLS || !usable(out, x.storage, gOut.storage)) return jsConv2dWeightGrad(x, gOut, g, out);
    const f32 = out instanceof Float32Array;
    if (f32 && directWeightGrad(g) && direct.conv2dWeightGrad(x, gOut, g, out)) return;
    const size = f32 ? 4 : 8;
    const round = samplesPerRound(g, K * L * size, g.n * M * K * L);
    const xBytes = isResident(k, x.storage) ? 0 : stagedSize(x) * size;
    const gBytes = isResident(k, gOut.storage) ? 0 : stagedSize(gOut) * size;
    if (!reserveArena(k, gemm.scratchBytes(f32, round * M * K * L), xBytes, gBytes, round * K * L * size,
      (g.n * M * K + SPARE) * size, (M * K + SPARE) * size)) return jsConv2dWeightGrad(x, gOut, g, out);
    const arena = new Arena(k.base);
    const scratch = arena.take(gemm.scratchBytes(f32, round * M * K * L));
    const xAt = arena.take(xBytes);
    const gAt = arena.take(gBytes);
    const cols = arena.take(round * K * L * size);
    const perSample = arena.take((g.n * M * K + SPARE) * size);
    const outAt = arena.take((M * K + SPARE) * size);
    if (!k.reserve(arena.at - k.base)) return jsConv2dWeightGrad(x, gOut, g, out);
    const mem = f32 ? k.f32() : k.f64();
    const sx = xBytes === 0 ? residentView(x, size) : stage(x, mem, xAt / size);
    const sg = gBytes === 0 ? residentView(gOut, size) : stage(gOut, mem, gAt / size);
    for (let n0 = 0; n0 < g.n; n0 += round) {
      const nb = Math.min(round, g.n - n0);
      im2col(f32, sx, g, cols, n0, nb);
      // perSample[n] [M, K] = gOut[n] [M, L] · cols[n]ᵀ [L, K], then summed over n in float64, in order
      gemm.run(f32, [nb, M, K, L, (sg.start + n0 * sg.strides[0]!) * size, sg.strides[0]!, sg.strides[1]!, sg.strides[2]!,
        cols, K * L, 1, L, perSample + n0 * M * K * size, M * K, K], scratch);
    }
    (f32 ? ex.sumColsF32 : ex.sumColsF64)(perSample, M * K, g.n, M * K, 1, 0, outAt);
    out.set(mem.subarray(outAt / size, outAt / size + M * K));
  }

  return { conv2d, conv2dInputGrad, conv2dWeightGrad };
}

/** Jobs running `fn` over `n` samples in about 2 parts per thread. */
function bySample(fn: WorkerFn, n: number, threads: number, args: (n0: number, count: number) => number[]): Job[] {
  const parts = Math.min(n, 2 * threads);
  const jobs: Job[] = [];
  for (let p = 0, n0 = 0; p < parts; p++) {
    const n1 = Math.round((n * (p + 1)) / parts);
    if (n1 > n0) jobs.push([fn, args(n0, n1 - n0)]);
    n0 = n1;
  }
  return jobs;
}
