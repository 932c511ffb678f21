// The wasm float32 Adam-shaped kernel against the JS loop running the same expression (which computes in
// doubles and rounds once): equal to within float32 rounding of the update, with and without L2 and with a
// decoupled shrink, over several steps, at lengths that are not multiples of the vector width; other
// expressions, float64 and short runs go to the JS loop.
import { describe, expect, it } from 'vitest';
import { defineElementwise } from '../../expr.js';
import type { TypedArray } from '../../dtype.js';
import { elementwise as jsElementwise } from '../js/expr.js';
import { kernels } from './instance.js';
import { adamPattern, makeElementwiseExpr } from './optim.js';
import { makeAllFinite } from './finite.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** The pattern's scalars for Adam at `step` (folded bias corrections, as the optimizer computes them). */
function scalars(r: { lr: number; weightDecay: number; decoupled: boolean }, step: number): number[] {
  const bc1 = 1 - 0.9 ** step, bc2 = 1 - 0.999 ** step;
  const s = [0.9, 0.999, 1 - 0.9, 1 - 0.999, r.lr / bc1, 1 / Math.sqrt(bc2), 1e-7, r.decoupled ? 1 - r.lr * r.weightDecay : 1];
  return !r.decoupled && r.weightDecay !== 0 ? [...s, r.weightDecay] : s;
}

describe.runIf(kernels !== null)('wasm Adam-shaped expression', () => {
  const elementwise = makeElementwiseExpr(kernels!, makeAllFinite(kernels!));
  const rules = [
    ['plain', { lr: 1e-3, weightDecay: 0, decoupled: false }],
    ['L2 weight decay', { lr: 1e-3, weightDecay: 0.1, decoupled: false }],
    ['decoupled (AdamW)', { lr: 0.01, weightDecay: 0.05, decoupled: true }],
  ] as const;
  for (const [label, rule] of rules) {
    const kernel = adamPattern(!rule.decoupled && rule.weightDecay !== 0);
    for (const n of [1024, 1027, 5000]) {
      it(`${label}, ${n} elements: matches the JS loop over 5 steps`, () => {
        const rand = rng(n);
        const p = Float32Array.from({ length: n }, () => rand() * 2 - 1);
        const [pw, mw, vw] = [p.slice(), new Float32Array(n), new Float32Array(n)];
        const [pj, mj, vj] = [p.slice(), new Float32Array(n), new Float32Array(n)];
        // m = m·β₁ + g·(1 − β₁) may cancel: its rounding error scales with Σ|terms|, tracked here
        const mScale = new Float64Array(n);
        for (let step = 1; step <= 5; step++) {
          const g = Float32Array.from({ length: n }, () => (rand() - 0.5) * 10 ** (rand() * 4 - 3));
          for (let i = 0; i < n; i++) mScale[i] = mScale[i]! * 0.9 + Math.abs(g[i]! + (rule.decoupled ? 0 : rule.weightDecay * pj[i]!)) * 0.1;
          const gCopy = g.slice();
          elementwise(kernel, [pw, mw, vw, g], scalars(rule, step));
          jsElementwise(kernel, [pj, mj, vj, g], scalars(rule, step));
          expect(Array.from(g)).toEqual(Array.from(gCopy)); // the gradient is read, never written
        }
        expect(Array.from(pw)).not.toEqual(Array.from(pj)); // float32 arithmetic: the wasm kernel ran
        for (let i = 0; i < n; i++) {
          // θ moves by about lr per step: its difference is float32 rounding of θ (≤ 1 ulp a step) and of that move
          expect(Math.abs(pw[i]! - pj[i]!), `θ[${i}]`).toBeLessThanOrEqual(6e-7 * Math.abs(pj[i]!) + 1e-8);
          expect(Math.abs(mw[i]! - mj[i]!), `m[${i}]`).toBeLessThanOrEqual(1e-6 * mScale[i]! + 1e-30);
          expect(Math.abs(vw[i]! - vj[i]!), `v[${i}]`).toBeLessThanOrEqual(1e-6 * Math.abs(vj[i]!) + 1e-30);
        }
      });
    }
  }

  it('leaves float64, other expressions and short runs to the JS loop (bit-identical results)', () => {
    const other = defineElementwise({ // the pattern with one product regrouped: a different computation
      name: 'other', write: ['p', 'm', 'v'], read: ['g'], scalars: ['d1', 'd2', 'c1', 'c2', 'a', 'r', 'e', 's'],
      body: 'm = m * d1 + g * c1; v = v * d2 + g * (g * c2); p = p * s - a * m / (sqrt(v) * r + e)',
    });
    const cases: [number, typeof Float32Array | typeof Float64Array, ReturnType<typeof adamPattern>][] = [
      [4096, Float64Array, adamPattern(false)], [4096, Float32Array, other], [100, Float32Array, adamPattern(false)],
    ];
    for (const [n, C, kernel] of cases) {
      const rand = rng(7);
      const p = new C(n).map(() => rand());
      const g = new C(n).map(() => rand() - 0.5);
      const states = () => [new C(n).fill(0.1), new C(n).fill(0.2)];
      const [pw, pj, sw, sj] = [p.slice(), p.slice(), states(), states()];
      elementwise(kernel, [pw, ...sw, g] as TypedArray[], scalars({ lr: 1e-3, weightDecay: 0, decoupled: false }, 3));
      jsElementwise(kernel, [pj, ...sj, g] as TypedArray[], scalars({ lr: 1e-3, weightDecay: 0, decoupled: false }, 3));
      expect(Array.from(pw)).toEqual(Array.from(pj));
      sw.forEach((s, i) => expect(Array.from(s)).toEqual(Array.from(sj[i]!)));
    }
  });

  it('with checkFinite, says whether the new parameter is finite (the NaN guard), in wasm and in the JS fallback', () => {
    const kernel = adamPattern(false);
    for (const n of [5000, 10]) { // 10: below the wasm threshold, the JS loop
      const p = new Float32Array(n).fill(0.5);
      const g = new Float32Array(n).fill(0.1);
      const sc = (eps: number) => { const s = scalars({ lr: 1e-3, weightDecay: 0, decoupled: false }, 1); s[6] = eps; return s; };
      expect(elementwise(kernel, [p, new Float32Array(n), new Float32Array(n), g], sc(1e-7), true)).toBe(true);
      g[n - 1] = 0; // m = v = 0 there: 0 / (0 + eps) with eps = 0 is NaN
      expect(elementwise(kernel, [p, new Float32Array(n), new Float32Array(n), g], sc(0), true)).toBe(false);
      expect(Number.isNaN(p[n - 1])).toBe(true);
      expect(elementwise(kernel, [p, new Float32Array(n), new Float32Array(n), g], sc(0))).toBe(true); // not asked: not checked
    }
  });
});
