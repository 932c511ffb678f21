// The direct float32 convolution kernels (conv-direct.ts) against the JS kernels computed in float64, forced on
// (`setDirectConv('always')`) over random geometries of few channels with strides, padding (also wider than
// the kernel, which crops in the input gradient), dilation, batch 1, odd sizes and strided inputs with NaN
// gaps; ±Inf where a vector loop reads past a row; and the geometry rule.
import { afterEach, describe, expect, it } from 'vitest';
import type { Conv2dGeometry, View } from '../backend.js';
import { conv2d as jsConv2d, conv2dInputGrad as jsInputGrad, conv2dWeightGrad as jsWeightGrad } from '../js/conv2d.js';
import { directForward, directInputGrad, directWeightGrad, setDirectConv } from './conv-direct.js';
import { makeConv2d } from './conv2d.js';
import { kernels } from './instance.js';
import { makeGemm } from './matmul.js';
import { expectClose, lcg, randomGeometry, randomView, widen, type GeometryRanges } from '../../../test/conv-geometry.js';

const FEW: GeometryRanges = { n: [1, 4], c: [1, 4], hw: [3, 19], k: [1, 5], stride: [1, 3], dilation: [1, 2], pad: [0, 4], minCols: 2048 };
const TOL = 2e-5;

const geometry = (n: number, c: number, h: number, w: number, k: number, s = 1, p = 0, d = 1): Conv2dGeometry => ({
  n, c, h, w, kh: k, kw: k, sh: s, sw: s, ph: p, pw: p, dh: d, dw: d,
  oh: Math.floor((h + 2 * p - d * (k - 1) - 1) / s) + 1, ow: Math.floor((w + 2 * p - d * (k - 1) - 1) / s) + 1,
});

