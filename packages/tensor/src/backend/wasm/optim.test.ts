// The wasm float32 Adam step against the JS kernel (which computes in doubles and rounds once): equal to
// within float32 rounding of the update, with and without L2 and decoupled weight decay, over several steps,
// at lengths that are not multiples of the vector width; other rules and float64 go to the JS kernel.
import { describe, expect, it } from 'vitest';
import type { UpdateRule } from '../backend.js';
import { update as jsUpdate } from '../js/optim.js';
import { kernels } from './instance.js';
import { makeUpdate } from './optim.js';
import { makeAllFinite } from './finite.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

describe.runIf(kernels !== null)('wasm fused Adam', () => {
  const update = makeUpdate(kernels!, makeAllFinite(kernels!));
  const base = { kind: 'adam', lr: 1e-3, decay1: 0.9, decay2: 0.999, eps: 1e-7, amsgrad: false } as const;
  const rules: [string, (step: number) => Extract<UpdateRule, { kind: 'adam' }>][] = [
    ['plain', (step) => ({ ...base, weightDecay: 0, decoupled: false, step })],
    ['L2 weight decay', (step) => ({ ...base, weightDecay: 0.1, decoupled: false, step })],
    ['decoupled (AdamW)', (step) => ({ ...base, lr: 0.01, weightDecay: 0.05, decoupled: true, step })],
  ];
  for (const [label, rule] of rules) {
    for (const n of [1024, 1027, 5000]) {
      it(`${label}, ${n} elements: matches the JS kernel over 5 steps`, () => {
        const rand = rng(n);
        const p = Float32Array.from({ length: n }, () => rand() * 2 - 1);
        const [pw, mw, vw] = [p.slice(), new Float32Array(n), new Float32Array(n)];
        const [pj, mj, vj] = [p.slice(), new Float32Array(n), new Float32Array(n)];
        // m = m·β₁ + g·(1 − β₁) may cancel: its rounding error scales with Σ|terms|, tracked here
        const mScale = new Float64Array(n);
        for (let step = 1; step <= 5; step++) {
          const g = Float32Array.from({ length: n }, () => (rand() - 0.5) * 10 ** (rand() * 4 - 3));
          for (let i = 0; i < n; i++) mScale[i] = mScale[i]! * 0.9 + Math.abs(g[i]! + (rule(step).decoupled ? 0 : rule(step).weightDecay * pj[i]!)) * 0.1;
          const gCopy = g.slice();
          update(rule(step), pw, g, [mw, vw]);
          jsUpdate(rule(step), pj, g, [mj, vj]);
          expect(Array.from(g)).toEqual(Array.from(gCopy)); // the gradient is read, never written
        }
        for (let i = 0; i < n; i++) {
          // θ moves by about lr per step: its difference is float32 rounding of θ (≤ 1 ulp a step) and of that move
          expect(Math.abs(pw[i]! - pj[i]!), `θ[${i}]`).toBeLessThanOrEqual(6e-7 * Math.abs(pj[i]!) + 1e-8);
          expect(Math.abs(mw[i]! - mj[i]!), `m[${i}]`).toBeLessThanOrEqual(1e-6 * mScale[i]! + 1e-30);
          expect(Math.abs(vw[i]! - vj[i]!), `v[${i}]`).toBeLessThanOrEqual(1e-6 * Math.abs(vj[i]!) + 1e-30);
        }
      });
    }
  }

  it('leaves float64, amsgrad and short runs to the JS kernel (bit-identical results)', () => {
    const rule: UpdateRule = { ...base, weightDecay: 0, decoupled: false, step: 3 };
    for (const [n, C, r] of [[4096, Float64Array, rule], [4096, Float32Array, { ...rule, amsgrad: true }], [100, Float32Array, rule]] as const) {
      const rand = rng(7);
      const p = new C(n).map(() => rand());
      const g = new C(n).map(() => rand() - 0.5);
      const states = () => (r.amsgrad ? [new C(n).fill(0.1), new C(n).fill(0.2), new C(n).fill(0.3)] : [new C(n).fill(0.1), new C(n).fill(0.2)]);
      const [pw, pj, sw, sj] = [p.slice(), p.slice(), states(), states()];
      update(r, pw, g, sw);
      jsUpdate(r, pj, g, sj);
      expect(Array.from(pw)).toEqual(Array.from(pj));
      sw.forEach((s, i) => expect(Array.from(s)).toEqual(Array.from(sj[i]!)));
    }
  });

  it('with checkFinite, says whether the new parameter is finite (the NaN guard), in wasm and in the JS fallback', () => {
    for (const n of [5000, 10]) { // 10: below the wasm threshold, the JS kernel
      const p = new Float32Array(n).fill(0.5);
      const g = new Float32Array(n).fill(0.1);
      const rule = (eps: number) => ({ ...base, eps, weightDecay: 0, decoupled: false, step: 1 });
      expect(update(rule(1e-7), p, g, [new Float32Array(n), new Float32Array(n)], true)).toBe(true);
      g[n - 1] = 0; // m = v = 0 there: 0 / (0 + eps) with eps = 0 is NaN
      expect(update(rule(0), p, g, [new Float32Array(n), new Float32Array(n)], true)).toBe(false);
      expect(Number.isNaN(p[n - 1])).toBe(true);
      expect(update(rule(0), p, g, [new Float32Array(n), new Float32Array(n)])).toBe(true); // not asked: not checked
    }
  });
});
