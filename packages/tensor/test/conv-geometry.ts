// Random convolution geometries and operands for the kernel tests (src/backend/wasm/conv*.test.ts).
import { expect } from 'vitest';
import type { Conv2dGeometry, View } from '../src/backend/backend.js';

/** A seeded uniform [0, 1) stream (a 32-bit LCG: plenty for picking shapes). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Inclusive ranges to draw each field from; stride, dilation and padding as in `Conv2dGeometry`. */
export interface GeometryRanges {
  n: [number, number]; c: [number, number]; hw: [number, number]; k: [number, number];
  stride: [number, number]; dilation: [number, number]; pad: [number, number];
  /** Least number of column elements (n·c·kh·kw·oh·ow), e.g. to reach a kernel's threshold. */
  minCols?: number;
}

/** A random geometry with a non-empty output (redrawn until it has one). */
export function randomGeometry(rand: () => number, r: GeometryRanges): Conv2dGeometry {
  const int = ([lo, hi]: [number, number]) => lo + Math.floor(rand() * (hi - lo + 1));
  for (;;) {
    const [n, c, h, w] = [int(r.n), int(r.c), int(r.hw), int(r.hw)];
    const [kh, kw, sh, sw, dh, dw] = [int(r.k), int(r.k), int(r.stride), int(r.stride), int(r.dilation), int(r.dilation)];
    const [ph, pw] = [int(r.pad), int(r.pad)];
    const oh = Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
    const ow = Math.floor((w + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
    if (oh > 0 && ow > 0 && n * c * kh * kw * oh * ow >= (r.minCols ?? 0)) return { n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow };
  }
}

export type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

/** A random view of `shape`; `strided` reverses the dim order in storage and adds an offset and NaN gaps. */
export function randomView(C: Ctor, shape: number[], strided: boolean, rand: () => number): View {
  const strides = new Array<number>(shape.length);
  let size = 1;
  const order = strided ? shape.map((_, i) => i) : shape.map((_, i) => shape.length - 1 - i);
  for (const d of order) {
    strides[d] = size;
    size *= shape[d]! + (strided ? 1 : 0);
  }
  const offset = strided ? 3 : 0;
  const data = new C(offset + size).fill(NaN);
  const idx = new Array<number>(shape.length).fill(0);
  const total = shape.reduce((a, b) => a * b, 1);
  for (let i = 0; i < total; i++) {
    let at = offset;
    for (let d = 0; d < shape.length; d++) at += idx[d]! * strides[d]!;
    data[at] = rand() * 2 - 1;
    for (let d = shape.length - 1; d >= 0 && ++idx[d]! === shape[d]; d--) idx[d] = 0;
  }
  return { storage: data, shape, strides, offset };
}

/** The same view's values in a float64 copy (same layout). */
export const widen = (v: View): View => ({ ...v, storage: Float64Array.from(v.storage) });

export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, label: string): void {
  expect(got.length, label).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / (1 + Math.abs(want[i]!)));
  expect(worst, label).toBeLessThanOrEqual(tol);
}
