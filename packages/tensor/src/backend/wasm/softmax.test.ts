// wasm softmax, log-softmax and cross-entropy against the JS reference kernels: float32 within a few
// ulp (a float32 exp instead of Math.exp), float64 to ~1e-15 (the same exp, summed in another order), on
// contiguous rows, sliced and broadcast rows, layouts that must be gathered (softmax over a leading dim),
// row lengths that are not whole vectors, large logits, and rows holding -Infinity, +Infinity or NaN.
import { describe, expect, it } from 'vitest';
import type { View } from '../backend.js';
import type { TypedArray } from '../../dtype.js';
import { crossEntropy as jsCrossEntropy } from '../js/loss.js';
import { softmax as jsSoftmax } from '../js/reduce.js';
import { kernels } from './instance.js';
import { makeCrossEntropy, makeSoftmax } from './softmax.js';

type FloatCtor = Float32ArrayConstructor | Float64ArrayConstructor;

function uniform(Ctor: FloatCtor, n: number, lo: number, hi: number, seed: number): Float32Array | Float64Array {
  let s = seed;
  return new Ctor(n).map(() => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + (hi - lo) * (s / 2 ** 32);
  });
}

/** Per-dtype agreement with the JS kernel: |wasm − js| ≤ atol + rtol·|js|; NaN and ±Infinity must match exactly. */
const TOL = {
  // exp within 1 ulp plus the final rounding; log-softmax also carries the sum's difference (absolute).
  float32: { softmax: { rtol: 4 * 2 ** -23, atol: 1e-44 }, logSoftmax: { rtol: 2 ** -23, atol: 3e-7 } },
  // The same exp, log and order of additions: equal to the bit where V8's fdlibm runs without fused multiply-adds.
  float64: { softmax: { rtol: 1e-15, atol: 1e-300 }, logSoftmax: { rtol: 1e-15, atol: 1e-15 } },
};

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: { rtol: number; atol: number }, label: string): void {
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (!Number.isFinite(w) || !Number.isFinite(g)) {
      expect(String(g), `${label}: element ${i}`).toBe(String(w));
      continue;
    }
    const excess = Math.abs(g - w) - (tol.atol + tol.rtol * Math.abs(w));
    if (excess > worst) [worst, at] = [excess, i];
  }
  expect(at, `${label}: element ${at} is ${got[at]}, the JS kernel gives ${want[at]}`).toBe(-1);
}

