// wasm max pooling against the JS kernel over random geometries (stride, padding, dilation, ceil mode,
// rectangular kernels, strided and offset inputs): exact, ties, NaN and -Infinity included.
import { describe, expect, it } from 'vitest';
import type { Conv2dGeometry, View } from '../backend.js';
import { maxPool2d as jsMaxPool2d } from '../js/conv.js';
import { makeMaxPool2d } from './conv.js';
import { kernels } from './instance.js';
import { lcg, randomGeometry as drawGeometry, type GeometryRanges } from '../../../test/conv-geometry.js';

const rng = lcg;
const SMALL: GeometryRanges = { n: [1, 3], c: [1, 4], hw: [1, 12], k: [1, 5], stride: [1, 3], dilation: [1, 2], pad: [0, 3] };

/** The image as a view: contiguous, or with its H and W dims stored swapped and a gap after each row. */
function image(Ctor: Float32ArrayConstructor | Float64ArrayConstructor, g: Conv2dGeometry, strided: boolean, rand: () => number): View {
  const shape = [g.n, g.c, g.h, g.w];
  const strides = strided ? [g.c * (g.h + 1) * g.w + 3, (g.h + 1) * g.w, 1, g.h + 1] : [g.c * g.h * g.w, g.h * g.w, g.w, 1];
  const offset = strided ? 2 : 0;
  const data = new Ctor(offset + g.n * strides[0]!).fill(NaN);
  for (let b = 0; b < g.n; b++) for (let c = 0; c < g.c; c++) for (let y = 0; y < g.h; y++) for (let x = 0; x < g.w; x++) {
    data[offset + b * strides[0]! + c * strides[1]! + y * strides[2]! + x * strides[3]!] = rand() * 2 - 1;
  }
  return { storage: data, shape, strides, offset };
}

describe.runIf(kernels !== null)('wasm maxPool2d', () => {
  const maxPool2d = makeMaxPool2d(kernels!, 0);

  for (const dtype of ['float32', 'float64'] as const) {
    const Ctor = dtype === 'float32' ? Float32Array : Float64Array;

    it(`${dtype}: max pooling equals the JS kernel exactly, ties, NaN, padding and ceil mode included`, () => {
      const rand = rng(dtype === 'float32' ? 21 : 22);
      for (let t = 0; t < 200; t++) {
        let g = drawGeometry(rand, SMALL);
        // pooling geometry: padding at most half the window; every other draw in ceil mode, where the last
        // window may run past the padded edge (it must start inside the input or its left padding)
        const ph = Math.min(g.ph, g.kh >> 1), pw = Math.min(g.pw, g.kw >> 1);
        const ceil = t % 4 >= 2;
        const pooled = (size: number, k: number, s: number, p: number, d: number) => {
          const out = Math.floor((size + 2 * p - d * (k - 1) - 1 + (ceil ? s - 1 : 0)) / s) + 1;
          return ceil && (out - 1) * s >= size + p ? out - 1 : out;
        };
        const oh = pooled(g.h, g.kh, g.sh, ph, g.dh);
        const ow = pooled(g.w, g.kw, g.sw, pw, g.dw);
        if (oh <= 0 || ow <= 0) continue;
        g = { ...g, ph, pw, oh, ow };
        const x = image(Ctor, g, t % 2 === 1, rand);
        // coarse values make ties common; a few NaNs and -Infinities test the reference's rules
        for (let i = 0; i < x.storage.length; i++) {
          const v = x.storage[i]!;
          if (v === v) x.storage[i] = rand() < 0.03 ? NaN : rand() < 0.03 ? -Infinity : Math.round(v * 2);
        }
        const count = g.n * g.c * g.oh * g.ow;
        const [want, got] = [new Ctor(count).fill(5), new Ctor(count).fill(5)];
        const [wantIdx, gotIdx] = [new Int32Array(count).fill(-7), new Int32Array(count).fill(-7)];
        jsMaxPool2d(x, g, want, wantIdx);
        maxPool2d(x, g, got, gotIdx);
        const label = `${dtype} ${JSON.stringify(g)}`;
        expect(Array.from(got).map(String), label).toEqual(Array.from(want).map(String));
        expect(Array.from(gotIdx), label).toEqual(Array.from(wantIdx));
      }
    });
  }
});
