// The wasm matmul against the JS reference kernel over many random strided shapes: edge sizes around the
// 4×8 / 4×4 register tiles, sizes past every cache block, transposed, offset, gapped, sliced and reversed
// views, in float32 and float64. Gaps hold NaN, so reading a wrong element shows up.
import { describe, expect, it } from 'vitest';
import type { View } from '../backend.js';
import type { TypedArray } from '../../dtype.js';
import { matmul as jsMatmul } from '../js/matmul.js';
import { kernels } from './instance.js';
import { makeMatmul } from './matmul.js';
import { wasmBackend } from './index.js';
import { listBackends } from '../registry.js';
import { conv2d, grad, manualSeed, randn, setBackend, sum } from '../../index.js';

type Layout = 'contiguous' | 'transposed' | 'gapped' | 'sliced' | 'reversed';
const LAYOUTS: Layout[] = ['contiguous', 'transposed', 'gapped', 'sliced', 'reversed'];
const SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33, 65];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A `[rows, cols]` view of random values in the given layout, NaN in every slot it does not cover. */
function operand(Ctor: Float32ArrayConstructor | Float64ArrayConstructor, rows: number, cols: number, layout: Layout, rand: () => number): View {
  const n = rows * cols;
  let strides: number[];
  let offset = 0;
  let size: number;
  switch (layout) {
    case 'contiguous': strides = [cols, 1]; size = n; break;
    case 'transposed': strides = [1, rows]; size = n; break;
    case 'gapped': strides = [2 * cols, 2]; offset = 3; size = 2 * n + 3; break;
    case 'sliced': strides = [5 * cols, 1]; offset = 2 * cols; size = 5 * n; break;
    case 'reversed': strides = [-cols, 1]; offset = (rows - 1) * cols; size = n; break;
  }
  const data = new Ctor(size).fill(NaN);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[offset + i * strides[0]! + j * strides[1]!] = rand() * 2 - 1;
  return { storage: data, shape: [rows, cols], strides, offset };
}

const absView = (v: View): View => ({ ...v, storage: v.storage.map(Math.abs) as TypedArray });

/**
 * Checks `out` against the float64-accumulated JS product elementwise with the classic dot-product bound
 * |error| ≤ (K + 2)·u·Σₖ|aᵢₖ·bₖⱼ| (u the unit roundoff), and that nothing past M·N was written.
 */
function expectProduct(run: (a: View, b: View, out: TypedArray) => void, a: View, b: View, label: string): void {
  const [M, K] = a.shape as [number, number];
  const N = b.shape[1]!;
  const Ctor = a.storage.constructor as Float32ArrayConstructor | Float64ArrayConstructor;
  const u = Ctor === Float32Array ? 2 ** -24 : 2 ** -53;
  const out = new Ctor(M * N + 5).fill(12345);
  run(a, b, out);
  const expected = new Float64Array(M * N);
  const bound = new Float64Array(M * N);
  jsMatmul({ ...a, storage: Float64Array.from(a.storage) }, { ...b, storage: Float64Array.from(b.storage) }, expected);
  jsMatmul(absView({ ...a, storage: Float64Array.from(a.storage) }), absView({ ...b, storage: Float64Array.from(b.storage) }), bound);
  for (let i = 0; i < M * N; i++) {
    const err = Math.abs(out[i]! - expected[i]!);
    if (!(err <= (K + 2) * u * bound[i]! + 1e-300)) {
      throw new Error(`${label}: element ${i} is ${out[i]}, expected ${expected[i]} (error ${err}, bound ${(K + 2) * u * bound[i]!})`);
    }
  }
  expect(Array.from(out.subarray(M * N)), `${label}: elements past M·N`).toEqual([12345, 12345, 12345, 12345, 12345]);
}

