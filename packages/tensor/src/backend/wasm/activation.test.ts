// The float32 activation kernels of assembly/activation.ts (gelu, gelu's derivative, sigmoid, tanh, and LSTM's
// pointwise step and its adjoint) against the JS reference kernels, which compute in float64: they are not
// bit-identical, so each value must be within float32's test tolerance (|Δ| ≤ 1e-6 + 1e-5·|want|), with NaN,
// ±0, ±Infinity, the far tails and tiny inputs among the values, lengths that are not whole vectors, and offsets.
import { describe, expect, it } from 'vitest';
import type { UnaryOp, View } from '../backend.js';
import { unary as jsUnary } from '../js/elementwise.js';
import { lstmCell as jsLstmCell, lstmCellBackward as jsLstmCellBackward } from '../js/lstm.js';
import { makeElementwise } from './elementwise.js';
import { makeLstm } from './lstm.js';
import { kernels } from './instance.js';

const SPECIAL = [NaN, 0, -0, Infinity, -Infinity, 1e-30, -1e-30, 1e-4, -1e-4, 9, -9, 14, -14, 40, -40, 100, -100, -0.7518];

/** Values spread over [-spread, spread] with the special ones every 7th element (seeded LCG). */
function values(n: number, seed: number, spread = 12): Float32Array {
  let s = seed;
  return new Float32Array(n).map((_, i) => {
    if (i % 7 === 3) return SPECIAL[(i / 7) % SPECIAL.length | 0]!;
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return ((s / 2 ** 32) * 2 - 1) * spread;
  });
}

const flat = (data: Float32Array, n: number, offset = 0): View => ({ storage: data, shape: [n], strides: [1], offset });

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, label: string): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const [g, w] = [got[i]!, want[i]!];
    if (Number.isNaN(w) || !Number.isFinite(w)) {
      expect(Object.is(g, w) || (Number.isNaN(g) && Number.isNaN(w)), `${label} element ${i}: ${g} vs ${w}`).toBe(true);
      continue;
    }
    expect(Math.abs(g - w) <= 1e-6 + 1e-5 * Math.abs(w), `${label} element ${i}: ${g} vs ${w}`).toBe(true);
  }
}

describe.runIf(kernels !== null)('wasm float32 activations', () => {
  const wasm = makeElementwise(kernels!);
  const lstm = makeLstm(kernels!);

  it('gelu, its derivative, sigmoid and tanh match the float64 JS kernels within float32 tolerance', () => {
    for (const n of [1024, 1029, 4099]) {
      const x = values(n + 3, n);
      for (const op of ['gelu', 'geluGrad', 'sigmoid', 'tanh'] as UnaryOp[]) {
        const want = new Float32Array(n + 5).fill(7);
        const got = new Float32Array(n + 5).fill(7);
        jsUnary(op, flat(x, n, 3), flat(want, n, 2));
        wasm.unary(op, flat(x, n, 3), flat(got, n, 2));
        expectClose(got, want, `${op} n=${n}`);
      }
    }
  });

  it('keeps relative precision where the values are tiny: the tails of gelu and sigmoid, tanh near 0', () => {
    const n = 2048;
    const x = new Float32Array(n).map((_, i) => -(1 + (i / n) * 11)); // gelu(x) down to ~1e-28, sigmoid to ~6e-6
    const small = new Float32Array(n).map((_, i) => (i % 2 ? -1 : 1) * 10 ** (-8 + (i / n) * 7));
    for (const [op, input, rel] of [['gelu', x, 2e-5], ['sigmoid', x, 1e-6], ['tanh', small, 1e-6]] as const) {
      const want = new Float32Array(n);
      const got = new Float32Array(n);
      jsUnary(op, flat(input, n), flat(want, n));
      wasm.unary(op, flat(input, n), flat(got, n));
      for (let i = 0; i < n; i++) expect(Math.abs(got[i]! - want[i]!) / Math.abs(want[i]!), `${op}(${input[i]})`).toBeLessThan(rel);
    }
  });

  it('float64 gelu still runs the JS kernel (bit-identical)', () => {
    const x = Float64Array.from(values(1029, 4));
    const want = new Float64Array(1029);
    const got = new Float64Array(1029);
    jsUnary('gelu', { ...flat(new Float32Array(0), 1029), storage: x }, { ...flat(new Float32Array(0), 1029), storage: want });
    wasm.unary('gelu', { ...flat(new Float32Array(0), 1029), storage: x }, { ...flat(new Float32Array(0), 1029), storage: got });
    expect(Array.from(got)).toEqual(Array.from(want));
  });

  for (const [rows, hidden, withBias] of [[3, 8, true], [32, 256, false], [2, 6, true]] as const) {
    it(`lstmCell and its adjoint match the JS kernels (rows ${rows}, hidden ${hidden}${withBias ? ', bias' : ''}${hidden % 4 ? ': JS fallback' : ''})`, () => {
      const g4 = rows * 4 * hidden;
      const ch = rows * hidden;
      const [xg, hg, c, dh, dc] = [values(g4, 1, 4), values(g4, 2, 4), values(ch, 3, 2), values(ch, 4, 1), values(ch, 5, 1)].map((a) => a.map((v) => (Number.isFinite(v) ? v : 0.5)));
      const bias = withBias ? values(4 * hidden, 6, 1).map((v) => (Number.isFinite(v) ? v : -0.25)) : null;
      const out = () => ({ acts: new Float32Array(g4), cOut: new Float32Array(ch), tanhC: new Float32Array(ch), h: new Float32Array(ch), dG: new Float32Array(g4), dcp: new Float32Array(ch) });
      const want = out();
      const got = out();
      jsLstmCell(xg!, hg!, bias, c!, hidden, want.acts, want.cOut, want.tanhC, want.h);
      lstm.lstmCell(xg!, hg!, bias, c!, hidden, got.acts, got.cOut, got.tanhC, got.h);
      for (const k of ['acts', 'cOut', 'tanhC', 'h'] as const) expectClose(got[k], want[k], k);
      jsLstmCellBackward(want.acts, c!, want.tanhC, dh!, dc!, hidden, want.dG, want.dcp);
      lstm.lstmCellBackward(want.acts, c!, want.tanhC, dh!, dc!, hidden, got.dG, got.dcp);
      expectClose(got.dG, want.dG, 'dGates');
      expectClose(got.dcp, want.dcp, 'dcPrev');
    });
  }
});
