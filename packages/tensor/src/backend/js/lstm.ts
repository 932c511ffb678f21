import type { TypedArray } from '../../dtype.js';

const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/**
 * LSTM's pointwise step over `rows` rows, all arrays contiguous: from the pre-activation gates xg + hg (+ bias)
 * [rows, 4H] (i, f, g, o) and c [rows, H], writes acts [rows, 4H] = (σ(i), σ(f), tanh(g), σ(o)),
 * c' = σ(f)·c + σ(i)·tanh(g), tanh(c') and h = σ(o)·tanh(c') [rows, H].
 */
export function lstmCell(
  xg: TypedArray, hg: TypedArray, bias: TypedArray | null, c: TypedArray, hidden: number, acts: TypedArray, cOut: TypedArray, tanhC: TypedArray, h: TypedArray,
): void {
  const rows = c.length / hidden;
  const pre = (k: number, j: number): number => xg[k + j]! + hg[k + j]! + (bias === null ? 0 : bias[j]!);
  for (let r = 0; r < rows; r++) {
    const g0 = r * 4 * hidden;
    const c0 = r * hidden;
    for (let j = 0; j < hidden; j++) {
      const i = sigmoid(pre(g0, j));
      const f = sigmoid(pre(g0, hidden + j));
      const g = Math.tanh(pre(g0, 2 * hidden + j));
      const o = sigmoid(pre(g0, 3 * hidden + j));
      acts[g0 + j] = i;
      acts[g0 + hidden + j] = f;
      acts[g0 + 2 * hidden + j] = g;
      acts[g0 + 3 * hidden + j] = o;
      const cc = f * c[c0 + j]! + i * g;
      const t = Math.tanh(cc);
      cOut[c0 + j] = cc;
      tanhC[c0 + j] = t;
      h[c0 + j] = o * t;
    }
  }
}

/**
 * The adjoint of `lstmCell`: from its saved acts, c and tanh(c'), the gradient `dh` reaching h and `dc` reaching c'
 * from elsewhere, writes the gradient of the pre-activation gates [rows, 4H] and of c [rows, H].
 */
export function lstmCellBackward(
  acts: TypedArray, c: TypedArray, tanhC: TypedArray, dh: TypedArray, dc: TypedArray, hidden: number, dGates: TypedArray, dcPrev: TypedArray,
): void {
  const rows = c.length / hidden;
  for (let r = 0; r < rows; r++) {
    const g0 = r * 4 * hidden;
    const c0 = r * hidden;
    for (let j = 0; j < hidden; j++) {
      const i = acts[g0 + j]!;
      const f = acts[g0 + hidden + j]!;
      const g = acts[g0 + 2 * hidden + j]!;
      const o = acts[g0 + 3 * hidden + j]!;
      const t = tanhC[c0 + j]!;
      const d = dh[c0 + j]!;
      const dcc = dc[c0 + j]! + d * o * (1 - t * t);
      dGates[g0 + j] = dcc * g * i * (1 - i);
      dGates[g0 + hidden + j] = dcc * c[c0 + j]! * f * (1 - f);
      dGates[g0 + 2 * hidden + j] = dcc * i * (1 - g * g);
      dGates[g0 + 3 * hidden + j] = d * t * o * (1 - o);
      dcPrev[c0 + j] = dcc * f;
    }
  }
}
