// The wasm strided copy (assembly/copy.ts, `copy` in elementwise.ts) against the JS reference copy, bit for
// bit: float32, int32 and float64; permuted, transposed, broadcast (stride 0) and offset views;
// resident and JS-array operands on either side; NaN payloads and -0 unchanged; and the cases it leaves to JS
// (a sparse source, a strided JS destination, more than four merged dims, views whose bytes could overlap).
import { afterEach, describe, expect, it } from 'vitest';
import type { View } from '../backend.js';
import type { TypedArray } from '../../dtype.js';
import { contiguousStrides } from '../../shape.js';
import { copy as jsCopy } from '../js/elementwise.js';
import { makeElementwise } from './elementwise.js';
import { kernels } from './instance.js';

const heap = kernels?.heap ?? null;
type Ctor = Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor;
const blocks: TypedArray[] = [];
afterEach(() => {
  for (const b of blocks.splice(0)) heap!.release(b);
});

/** An array of `n` elements with distinct bit patterns (NaN payloads and -0 among them), resident or not. */
function filled(C: Ctor, n: number, resident: boolean, seed: number): TypedArray {
  // At least 2,048 elements, so that a resident one is above the heap's 4 KiB minimum.
  const size = Math.max(n, 2048);
  const a = resident ? (heap!.alloc(C === Float64Array ? 'float64' : C === Int32Array ? 'int32' : 'float32', size, false, true) as TypedArray) : new C(size);
  if (resident) blocks.push(a);
  const bytes = new Uint32Array(a.buffer, a.byteOffset, (n * a.BYTES_PER_ELEMENT) / 4);
  let s = seed;
  for (let i = 0; i < bytes.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    // Random words with bit 30 clear (no signaling NaN, which the JS reference's element loop would quiet: it
    // reads through a double), quiet NaNs with payloads, and -0.
    bytes[i] = i % 11 === 5 ? 0x7fc00001 + (i & 0xff) : i % 13 === 7 ? 0x80000000 : s & 0xbfffffff;
  }
  return a;
}
const bits = (a: TypedArray, offset: number, n: number) => Array.from(new Uint32Array(a.buffer, a.byteOffset + offset * a.BYTES_PER_ELEMENT, (n * a.BYTES_PER_ELEMENT) / 4));

