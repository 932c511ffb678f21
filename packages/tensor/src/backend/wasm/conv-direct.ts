// Direct float32 convolution for few input channels (assembly/conv-direct.ts), and the rule that picks it
// over im2col + GEMM (conv2d.ts).
//
// The rule is a function of the geometry alone, never of a timing, so one geometry always takes the same
// kernel and two runs with the same seed give the same bits (the two paths add the same products in different
// orders, so their roundings differ). It comes from scripts/bench-conv.mjs (one thread, batch 64, both paths
// interleaved in one process), in GFLOP/s, direct against im2col + GEMM:
//   forward      C = 1: 16 vs 10 (LeNet conv1), C = 3, 4: 18 vs 16, 16 vs 10, C = 6: 22 vs 16 (LeNet conv2),
//                C = 8: 21 vs 18, C = 16: 19 vs 23.             → direct for C ≤ 8.
//   weight grad  C = 1: 16 vs 8, C = 3: 17 vs 14.5, C = 4: 17 vs 8, C = 6: 14.5 vs 15, C = 8: 19 vs 18.5,
//                C = 16: 16 vs 23.5.                            → direct for C ≤ 4.
//   input grad   a stride-1 convolution of gOut with the flipped kernel, padded by (kh − 1)·dh − ph: it
//                multiplies the zeros of that padding too, (h·w)/(oh·ow) times the useful work (2.25× for
//                LeNet conv2, where it ran at 6 vs 15), and fills its 4-channel register block only with
//                C ≥ 4 outputs (C = 1: 4 vs 10). With size-keeping padding: C = 4: 13 vs 8.5, C = 8: 20.5 vs 18.5,
//                C = 16: 18 vs 23.                              → direct for stride 1, 4 ≤ C ≤ 8, oh ≥ h, ow ≥ w.
// im2col + GEMM wastes little once the GEMM's reuse of the packed columns over M output channels and a long K
// pays for writing and packing K·L columns per sample; with few channels it does not, and the direct kernels
// read each input vector straight from a padded copy of the sample.
//
// Every output element is computed by one thread, in an order that does not depend on how the batch is
// split, so 1 and 2 threads give the same bits.
import type { Conv2dGeometry, View } from '../backend.js';
import type { TypedArray } from '../../dtype.js';
import type { WasmKernels } from './instance.js';
import { align, isResident, residentView, stage, stagedSize, type Staged } from './stage.js';
import { threadPool, type Job, type ThreadPool } from './threads.js';

/** Multiply-adds from which the batch is split over threads (as MIN_PARALLEL_WORK in matmul.ts). */
const MIN_PARALLEL_WORK = 1 << 24;
/** i32 fields of the parameter block (assembly/conv-direct.ts, P_*). */
const PARAMS = 30;
/** Spare elements after the per-sample weight-gradient parts for sumCols' vector loop. */
const SPARE = 16;

let mode: 'rule' | 'always' | 'never' = 'rule';
/**
 * @internal For tests and kernel benchmarks: `always` takes the direct kernels wherever they apply (float32;
 * stride 1 for the input gradient), `never` nowhere, `rule` (the default) by the rule above.
 */
export function setDirectConv(m: 'rule' | 'always' | 'never'): void {
  mode = m;
}
/** Whether the forward and weight gradient of `g` (float32) take the direct kernels. */
export const directForward = (g: Conv2dGeometry): boolean => (mode === 'rule' ? g.c <= 8 : mode === 'always');
/** Whether the weight gradient of `g` (float32) takes the direct kernel. */
export const directWeightGrad = (g: Conv2dGeometry): boolean => (mode === 'rule' ? g.c <= 4 : mode === 'always');
/** Whether the input gradient of `g` (float32) takes the direct kernel: stride 1 only. */
export const directInputGrad = (g: Conv2dGeometry): boolean =>
  g.sh === 1 && g.sw === 1 && (mode === 'rule' ? g.c >= 4 && g.c <= 8 && g.oh >= g.h && g.ow >= g.w : mode === 'always');

