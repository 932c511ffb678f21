// wasm sums against the JS reference kernel on the layouts autograd produces: a gradient summed over the
// batch (unit-stride leading dim: exact, same order of additions) and contiguous runs (reordered partial
// sums: equal to rounding), in float32 and float64, plus the fallbacks.
import { describe, expect, it } from 'vitest';
import type { View } from '../backend.js';
import { reduce as jsReduce } from '../js/reduce.js';
import { kernels } from './instance.js';
import { makeReduce } from './reduce.js';

function filled(Ctor: Float32ArrayConstructor | Float64ArrayConstructor, n: number, seed: number) {
  let s = seed;
  return new Ctor(n).map(() => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 4 - 2;
  });
}

describe.runIf(kernels !== null)('wasm reduce', () => {
  const reduce = makeReduce(kernels!);

  for (const dtype of ['float32', 'float64'] as const) {
    const Ctor = dtype === 'float32' ? Float32Array : Float64Array;
    const data = filled(Ctor, 40000, 3);
    // [lead…, reduced…] views over `data`, with the reduced rank
    const cases: [string, View, number, 'exact' | 'close'][] = [
      ['batch sum of a weight gradient [2400, 16]', { storage: data, shape: [2401, 16], strides: [1, 2401], offset: 5 }, 1, 'exact'],
      ['bias gradient [6, 64, 50] over two dims', { storage: data, shape: [6, 64, 50], strides: [1, 6, 384], offset: 0 }, 2, 'exact'],
      ['lead [7] unit stride, three reduced dims merging to two', { storage: data, shape: [7, 5, 4, 30], strides: [1, 7, 35, 140], offset: 1 }, 3, 'exact'],
      ['conv bias gradient [6, 64, 96]: contiguous runs', { storage: data, shape: [6, 64, 96], strides: [96, 576, 1], offset: 0 }, 2, 'close'],
      ['rows of a matrix [300, 101]', { storage: data, shape: [300, 101], strides: [101, 1], offset: 3 }, 1, 'close'],
      ['everything [33, 65]', { storage: data, shape: [33, 65], strides: [65, 1], offset: 0 }, 2, 'close'],
      ['a narrow slice [8, 1200] of a wider matrix (JS path)', { storage: data, shape: [8, 1200], strides: [4000, 1], offset: 7 }, 1, 'exact'],
      ['a narrow column slice [1200, 8] (JS path)', { storage: data, shape: [1200, 8], strides: [1, 4000], offset: 2 }, 1, 'exact'],
    ];
    for (const [label, x, rank, mode] of cases) {
      it(`${dtype}: ${label}`, () => {
        const lead = x.shape.slice(0, x.shape.length - rank).reduce((p, d) => p * d, 1);
        const want = new Ctor(lead + 2).fill(9);
        const got = new Ctor(lead + 2).fill(9);
        jsReduce('sum', x, rank, want);
        reduce('sum', x, rank, got);
        if (mode === 'exact') expect(Array.from(got)).toEqual(Array.from(want));
        else {
          const scale = x.shape.slice(x.shape.length - rank).reduce((p, d) => p * d, 1) * 2 * (dtype === 'float32' ? 2 ** -24 : 2 ** -53);
          got.forEach((v, i) => expect(Math.abs(v - want[i]!), `${i}`).toBeLessThanOrEqual(scale + Math.abs(want[i]!) * 2 ** -23));
          expect(Array.from(got.subarray(lead))).toEqual([9, 9]);
        }
      });
    }
  }

  it('leaves other ops, ints and small inputs to the JS kernel', () => {
    const data = filled(Float32Array, 5000, 1);
    const ints = Int32Array.from(data, (v) => Math.round(v * 100));
    for (const [op, x] of [
      ['max', { storage: data, shape: [50, 100], strides: [100, 1], offset: 0 }],
      ['sum', { storage: ints, shape: [50, 100], strides: [100, 1], offset: 0 }],
      ['sum', { storage: data, shape: [10, 10], strides: [1, 10], offset: 0 }],
    ] as const) {
      const Out = x.storage.constructor as Float32ArrayConstructor;
      const want = new Out(x.shape[0]!);
      const got = new Out(x.shape[0]!);
      jsReduce(op, x, 1, want);
      reduce(op, x, 1, got);
      expect(Array.from(got)).toEqual(Array.from(want));
    }
  });
});