describe.runIf(heap !== null)('wasm strided copy', () => {
  // The kernels with a count of copyStrided calls, to tell the wasm path from the JS fallback.
  let calls = 0;
  type Kernels = NonNullable<typeof kernels>;
  const real = kernels as Kernels;
  const counted = Object.create(real, {
    exports: { value: { ...real.exports, copyStrided: (...a: Parameters<Kernels['exports']['copyStrided']>) => (calls++, real.exports.copyStrided(...a)) } },
  }) as Kernels;
  const wasm = makeElementwise(counted);
  /** Permutes `shape` (row-major strides) by `perm`: the view a `.permute(perm)` gives. */
  const permuted = (data: TypedArray, shape: number[], perm: number[], offset = 0): View => {
    const st = contiguousStrides(shape);
    return { storage: data, shape: perm.map((p) => shape[p]!), strides: perm.map((p) => st[p]!), offset };
  };
  const layouts: [string, number, (data: TypedArray) => View][] = [
    // [name, elements the source array needs, the source view]
    ['attention heads [32, 16, 4, 32] → [32, 4, 16, 32]', 65536, (d) => permuted(d, [32, 16, 4, 32], [0, 2, 1, 3])],
    ['transpose [70, 33]', 2310, (d) => permuted(d, [70, 33], [1, 0])],
    ['rows of 3 (no whole vector) [3, 500, 3] → [500, 3, 3]', 4500, (d) => permuted(d, [3, 500, 3], [1, 0, 2])],
    ['offset contiguous', 3000, (d) => ({ storage: d, shape: [2000], strides: [1], offset: 999 })],
    ['broadcast row (stride 0) [40, 64]', 64, (d) => ({ storage: d, shape: [40, 64], strides: [0, 1], offset: 0 })],
    ['four merged dims [2, 3, 8, 5, 6] → [2, 3, 5, 8, 6]', 1440, (d) => permuted(d, [2, 3, 8, 5, 6], [0, 1, 3, 2, 4])],
  ];

  for (const C of [Float32Array, Int32Array, Float64Array] as Ctor[]) {
    for (const [name, need, view] of layouts) {
      for (const [srcIn, dstIn] of [[true, true], [true, false], [false, true], [false, false]] as const) {
        it(`${C.name} ${name}: source ${srcIn ? 'resident' : 'a JS array'}, destination ${dstIn ? 'resident' : 'a JS array'}`, () => {
          const src = view(filled(C, need, srcIn, need));
          const n = src.shape.reduce((a, b) => a * b, 1);
          const want = new C(n);
          jsCopy(src, { storage: want, shape: src.shape, strides: contiguousStrides(src.shape), offset: 0 });
          const out = filled(C, n + 8, dstIn, 3);
          const before = bits(out, 0, 4);
          calls = 0;
          wasm.copy(src, { storage: out, shape: src.shape, strides: contiguousStrides(src.shape), offset: 4 });
          expect(calls, 'the wasm kernel ran').toBe(1);
          expect(bits(out, 4, n)).toEqual(bits(want, 0, n));
          // Nothing before the destination view is touched, nor after it.
          expect(bits(out, 0, 4)).toEqual(before);
        });
      }
    }
  }

  it('leaves views whose bytes overlap to JS, which copies in order: two views of one array, two arrays over one block', () => {
    const layouts: ((b: Float32Array) => [View, View])[] = [
      (b) => [{ storage: b, shape: [64, 64], strides: [1, 64], offset: 0 }, { storage: b, shape: [64, 64], strides: [64, 1], offset: 2048 }],
      (b) => [
        { storage: new Float32Array(b.buffer, b.byteOffset, 4096), shape: [64, 64], strides: [1, 64], offset: 0 },
        { storage: new Float32Array(b.buffer, b.byteOffset + 4032 * 4, 4096), shape: [64, 64], strides: [64, 1], offset: 0 },
      ],
    ];
    for (const views of layouts) {
      const base = filled(Float32Array, 8192, true, 3) as Float32Array;
      // The reference: the same overlapping copy in JS on a plain copy of the block.
      const ref = new Float32Array(base);
      const [rs, rd] = views(ref);
      jsCopy(rs, rd);
      const [s, d] = views(base);
      calls = 0;
      wasm.copy(s, d);
      expect(calls, 'left to JS').toBe(0);
      expect(bits(base, 0, 8192)).toEqual(bits(ref, 0, 8192));
    }
  });

  it('copies between two arrays over one buffer in wasm when their spans do not overlap', () => {
    const shared = filled(Float32Array, 8192, true, 6);
    const lower = new Float32Array(shared.buffer, shared.byteOffset, 4096);
    const upper = new Float32Array(shared.buffer, shared.byteOffset + 4096 * 4, 4096);
    const want = new Float32Array(4096);
    const s: View = { storage: lower, shape: [64, 64], strides: [1, 64], offset: 0 };
    jsCopy(s, { storage: want, shape: [64, 64], strides: [64, 1], offset: 0 });
    calls = 0;
    wasm.copy(s, { storage: upper, shape: [64, 64], strides: [64, 1], offset: 0 });
    expect(calls).toBe(1);
    expect(bits(upper, 0, 4096)).toEqual(bits(want, 0, 4096));
  });

  it('writes a resident strided destination (a transposed view) in place, leaving the rest', () => {
    const src = filled(Float32Array, 4096, true, 9);
    const out = filled(Float32Array, 4096 + 64, true, 10);
    const want = new Float32Array(out);
    const dst: View = { storage: out, shape: [64, 64], strides: [1, 65], offset: 0 };
    const s: View = { storage: src, shape: [64, 64], strides: [64, 1], offset: 0 };
    jsCopy(s, { ...dst, storage: want });
    calls = 0;
    wasm.copy(s, dst);
    expect(calls).toBe(1);
    expect(bits(out, 0, out.length)).toEqual(bits(want, 0, want.length));
  });

  it('leaves to JS what it does not take, with the same results: a sparse source, a strided JS destination, five merged dims', () => {
    const cases: [View, View][] = [];
    const big = filled(Float32Array, 40000, false, 1);
    cases.push([{ storage: big, shape: [64, 32], strides: [600, 1], offset: 7 }, { storage: new Float32Array(2048), shape: [64, 32], strides: [32, 1], offset: 0 }]);
    const src = filled(Float32Array, 4096, true, 2);
    cases.push([{ storage: src, shape: [64, 64], strides: [64, 1], offset: 0 }, { storage: new Float32Array(4096), shape: [64, 64], strides: [1, 64], offset: 0 }]);
    const five = filled(Float32Array, 4608, true, 4);
    cases.push([permuted(five, [2, 3, 4, 6, 4, 4], [1, 0, 3, 2, 5, 4]), { storage: new Float32Array(4608), shape: [3, 2, 6, 4, 4, 4], strides: contiguousStrides([3, 2, 6, 4, 4, 4]), offset: 0 }]);
    for (const [s, d] of cases) {
      const want = new Float32Array(d.storage as Float32Array);
      jsCopy(s, { ...d, storage: want });
      calls = 0;
      wasm.copy(s, d);
      expect(calls, 'left to JS').toBe(0);
      expect(bits(d.storage, 0, d.storage.length)).toEqual(bits(want, 0, want.length));
    }
  });
});
