// wasm elementwise kernels against the JS reference kernels: every wasm-backed op on float32 and float64,
// with NaN, ±0 and ±Infinity among the values, contiguous and scalar-broadcast operands, offsets, in-place
// use, lengths that are not whole vectors, and a check that the fallbacks still run what wasm does not.
import { describe, expect, it } from 'vitest';
import type { BinaryOp, UnaryOp, View } from '../backend.js';
import type { TypedArray } from '../../dtype.js';
import { binary as jsBinary, copy as jsCopy, unary as jsUnary } from '../js/elementwise.js';
import { makeElementwise } from './elementwise.js';
import { kernels } from './instance.js';

const SPECIAL = [NaN, 0, -0, Infinity, -Infinity, 1, -1, 0.5, -2.5, 3];

function values(Ctor: Float32ArrayConstructor | Float64ArrayConstructor, n: number, seed: number): Float32Array | Float64Array {
  let s = seed;
  return new Ctor(n).map((_, i) => {
    if (i % 7 === 3) return SPECIAL[(i / 7) % SPECIAL.length | 0]!;
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 8 - 4;
  });
}

const flat = (data: TypedArray, n: number, offset = 0): View => ({ storage: data, shape: [n], strides: [1], offset });
const scalarView = (data: TypedArray, n: number, offset: number): View => ({ storage: data, shape: [n], strides: [0], offset });
/** Equal as IEEE values: NaN equals NaN and -0 differs from 0. */
const same = (x: ArrayLike<number>, y: ArrayLike<number>) => expect(Array.from(x).map(String)).toEqual(Array.from(y).map(String));

