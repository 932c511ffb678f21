// The wasm conv2d and its two adjoints (columns kept in linear memory) against the JS kernels computed in
// float64, over random geometries large enough to take the wasm path, with strided and offset inputs and
// a channel-slice output (a group of a grouped convolution).
import { describe, expect, it } from 'vitest';
import { conv2d as jsConv2d, conv2dInputGrad as jsInputGrad, conv2dWeightGrad as jsWeightGrad } from '../js/conv2d.js';
import { makeConv2d } from './conv2d.js';
import { kernels } from './instance.js';
import { makeGemm } from './matmul.js';
import { expectClose, lcg, randomGeometry as drawGeometry, randomView, widen, type Ctor, type GeometryRanges } from '../../../test/conv-geometry.js';

const rng = lcg;
/** Large enough to take the wasm path (at least 4,096 column elements). */
const LARGE: GeometryRanges = { n: [1, 6], c: [1, 5], hw: [6, 20], k: [1, 5], stride: [1, 2], dilation: [1, 2], pad: [0, 2], minCols: 4096 };

describe.runIf(kernels !== null)('wasm conv2d, conv2dInputGrad, conv2dWeightGrad', () => {
  const wasm = makeConv2d(kernels!, makeGemm(kernels!));

  for (const dtype of ['float32', 'float64'] as const) {
    const C: Ctor = dtype === 'float32' ? Float32Array : Float64Array;
    const tol = dtype === 'float32' ? 2e-5 : 1e-13;

    it(`${dtype}: match the float64 JS kernels on 60 random geometries`, () => {
      const rand = rng(dtype === 'float32' ? 31 : 32);
      for (let t = 0; t < 60; t++) {
        const g = drawGeometry(rand, LARGE);
        const M = 1 + Math.floor(rand() * 8);
        const K = g.c * g.kh * g.kw;
        const L = g.oh * g.ow;
        const strided = t % 2 === 1;
        const label = `${dtype} M=${M} ${JSON.stringify(g)} strided=${strided}`;
        const x = randomView(C, [g.n, g.c, g.h, g.w], strided, rand);
        const w = randomView(C, [M, K], strided, rand);
        const gOut = randomView(C, [g.n, M, L], strided, rand);

        // forward into a channel slice of a wider output: group 1 of 2, NaN around it must stay
        const outData = new C(g.n * 2 * M * L).fill(NaN);
        wasm.conv2d(x, w, g, { storage: outData, shape: [g.n, M, L], strides: [2 * M * L, L, 1], offset: M * L });
        const want = new Float64Array(g.n * M * L);
        jsConv2d(widen(x), widen(w), g, { storage: want, shape: [g.n, M, L], strides: [M * L, L, 1], offset: 0 });
        const got = Array.from({ length: g.n * M * L }, (_, i) => outData[Math.floor(i / (M * L)) * 2 * M * L + M * L + (i % (M * L))]!);
        expectClose(got, want, tol, `conv2d ${label}`);
        for (let n = 0; n < g.n; n++) expect(Number.isNaN(outData[n * 2 * M * L]), `conv2d wrote outside its group ${label}`).toBe(true);

        const img = new C(g.n * g.c * g.h * g.w).fill(5); // overwritten, not added to
        wasm.conv2dInputGrad(gOut, w, g, img);
        const wantImg = new Float64Array(img.length);
        jsInputGrad(widen(gOut), widen(w), g, wantImg);
        expectClose(img, wantImg, tol, `conv2dInputGrad ${label}`);

        const dw = new C(M * K).fill(5);
        wasm.conv2dWeightGrad(x, gOut, g, dw);
        const wantDw = new Float64Array(M * K);
        jsWeightGrad(widen(x), widen(gOut), g, wantDw);
        expectClose(dw, wantDw, tol * 10, `conv2dWeightGrad ${label}`);
      }
    });
  }
});