describe.runIf(kernels !== null)('wasm matmul', () => {
  const everything = makeMatmul(kernels!, { minWork: 0 });

  it('is registered as the "wasm" backend where WebAssembly SIMD is available', () => {
    expect(wasmBackend?.name).toBe('wasm');
    expect(listBackends()).toContain('wasm');
  });

  for (const dtype of ['float32', 'float64'] as const) {
    const Ctor = dtype === 'float32' ? Float32Array : Float64Array;

    it(`${dtype}: matches the JS kernel on 300 random strided shapes`, () => {
      const rand = rng(dtype === 'float32' ? 1 : 2);
      const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
      for (let t = 0; t < 300; t++) {
        const [M, K, N] = [pick(SIZES), pick(SIZES), pick(SIZES)];
        const la = pick(LAYOUTS);
        const lb = pick(LAYOUTS);
        const a = operand(Ctor, M, K, la, rand);
        const b = operand(Ctor, K, N, lb, rand);
        expectProduct(everything, a, b, `${dtype} [${M}, ${K}] (${la}) · [${K}, ${N}] (${lb})`);
      }
    });

    it(`${dtype}: every transpose combination past the MC, KC and NC cache blocks`, () => {
      const rand = rng(3);
      for (const la of ['contiguous', 'transposed'] as const) {
        for (const lb of ['contiguous', 'transposed'] as const) {
          expectProduct(everything, operand(Ctor, 133, 300, la, rand), operand(Ctor, 300, 521, lb, rand), `${dtype} ${la}·${lb}`);
        }
      }
    });

    it(`${dtype}: K split into equal cache blocks (784 = 4 × 196, 513 = 2 × 257: odd), with M or N of 1`, () => {
      const rand = rng(4);
      for (const [M, K, N] of [[64, 784, 128], [13, 513, 21], [1, 784, 9], [9, 513, 1], [1, 257, 1], [5, 1, 11]] as const) {
        for (const la of ['contiguous', 'transposed'] as const) {
          for (const lb of ['contiguous', 'transposed'] as const) {
            expectProduct(everything, operand(Ctor, M, K, la, rand), operand(Ctor, K, N, lb, rand), `${dtype} [${M}, ${K}] (${la}) · [${K}, ${N}] (${lb})`);
          }
        }
      }
    });

    it(`${dtype}: an empty inner dimension gives zeros; empty outputs write nothing`, () => {
      const out = new Ctor(7).fill(9);
      everything({ storage: new Ctor(0), shape: [2, 0], strides: [0, 1], offset: 0 }, { storage: new Ctor(0), shape: [0, 3], strides: [3, 1], offset: 0 }, out);
      expect(Array.from(out)).toEqual([0, 0, 0, 0, 0, 0, 9]);
      const untouched = new Ctor(2).fill(9);
      everything({ storage: new Ctor(6), shape: [0, 6], strides: [6, 1], offset: 0 }, { storage: new Ctor(6), shape: [6, 1], strides: [1, 1], offset: 0 }, untouched);
      expect(Array.from(untouched)).toEqual([9, 9]);
    });
  }

  it('leaves int32 to the JS kernel (exact integer products)', () => {
    const a: View = { storage: Int32Array.from([1, 2, 3, 4, 5, 6]), shape: [2, 3], strides: [3, 1], offset: 0 };
    const b: View = { storage: Int32Array.from([7, 8, 9, 10, 11, 12]), shape: [3, 2], strides: [2, 1], offset: 0 };
    const out = new Int32Array(4);
    everything(a, b, out);
    expect(Array.from(out)).toEqual([58, 64, 139, 154]);
  });

  it('gives conv2d and both its gradients on a LeNet-sized layer the JS backend\'s values', () => {
    manualSeed(7);
    const x = randn([8, 6, 14, 14]);
    const w = randn([16, 6, 5, 5]);
    x.requiresGrad = true;
    w.requiresGrad = true;
    const run = (name: string) => {
      const prev = setBackend(name);
      try {
        const y = conv2d(x, w, null, { padding: 1 });
        const [gx, gw] = grad(sum(y.mul(y)), [x, w]);
        return [y, gx!, gw!].map((t) => Array.from(t.toTypedArray()));
      } finally {
        setBackend(prev);
      }
    };
    const [js, wasm] = [run('js'), run('wasm')];
    for (let i = 0; i < 3; i++) {
      const scale = js[i]!.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const worst = js[i]!.reduce((m, v, j) => Math.max(m, Math.abs(v - wasm[i]![j]!)), 0);
      expect(worst / scale, ['output', 'input gradient', 'weight gradient'][i]).toBeLessThan(1e-5);
    }
  });
});