describe.runIf(kernels !== null)('wasm direct convolution (few channels)', () => {
  const wasm = makeConv2d(kernels!, makeGemm(kernels!));
  afterEach(() => setDirectConv('rule'));

  /** Runs all three kernels on `g` with the direct path forced on and checks them against float64 JS. */
  function check(g: Conv2dGeometry, M: number, x: View, w: View, gOut: View, label: string): void {
    setDirectConv('always');
    const K = g.c * g.kh * g.kw;
    const L = g.oh * g.ow;
    expect(g.n * K * L, `too small for the wasm kernels: ${label}`).toBeGreaterThanOrEqual(2048);
    // forward into a channel slice of a wider output (group 1 of 2): the NaN around it must stay
    const outData = new Float32Array(g.n * 2 * M * L).fill(NaN);
    wasm.conv2d(x, w, g, { storage: outData, shape: [g.n, M, L], strides: [2 * M * L, L, 1], offset: M * L });
    const want = new Float64Array(g.n * M * L);
    jsConv2d(widen(x), widen(w), g, { storage: want, shape: [g.n, M, L], strides: [M * L, L, 1], offset: 0 });
    const got = Array.from({ length: g.n * M * L }, (_, i) => outData[Math.floor(i / (M * L)) * 2 * M * L + M * L + (i % (M * L))]!);
    expectClose(got, want, TOL, `conv2d ${label}`);
    for (let n = 0; n < g.n; n++) expect(Number.isNaN(outData[n * 2 * M * L + M * L - 1]), `conv2d wrote outside its group ${label}`).toBe(true);

    const img = new Float32Array(g.n * g.c * g.h * g.w).fill(5); // overwritten, not added to
    wasm.conv2dInputGrad(gOut, w, g, img);
    const wantImg = new Float64Array(img.length);
    jsInputGrad(widen(gOut), widen(w), g, wantImg);
    expectClose(img, wantImg, TOL, `conv2dInputGrad ${label}`);

    const dw = new Float32Array(M * K).fill(5);
    wasm.conv2dWeightGrad(x, gOut, g, dw);
    const wantDw = new Float64Array(M * K);
    jsWeightGrad(widen(x), widen(gOut), g, wantDw);
    expectClose(dw, wantDw, TOL * 10, `conv2dWeightGrad ${label}`);
  }

  it('matches the float64 JS kernels on 80 random few-channel geometries, contiguous and strided', () => {
    const rand = lcg(41);
    for (let t = 0; t < 80; t++) {
      const g = randomGeometry(rand, FEW);
      const M = 1 + Math.floor(rand() * 9);
      const strided = t % 2 === 1;
      const x = randomView(Float32Array, [g.n, g.c, g.h, g.w], strided, rand);
      const w = randomView(Float32Array, [M, g.c * g.kh * g.kw], strided, rand);
      const gOut = randomView(Float32Array, [g.n, M, g.oh * g.ow], strided, rand);
      check(g, M, x, w, gOut, `M=${M} ${JSON.stringify(g)} strided=${strided}`);
    }
  });

  it('matches at fixed shapes: LeNet layers, batch 1, C = 1…8, odd sizes, padding wider than the kernel', () => {
    const rand = lcg(42);
    const cases: [Conv2dGeometry, number][] = [
      [geometry(3, 1, 28, 28, 5), 6], // LeNet conv1
      [geometry(2, 1, 28, 28, 5, 1, 2), 6], // LeNet conv1 with padding 2
      [geometry(3, 6, 12, 12, 5), 16], // LeNet conv2
      [geometry(1, 1, 31, 29, 3, 1, 1), 5], // batch 1, odd sizes
      [geometry(1, 2, 33, 33, 3, 2, 1), 7],
      [geometry(2, 3, 23, 21, 5, 3, 2, 2), 4],
      [geometry(2, 4, 13, 15, 3, 1, 5), 3], // padding 5 > kernel extent: the input gradient crops
      [geometry(1, 5, 29, 31, 1, 1, 0), 9], // 1×1 kernel
      [geometry(2, 7, 10, 10, 3, 1, 2, 2), 8],
      [geometry(2, 8, 16, 16, 3, 1, 1), 16],
    ];
    for (const [g, M] of cases) {
      const x = randomView(Float32Array, [g.n, g.c, g.h, g.w], false, rand);
      const w = randomView(Float32Array, [M, g.c * g.kh * g.kw], false, rand);
      const gOut = randomView(Float32Array, [g.n, M, g.oh * g.ow], false, rand);
      check(g, M, x, w, gOut, `M=${M} ${JSON.stringify(g)}`);
    }
  });

  it('reads a channel slice, a transposed weight and a non-contiguous output gradient', () => {
    const rand = lcg(43);
    const g = geometry(3, 2, 14, 13, 3, 1, 1);
    const M = 5;
    const K = g.c * g.kh * g.kw;
    const L = g.oh * g.ow;
    // x: channels 1..2 of a 4-channel image; w: the transpose of a [K, M] array; gOut: rows of a wider array
    const big = randomView(Float32Array, [g.n, 4, g.h, g.w], false, rand);
    const x: View = { ...big, shape: [g.n, 2, g.h, g.w], offset: g.h * g.w };
    const wT = randomView(Float32Array, [K, M], false, rand);
    const w: View = { storage: wT.storage, shape: [M, K], strides: [1, M], offset: 0 };
    const gBig = randomView(Float32Array, [g.n, M, L + 3], false, rand);
    const gOut: View = { storage: gBig.storage, shape: [g.n, M, L], strides: [M * (L + 3), L + 3, 1], offset: 2 };
    check(g, M, x, w, gOut, 'views');
  });

  it('keeps ±Inf read past the last output column out of the weight gradient', () => {
    // Stride 2 over 8 columns with a 3-wide kernel: column 7 is in no window, but the vector loop reads it.
    const g = { ...geometry(6, 1, 32, 8, 3, 2), sh: 1, oh: 30 };
    const M = 2;
    const rand = lcg(44);
    const x = randomView(Float32Array, [g.n, g.c, g.h, g.w], false, rand);
    for (let i = 7; i < x.storage.length; i += 8) x.storage[i] = i % 16 === 7 ? Infinity : -Infinity;
    const w = randomView(Float32Array, [M, 9], false, rand);
    const gOut = randomView(Float32Array, [g.n, M, g.oh * g.ow], false, rand);
    check(g, M, x, w, gOut, 'Inf past the windows');
  });

  it('takes the direct kernels by the geometry rule only', () => {
    expect(directForward(geometry(64, 1, 28, 28, 5))).toBe(true);
    expect(directForward(geometry(64, 6, 12, 12, 5))).toBe(true);
    expect(directForward(geometry(64, 16, 14, 14, 3))).toBe(false);
    expect(directWeightGrad(geometry(64, 1, 28, 28, 5))).toBe(true);
    expect(directWeightGrad(geometry(64, 6, 12, 12, 5))).toBe(false);
    expect(directInputGrad(geometry(64, 6, 12, 12, 5))).toBe(false); // shrinks: the padded adjoint wastes work
    expect(directInputGrad(geometry(64, 4, 28, 28, 3, 1, 1))).toBe(true);
    expect(directInputGrad(geometry(64, 4, 28, 28, 3, 2, 1))).toBe(false); // stride 2
    setDirectConv('never');
    expect(directForward(geometry(64, 1, 28, 28, 5))).toBe(false);
  });
});