export function makeDirectConv(k: WasmKernels) {
  const ex = k.exports;
  let base = k.base;
  const take = (bytes: number): number => {
    const p = base;
    base += align(bytes);
    return p;
  };

  /**
   * The pool a call of `work` multiply-adds over `n` samples runs on, or null for the calling thread. Asked
   * once per call: the scratch is sized by its thread count (a page's pool may become ready between two asks).
   */
  const poolFor = (n: number, work: number) => (n > 1 && work >= MIN_PARALLEL_WORK ? threadPool(k) : null);

  /** Runs `fn` over the batch: on the calling thread, or split by sample over `pool`, each thread in its own scratch. */
  function run(fn: 'convDirectF32' | 'convDirectWgradF32', pool: ThreadPool | null, params: number, n: number, scratch: number, perThread: number): void {
    if (pool === null) return void ex[fn](params, 0, n, scratch);
    const parts = Math.min(n, 2 * pool.threads);
    const jobs: Job[] = [];
    for (let p = 0, b0 = 0; p < parts; p++) {
      const b1 = Math.round((n * (p + 1)) / parts);
      if (b1 > b0) jobs.push([fn, [params, b0, b1 - b0, scratch]]);
      b0 = b1;
    }
    pool.run(jobs, 1, perThread);
  }

  /**
   * Stages `x` (`[N, C, H, W]`, any strides) and the weights, runs the forward kernel into a contiguous
   * `[N, m, oh·ow]` block and returns its element index, or null when memory cannot grow. `wAt`/`ws` say
   * where the weight element (o, c, ky, kx) is: `wAt + o·ws[0] + c·ws[1] + ky·ws[2] + kx·ws[3]` (elements).
   */
  function forward(x: View, w: View, g: Conv2dGeometry, m: number, flip: boolean): number | null {
    const pool = poolFor(g.n, g.n * m * g.c * g.kh * g.kw * g.oh * g.ow);
    const threads = pool === null ? 1 : pool.threads;
    const per = ex.convDirectScratch(g.c, g.h, g.w, g.kh, g.kw, g.sw, g.ph, g.pw, g.oh, g.ow, m, 0);
    // Resident operands are read where they are; reserving first, since it can move the scratch.
    const xIn = isResident(k, x.storage);
    const wIn = isResident(k, w.storage);
    const sizes = [PARAMS * 4, threads * per, xIn ? 0 : stagedSize(x) * 4, wIn ? 0 : stagedSize(w) * 4, g.n * m * g.oh * g.ow * 4];
    if (!k.reserve(sizes.reduce((sum, b) => sum + align(b), 0))) return null;
    base = k.base;
    const [params, scratch, xAt, wAt, outAt] = sizes.map(take) as [number, number, number, number, number];
    const mem = k.f32();
    const sx = xIn ? residentView(x, 4) : stage(x, mem, xAt / 4);
    const sw = wIn ? residentView(w, 4) : stage(w, mem, wAt / 4);
    const [swo, swk] = sw.strides as [number, number];
    const taps = g.kh * g.kw;
    // Forward: w is [m, C·kh·kw]. Input gradient: w is [M, m·kh·kw] of the forward, read transposed and flipped.
    const wp = flip
      ? [(sw.start + ((g.kh - 1) * g.kw + g.kw - 1) * swk) * 4, taps * swk, swo, -g.kw * swk, -swk]
      : [sw.start * 4, swo, taps * swk, g.kw * swk, swk];
    setParams(params, sx, g, [...wp, m, outAt]);
    run('convDirectF32', pool, params, g.n, scratch, per);
    return outAt / 4;
  }

  function setParams(at: number, sx: Staged, g: Conv2dGeometry, rest: number[]): void {
    const [sn, sc, sy, sxs] = sx.strides as [number, number, number, number];
    k.i32().set([sx.start * 4, sn, sc, sy, sxs, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow, ...rest], at / 4);
  }

  function conv2d(x: View, w: View, g: Conv2dGeometry, out: View): boolean {
    const M = w.shape[0]!;
    const L = g.oh * g.ow;
    const o = forward(x, w, g, M, false);
    if (o === null) return false;
    const mem = k.f32();
    if (out.offset === 0 && out.strides[0] === M * L) out.storage.set(mem.subarray(o, o + g.n * M * L));
    else for (let n = 0; n < g.n; n++) out.storage.set(mem.subarray(o + n * M * L, o + (n + 1) * M * L), out.offset + n * out.strides[0]!);
    return true;
  }

  /** The input gradient of a stride-1 convolution: the forward kernel over gOut seen as `[N, M, oh, ow]`. */
  function conv2dInputGrad(gOut: View, w: View, g: Conv2dGeometry, out: TypedArray): boolean {
    const M = w.shape[0]!;
    const [sn, sm, sl] = gOut.strides as [number, number, number];
    const image: View = { storage: gOut.storage, shape: [g.n, M, g.oh, g.ow], strides: [sn, sm, g.ow * sl, sl], offset: gOut.offset };
    // Padding (kh − 1)·dh − ph (possibly negative: a crop) brings the oh × ow gradient back to h × w.
    const ph = (g.kh - 1) * g.dh - g.ph;
    const pw = (g.kw - 1) * g.dw - g.pw;
    const gt: Conv2dGeometry = { ...g, c: M, h: g.oh, w: g.ow, ph, pw, oh: g.h, ow: g.w };
    const o = forward(image, w, gt, g.c, true);
    if (o === null) return false;
    out.set(k.f32().subarray(o, o + g.n * g.c * g.h * g.w));
    return true;
  }

  function conv2dWeightGrad(x: View, gOut: View, g: Conv2dGeometry, out: TypedArray): boolean {
    const M = gOut.shape[1]!;
    const K = g.c * g.kh * g.kw;
    const pool = poolFor(g.n, g.n * M * K * g.oh * g.ow);
    const threads = pool === null ? 1 : pool.threads;
    const per = ex.convDirectScratch(g.c, g.h, g.w, g.kh, g.kw, g.sw, g.ph, g.pw, g.oh, g.ow, M, 1);
    const xIn = isResident(k, x.storage);
    const gIn = isResident(k, gOut.storage);
    const sizes = [PARAMS * 4, threads * per, xIn ? 0 : stagedSize(x) * 4, gIn ? 0 : stagedSize(gOut) * 4, (g.n * M * K + SPARE) * 4, (M * K + SPARE) * 4];
    if (!k.reserve(sizes.reduce((sum, b) => sum + align(b), 0))) return false;
    base = k.base;
    const [params, scratch, xAt, gAt, parts, outAt] = sizes.map(take) as [number, number, number, number, number, number];
    const mem = k.f32();
    const sx = xIn ? residentView(x, 4) : stage(x, mem, xAt / 4);
    const sg = gIn ? residentView(gOut, 4) : stage(gOut, mem, gAt / 4);
    const [gn, gm, gl] = sg.strides as [number, number, number];
    // Weights unused: zeros in their fields; the output gradient as [N, M, oh, ow].
    setParams(params, sx, g, [0, 0, 0, 0, 0, M, parts, sg.start * 4, gn, gm, g.ow * gl, gl]);
    run('convDirectWgradF32', pool, params, g.n, scratch, per);
    // Σ over the batch in float64, in sample order (as the im2col path sums its per-sample products).
    ex.sumColsF32(parts, M * K, g.n, M * K, 1, 0, outAt);
    out.set(mem.subarray(outAt / 4, outAt / 4 + M * K));
    return true;
  }

  return { conv2d, conv2dInputGrad, conv2dWeightGrad };
}