describe.runIf(kernels !== null)('wasm softmax and cross-entropy', () => {
  const softmax = makeSoftmax(kernels!);
  const crossEntropy = makeCrossEntropy(kernels!);

  for (const dtype of ['float32', 'float64'] as const) {
    const Ctor = dtype === 'float32' ? Float32Array : Float64Array;
    const data = uniform(Ctor, 260000, -4, 4, 11);
    const large = uniform(Ctor, 70000, 80, 120, 5);
    const wide = uniform(Ctor, 70000, -150, 10, 7);
    const views: [string, View][] = [
      ['contiguous [256, 1000]', { storage: data, shape: [256, 1000], strides: [1000, 1], offset: 0 }],
      ['rows of 13 (not whole vectors) [60, 13]', { storage: data, shape: [60, 13], strides: [13, 1], offset: 3 }],
      ['rows of 1 [300, 1]', { storage: data, shape: [300, 1], strides: [1, 1], offset: 0 }],
      ['leading dims merging [7, 5, 40]', { storage: data, shape: [7, 5, 40], strides: [200, 40, 1], offset: 1 }],
      ['a column slice [300, 101] of [300, 150]', { storage: data, shape: [300, 101], strides: [150, 1], offset: 20 }],
      ['a row broadcast over 64 rows [64, 77]', { storage: data, shape: [64, 77], strides: [0, 1], offset: 9 }],
      ['over the leading dim of [50, 40] (gathered)', { storage: data, shape: [40, 50], strides: [1, 40], offset: 0 }],
      ['a narrow slice [8, 300] of [8, 4000] (gathered)', { storage: data, shape: [8, 300], strides: [4000, 1], offset: 5 }],
      ['logits near 100 [40, 257]', { storage: large, shape: [40, 257], strides: [257, 1], offset: 0 }],
      ['logits in [-150, 10]: exps underflow, subnormal results [40, 301]', { storage: wide, shape: [40, 301], strides: [301, 1], offset: 0 }],
    ];
    for (const op of ['softmax', 'logSoftmax'] as const) {
      for (const [label, x] of views) {
        it(`${dtype} ${op}: ${label}`, () => {
          const numel = x.shape.reduce((p, d) => p * d, 1);
          const want = new Ctor(numel + 5).fill(7);
          const got = new Ctor(numel + 5).fill(7);
          jsSoftmax(op, x, want);
          softmax(op, x, got);
          expectClose(got, want, TOL[dtype][op], `${dtype} ${op} ${label}`);
          expect(Array.from(got.subarray(numel)), 'nothing written past the output').toEqual([7, 7, 7, 7, 7]);
        });
      }

      it(`${dtype} ${op}: -Infinity, +Infinity and NaN in rows`, () => {
        const n = 37;
        const x = uniform(Ctor, 12 * n, -3, 3, 2);
        x.fill(-Infinity, 0, n); // all -Infinity: NaN, as PyTorch
        x[n + 5] = -Infinity; // one -Infinity: probability 0, log-probability -Infinity
        x.fill(-Infinity, 2 * n, 3 * n - 1); // one finite entry: probability 1
        x[3 * n + 36] = Infinity; // +Infinity: NaN row
        x[4 * n + 7] = NaN; // NaN: NaN row
        x[5 * n] = Infinity;
        x[5 * n + 1] = Infinity;
        x[6 * n + 2] = Ctor === Float32Array ? 3e38 : 1.7e308; // a huge finite max: the others underflow
        x[7 * n + 30] = -3e38;
        const v: View = { storage: x, shape: [12, n], strides: [n, 1], offset: 0 };
        const want = new Ctor(12 * n);
        const got = new Ctor(12 * n);
        jsSoftmax(op, v, want);
        softmax(op, v, got);
        expectClose(got, want, TOL[dtype][op], `${dtype} ${op} specials`);
        expect(Number.isNaN(got[0]!) && Number.isNaN(got[3 * n]!) && Number.isNaN(got[4 * n]!)).toBe(true);
        expect(got[n + 5]).toBe(op === 'softmax' ? 0 : -Infinity);
        expect(got[3 * n - 1]).toBe(op === 'softmax' ? 1 : 0);
      });
    }

    const targets = (rows: number, n: number): Int32Array => Int32Array.from({ length: rows }, (_, i) => (i * 7919) % n);
    const ceViews: [string, View][] = [
      ['contiguous [256, 1000]', { storage: data, shape: [256, 1000], strides: [1000, 1], offset: 0 }],
      ['[333, 10] (MNIST-sized rows)', { storage: data, shape: [333, 10], strides: [10, 1], offset: 1 }],
      ['a column slice [100, 33] of [100, 50]', { storage: data, shape: [100, 33], strides: [50, 1], offset: 2 }],
      ['transposed [60, 80] (gathered)', { storage: data, shape: [60, 80], strides: [1, 60], offset: 0 }],
      ['logits near 100 [40, 257]', { storage: large, shape: [40, 257], strides: [257, 1], offset: 0 }],
      ['logits in [-150, 10] [40, 301]', { storage: wide, shape: [40, 301], strides: [301, 1], offset: 0 }],
    ];
    for (const [label, x] of ceViews) {
      it(`${dtype} crossEntropy: ${label}`, () => {
        const [rows, n] = x.shape as [number, number];
        const t = targets(rows, n);
        const want = new Ctor(rows + 3).fill(7);
        const got = new Ctor(rows + 3).fill(7);
        jsCrossEntropy(x, t, want);
        crossEntropy(x, t, got);
        expectClose(got, want, TOL[dtype].logSoftmax, `${dtype} crossEntropy ${label}`);
        expect(Array.from(got.subarray(rows))).toEqual([7, 7, 7]);
      });
    }

    it(`${dtype} crossEntropy: -Infinity, +Infinity and NaN in rows`, () => {
      const n = 40;
      const x = uniform(Ctor, 8 * n, -3, 3, 4);
      x.fill(-Infinity, 0, n);
      x[n + 3] = -Infinity; // the target's logit is -Infinity: loss +Infinity
      x[2 * n + 9] = Infinity;
      x[3 * n + 1] = NaN;
      const v: View = { storage: x, shape: [8, n], strides: [n, 1], offset: 0 };
      const t = Int32Array.from([0, 3, 5, 6, 7, 8, 9, 10]);
      const want = new Ctor(8);
      const got = new Ctor(8);
      jsCrossEntropy(v, t, want);
      crossEntropy(v, t, got);
      expectClose(got, want, TOL[dtype].logSoftmax, `${dtype} crossEntropy specials`);
      expect([got[0], got[1], got[2], got[3]].map(String)).toEqual(['NaN', 'Infinity', 'NaN', 'NaN']);
    });

    it(`${dtype}: small inputs run the JS kernels (identical results)`, () => {
      const x: View = { storage: data, shape: [5, 12], strides: [12, 1], offset: 0 };
      for (const op of ['softmax', 'logSoftmax'] as const) {
        const want = new Ctor(60);
        const got = new Ctor(60);
        jsSoftmax(op, x, want);
        softmax(op, x, got);
        expect(Array.from(got)).toEqual(Array.from(want));
      }
      const t = Int32Array.from([0, 11, 3, 4, 5]);
      const want = new Ctor(5);
      const got = new Ctor(5);
      jsCrossEntropy(x, t, want);
      crossEntropy(x, t, got);
      expect(Array.from(got)).toEqual(Array.from(want));
    });
  }

  it('float64 exp(x − max) equals Math.exp to the bit (so single-element sums match exactly)', () => {
    // Rows of two, [0, x]: softmax is [1/(1 + eˣ), eˣ/(1 + eˣ)] from the kernel's e⁰ = 1 and eˣ; both
    // kernels add 1 + eˣ in the same order here, so every output must be identical.
    const n = 4096;
    const x = new Float64Array(2 * n);
    const xs = uniform(Float64Array, n, -745, 0, 9);
    xs.set([-Infinity, -745.2, -708.5, -1e-9, -3e-300, -0.34657359027997264, -1.0397207708399179], 0);
    xs.forEach((v, i) => x.set([0, v], 2 * i));
    const v: View = { storage: x, shape: [n, 2], strides: [2, 1], offset: 0 };
    const want = new Float64Array(2 * n);
    const got = new Float64Array(2 * n);
    jsSoftmax('softmax', v, want);
    softmax('softmax', v, got);
    expect(Array.from(got)).toEqual(Array.from(want));
  });
});
