// Random convolution geometries for the kernel tests (src/backend/wasm/conv*.test.ts).
import type { Conv2dGeometry } from '../src/backend/backend.js';

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
