// Elementwise expressions in wasm. Any expression runs in the JS loop (backend/js/expr.ts) except the ones
// this backend has a SIMD kernel for, recognised by their canonical form (the same computation whatever the
// names): today the Adam-shaped update of assembly/optim.ts, with and without an L2 term, for float32 runs
// long enough to pay for the copies. The kernel knows the arithmetic, not the optimizer: any optimizer that
// writes this expression gets it. θ, g, m and v are copied in, four lanes are updated at a time, and θ, m and
// v are copied back; the square root and division per element dominate the scalar JS loop.
import type { View } from '../backend.js';
import type { TypedArray } from '../../dtype.js';
import { defineElementwise, type ElementwiseKernel } from '../../expr.js';
import { elementwise as jsElementwise } from '../js/expr.js';
import type { WasmKernels } from './instance.js';
import { room } from './elementwise.js';
import { isResident } from './stage.js';

/** Below this many elements the JS loop runs (copying in and out would cost more). */
const MIN_ELEMENTS = 1024;

/**
 * What `adamF32` computes, as an expression: written p, m, v; read g; scalars d1, d2, c1, c2, a, r, e, s
 * (and w with `l2`): `m ← m·d1 + g·c1; v ← v·d2 + g·g·c2; p ← p·s − a·m / (√v·r + e)`, g replaced by
 * `g + p·w` with `l2`. The SIMD kernel skips that term when `w = 0` (the JS loop would add `p·0`, which
 * differs only for a non-finite `p` or a `g` of −0); the optimizers use the L2 form only with `w ≠ 0`.
 */
export function adamPattern(l2: boolean): ElementwiseKernel {
  const g = l2 ? 'gl' : 'g';
  return defineElementwise({
    name: `adamF32${l2 ? 'L2' : ''}`, write: ['p', 'm', 'v'], read: ['g'], scalars: ['d1', 'd2', 'c1', 'c2', 'a', 'r', 'e', 's', ...(l2 ? ['w'] : [])],
    body: `${l2 ? 'gl = g + p * w;' : ''} m = m * d1 + ${g} * c1; v = v * d2 + ${g} * ${g} * c2; p = p * s - a * m / (sqrt(v) * r + e)`,
  });
}

export function makeElementwiseExpr(k: WasmKernels, allFinite: (x: View) => boolean) {
  const adam = k.exports.adamF32;
  const plain = adamPattern(false).canonical, l2 = adamPattern(true).canonical;
  const fallback = (kernel: ElementwiseKernel, arrays: readonly TypedArray[], scalars: readonly number[], checkFinite: boolean): boolean => {
    jsElementwise(kernel, arrays, scalars);
    const out = arrays[0]!;
    return !checkFinite || allFinite({ storage: out, shape: [out.length], strides: [1], offset: 0 });
  };
  return function elementwise(kernel: ElementwiseKernel, arrays: readonly TypedArray[], scalars: readonly number[], checkFinite = false): boolean {
    const n = arrays[0]!.length;
    const isL2 = kernel.canonical === l2;
    if (!(isL2 || kernel.canonical === plain) || n < MIN_ELEMENTS || !arrays.every((a) => a instanceof Float32Array)) {
      return fallback(kernel, arrays, scalars, checkFinite);
    }
    const [param, m, v, grad] = arrays as Float32Array[];
    const [d1, d2, c1, c2, a, r, e, s, w = 0] = scalars as number[];
    if (isResident(k, param!) && isResident(k, m!) && isResident(k, v!)) {
      // θ, m and v live in wasm memory: updated where they are, four lanes at a time. The kernel stores whole
      // vectors, so the last n mod 4 elements (whose vector would run past the arrays) go through the
      // scratch: the same kernel on the same values, so the same bits as a staged run.
      const n4 = n & ~3;
      const tail = n - n4;
      const gIn = isResident(k, grad!);
      if (!k.reserve((gIn ? 0 : room(n, 4)) + 4 * 16)) return fallback(kernel, arrays, scalars, checkFinite);
      const mem = k.f32();
      const gAt = gIn ? grad!.byteOffset : k.base + 4 * 16;
      if (!gIn) mem.set(grad!, gAt / 4);
      if (n4 > 0) adam(param!.byteOffset, gAt, m!.byteOffset, v!.byteOffset, n4, d1!, d2!, c1!, c2!, a!, r!, e!, s!, w);
      let finite = !checkFinite || n4 === 0 || k.exports.allFiniteF32(param!.byteOffset, n4) === 1;
      if (tail > 0) {
        const at = k.base;
        [param!, m!, v!, grad!].forEach((x, i) => mem.set(x.subarray(n4), at / 4 + 4 * i));
        adam(at, at + 48, at + 16, at + 32, tail, d1!, d2!, c1!, c2!, a!, r!, e!, s!, w);
        if (checkFinite && k.exports.allFiniteF32(at, tail) !== 1) finite = false;
        [param!, m!, v!].forEach((x, i) => x.set(mem.subarray(at / 4 + 4 * i, at / 4 + 4 * i + tail), n4));
      }
      return finite;
    }
    const bytes = room(n, 4);
    if (!k.reserve(4 * bytes)) return fallback(kernel, arrays, scalars, checkFinite);
    const mem = k.f32();
    const [pAt, mAt, vAt, gAt] = [k.base, k.base + bytes, k.base + 2 * bytes, k.base + 3 * bytes];
    mem.set(param!, pAt / 4);
    mem.set(m!, mAt / 4);
    mem.set(v!, vAt / 4);
    mem.set(grad!, gAt / 4);
    adam(pAt, gAt, mAt, vAt, n, d1!, d2!, c1!, c2!, a!, r!, e!, s!, w);
    // The NaN guard's check of the new θ, while it is still in linear memory (no second copy).
    const finite = !checkFinite || k.exports.allFiniteF32(pAt, n) === 1;
    param!.set(mem.subarray(pAt / 4, pAt / 4 + n));
    m!.set(mem.subarray(mAt / 4, mAt / 4 + n));
    v!.set(mem.subarray(vAt / 4, vAt / 4 + n));
    return finite;
  };
}