describe.runIf(kernels !== null)('wasm elementwise', () => {
  const wasm = makeElementwise(kernels!);
  const N = [1024, 1029, 4099];

  for (const dtype of ['float32', 'float64'] as const) {
    const Ctor = dtype === 'float32' ? Float32Array : Float64Array;

    it(`${dtype}: unary ops equal the JS kernels`, () => {
      const ops: [UnaryOp, number, number][] = [
        ['neg', 0, 0], ['abs', 0, 0], ['sqrt', 0, 0], ['square', 0, 0], ['reciprocal', 0, 0], ['relu', 0, 0],
        ['leakyRelu', 0.25, 0], ['clamp', -1.5, 2], ['clamp', -Infinity, 0.5],
      ];
      for (const n of N) {
        const x = values(Ctor, n + 3, n);
        for (const [op, p, q] of ops) {
          const want = new Ctor(n + 5).fill(7);
          const got = new Ctor(n + 5).fill(7);
          jsUnary(op, flat(x, n, 3), flat(want, n, 2), p, q);
          wasm.unary(op, flat(x, n, 3), flat(got, n, 2), p, q);
          same(got, want);
        }
      }
    });

    it(`${dtype}: leakyRelu with a slope that ${dtype} cannot hold stays within one rounding`, () => {
      const x = values(Ctor, 2048, 5);
      const want = new Ctor(2048);
      const got = new Ctor(2048);
      jsUnary('leakyRelu', flat(x, 2048), flat(want, 2048), 0.01);
      wasm.unary('leakyRelu', flat(x, 2048), flat(got, 2048), 0.01);
      const eps = dtype === 'float32' ? 2 ** -23 : 0;
      got.forEach((v, i) => expect(Math.abs(v - want[i]!) <= eps * Math.abs(want[i]!) || Object.is(v, want[i]!), `${i}`).toBe(true));
    });

    it(`${dtype}: binary ops and comparisons equal the JS kernels, with broadcast scalars and in place`, () => {
      const ops: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'reluGrad', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'];
      for (const n of N) {
        const a = values(Ctor, n + 1, 2 * n);
        const b = values(Ctor, n + 2, 3 * n);
        for (const op of ops) {
          const Out = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'].includes(op) ? Uint8Array : Ctor;
          for (const [av, bv] of [
            [flat(a, n, 1), flat(b, n, 2)],
            [scalarView(a, n, 5), flat(b, n, 0)],
            [flat(a, n, 0), scalarView(b, n, 3)],
            [flat(a, n, 0), scalarView(b, n, 6)], // b[6] is -0
          ] as const) {
            const want = new Out(n + 1).fill(9);
            const got = new Out(n + 1).fill(9);
            jsBinary(op, av, bv, flat(want, n, 1));
            wasm.binary(op, av, bv, flat(got, n, 1));
            same(got, want);
          }
        }
        // in place, as the optimizers' add_/mul_ do: out is a
        const want = a.slice();
        const got = a.slice();
        jsBinary('mul', flat(want, n), flat(b, n), flat(want, n));
        wasm.binary('mul', flat(got, n), flat(b, n), flat(got, n));
        same(got, want);
      }
    });

    it(`${dtype}: broadcast rows and columns (bias adds) over outer dims equal the JS kernels`, () => {
      // out [4, 6, 50] contiguous; operands broadcast the way a bias, a row or a column is
      const shape = [4, 6, 50];
      const full = values(Ctor, 1200 + 3, 9);
      const bias = values(Ctor, 6, 10);
      const row = values(Ctor, 50 + 1, 11);
      const layouts: [string, View][] = [
        ['full', { storage: full, shape, strides: [300, 50, 1], offset: 3 }],
        ['channel bias', { storage: bias, shape, strides: [0, 1, 0], offset: 0 }],
        ['row', { storage: row, shape, strides: [0, 0, 1], offset: 1 }],
        ['column', { storage: full, shape, strides: [50, 1, 0], offset: 0 }],
        ['scalar', { storage: bias, shape, strides: [0, 0, 0], offset: 2 }],
        // a sparse view (each row a short piece of a much longer one): left to the JS kernel
        ['slice', { storage: values(Ctor, 24 * 500, 12), shape, strides: [3000, 500, 1], offset: 4 }],
      ];
      for (const op of ['add', 'mul', 'maximum', 'gt'] as const) {
        const Out = op === 'gt' ? Uint8Array : Ctor;
        for (const [la, av] of layouts) {
          for (const [lb, bv] of layouts) {
            const want = new Out(1202).fill(3);
            const got = new Out(1202).fill(3);
            const o = (data: TypedArray): View => ({ storage: data, shape, strides: [300, 50, 1], offset: 2 });
            jsBinary(op, av, bv, o(want));
            wasm.binary(op, av, bv, o(got));
            expect(Array.from(got).map(String), `${op} ${la} ${lb}`).toEqual(Array.from(want).map(String));
          }
        }
      }
    });

    it(`${dtype}: bool masks convert to 0/1`, () => {
      for (const n of N) {
        const mask = new Uint8Array(n + 2).map((_, i) => (i * 7919) % 3 === 0 ? 1 : 0);
        const want = new Ctor(n + 1).fill(5);
        const got = new Ctor(n + 1).fill(5);
        jsCopy(flat(mask, n, 2), flat(want, n, 1));
        wasm.copy(flat(mask, n, 2), flat(got, n, 1));
        same(got, want);
      }
    });
  }

  it('leaves strided views, short runs, ints, mixed dtypes and other ops to the JS kernels', () => {
    const x = values(Float32Array, 4096, 1);
    const strided: View = { storage: x, shape: [2048], strides: [2], offset: 0 };
    // A scalar broadcast to 2048 elements (stride 0), as the backward of a mean hands it on.
    const broadcast: View = { storage: x, shape: [2048], strides: [0], offset: 5 };
    for (const [op, input, n] of [['relu', strided, 2048], ['exp', flat(x, 4096), 4096], ['relu', flat(x, 100), 100], ['square', broadcast, 2048], ['abs', broadcast, 2048]] as const) {
      const want = new Float32Array(n);
      const got = new Float32Array(n);
      jsUnary(op, input, flat(want, n));
      wasm.unary(op, input, flat(got, n));
      same(got, want);
    }
    const ints = Int32Array.from({ length: 2048 }, (_, i) => i - 1000);
    const want = new Int32Array(2048);
    const got = new Int32Array(2048);
    jsBinary('mul', flat(ints, 2048), flat(ints, 2048), flat(want, 2048));
    wasm.binary('mul', flat(ints, 2048), flat(ints, 2048), flat(got, 2048));
    same(got, want);
    const mixedWant = new Float64Array(2048);
    const mixedGot = new Float64Array(2048);
    jsBinary('add', flat(x, 2048), flat(ints, 2048), flat(mixedWant, 2048));
    wasm.binary('add', flat(x, 2048), flat(ints, 2048), flat(mixedGot, 2048));
    same(mixedGot, mixedWant);
  });
});
