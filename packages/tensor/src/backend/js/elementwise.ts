import type { BinaryOp, UnaryOp, View } from '../backend.js';
import type { TypedArray } from '../../dtype.js';
import { erf, erfc } from './erf.js';
import { RowIter } from '../iter.js';

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 0.3989422804014327;

/** Exact gelu x·Φ(x); for x < 0 through erfc so the left tail keeps its relative precision. */
function gelu(x: number): number {
  return x >= 0 ? 0.5 * x * (1 + erf(x * SQRT1_2)) : 0.5 * x * erfc(-x * SQRT1_2);
}

/** d/dx x·Φ(x) = Φ(x) + x·φ(x). */
function geluGrad(x: number): number {
  const cdf = x >= 0 ? 0.5 * (1 + erf(x * SQRT1_2)) : 0.5 * erfc(-x * SQRT1_2);
  return cdf + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

/** log(1 + e^x) without overflow: max(x, 0) + log1p(e^{−|x|}). */
function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** σ(x), computed from e^{−|x|} so neither side overflows. */
function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

function unaryRow(op: UnaryOp, x: TypedArray, xi: number, xs: number, o: TypedArray, oi: number, os: number, n: number, p: number, q: number): void {
  switch (op) {
    case 'neg': for (let i = 0; i < n; i++, xi += xs, oi += os) o[oi] = -x[xi]!; break;
    case 'exp': for (let i = 0; i < n; i++, xi += xs, oi += os) o[oi] = Math.exp(x[xi]!); break;
    case 'log': for (let i = 0; i < n; i++, xi += xs, oi += os) o[oi] = Math.log(x[xi]!); break;
    case 'sqrt': for (let i = 0; i < n; i++, xi += xs, oi += os) o[oi] = Math.sqrt(x[xi]!); break;
    case 'rsqrt': for (let i = 0; i < n; i++, xi += xs, oi += os) o[oi] = 1 / Math.sqrt(x[xi]!); break;
    case 'abs': for (let i = 0; i < n; i++, xi += xs, oi += os) o[oi] = Math.abs(x[xi]!); break;
    case 'sign': for (let i = 0; i < n; i++, xi += xs, oi += os) { const v = x[xi]!; o[oi] = v > 0 ? 1 : v < 0 ? -1 : v; } break;
    case 'square': for (let i = 0; i < n; i++, xi += xs, oi += os) { const v = x[xi]!; o[oi] = v * v; } break;
    case 'reciprocal': for (let i = 0; i < n; i++, xi += xs, oi += os) o[oi] = 1 / x[xi]!; break;
    case 'erf': for (let i = 0; i < n; i++, xi += xs, oi += os) o[oi] = erf(x[xi]!); break;
    case 'relu': for (let i = 0; i < n; i++, xi += xs, oi += os) { const v = x[xi]!; o[oi] = v > 0 ? v : v !== v ? v : 0; } break;
    case 'sigmoid': for (let i = 0; i < n; i++, xi += xs, oi += os) o[oi] = sigmoid(x[xi]!); break;
    case 'tanh': for (let i = 0; i < n; i++, xi += xs, oi += os) o[oi] = Math.tanh(x[xi]!); break;
    case 'softplus': for (let i = 0; i < n; i++, xi += xs, oi += os) { const v = x[xi]!, bv = p * v; o[oi] = bv > q ? v : softplus(bv) / p; } break;
    case 'gelu': for (let i = 0; i < n; i++, xi += xs, oi += os) o[oi] = gelu(x[xi]!); break;
    case 'geluGrad': for (let i = 0; i < n; i++, xi += xs, oi += os) o[oi] = geluGrad(x[xi]!); break;
    case 'leakyRelu': for (let i = 0; i < n; i++, xi += xs, oi += os) { const v = x[xi]!; o[oi] = v > 0 ? v : v * p; } break;
    case 'elu': for (let i = 0; i < n; i++, xi += xs, oi += os) { const v = x[xi]!; o[oi] = v > 0 ? v : p * Math.expm1(v); } break;
    case 'clamp': for (let i = 0; i < n; i++, xi += xs, oi += os) { const v = x[xi]!; o[oi] = v < p ? p : v > q ? q : v; } break;
    case 'powScalar':
      if (p === 2) for (let i = 0; i < n; i++, xi += xs, oi += os) { const v = x[xi]!; o[oi] = v * v; }
      else for (let i = 0; i < n; i++, xi += xs, oi += os) o[oi] = Math.pow(x[xi]!, p);
      break;
    case 'logicalNot': for (let i = 0; i < n; i++, xi += xs, oi += os) o[oi] = x[xi]! ? 0 : 1; break;
    default: {
      const never: never = op;
      throw new Error(`unary: unknown op ${String(never)}`);
    }
  }
}

function binaryRow(op: BinaryOp, a: TypedArray, ai: number, as: number, b: TypedArray, bi: number, bs: number, o: TypedArray, oi: number, os: number, n: number): void {
  switch (op) {
    case 'add': for (let i = 0; i < n; i++, ai += as, bi += bs, oi += os) o[oi] = a[ai]! + b[bi]!; break;
    case 'sub': for (let i = 0; i < n; i++, ai += as, bi += bs, oi += os) o[oi] = a[ai]! - b[bi]!; break;
    case 'mul': for (let i = 0; i < n; i++, ai += as, bi += bs, oi += os) o[oi] = a[ai]! * b[bi]!; break;
    case 'div': for (let i = 0; i < n; i++, ai += as, bi += bs, oi += os) o[oi] = a[ai]! / b[bi]!; break;
    case 'pow': for (let i = 0; i < n; i++, ai += as, bi += bs, oi += os) o[oi] = Math.pow(a[ai]!, b[bi]!); break;
    // NaN propagates through maximum/minimum, as in PyTorch.
    case 'maximum': for (let i = 0; i < n; i++, ai += as, bi += bs, oi += os) { const x = a[ai]!, y = b[bi]!; o[oi] = x > y || x !== x ? x : y; } break;
    case 'minimum': for (let i = 0; i < n; i++, ai += as, bi += bs, oi += os) { const x = a[ai]!, y = b[bi]!; o[oi] = x < y || x !== x ? x : y; } break;
    case 'reluGrad': for (let i = 0; i < n; i++, ai += as, bi += bs, oi += os) o[oi] = b[bi]! > 0 ? a[ai]! : 0; break;
    case 'eq': for (let i = 0; i < n; i++, ai += as, bi += bs, oi += os) o[oi] = a[ai]! === b[bi]! ? 1 : 0; break;
    case 'ne': for (let i = 0; i < n; i++, ai += as, bi += bs, oi += os) o[oi] = a[ai]! !== b[bi]! ? 1 : 0; break;
    case 'lt': for (let i = 0; i < n; i++, ai += as, bi += bs, oi += os) o[oi] = a[ai]! < b[bi]! ? 1 : 0; break;
    case 'le': for (let i = 0; i < n; i++, ai += as, bi += bs, oi += os) o[oi] = a[ai]! <= b[bi]! ? 1 : 0; break;
    case 'gt': for (let i = 0; i < n; i++, ai += as, bi += bs, oi += os) o[oi] = a[ai]! > b[bi]! ? 1 : 0; break;
    case 'ge': for (let i = 0; i < n; i++, ai += as, bi += bs, oi += os) o[oi] = a[ai]! >= b[bi]! ? 1 : 0; break;
    default: {
      const never: never = op;
      throw new Error(`binary: unknown op ${String(never)}`);
    }
  }
}

/**
 * Whether every view reaches its elements as one contiguous run in the same order (the same shape, strides
 * row-major): then a kernel is one row from the views' offsets, with no RowIter to build. Size-1 dims are
 * skipped, as RowIter skips them.
 */
function oneRun(shape: readonly number[], a: View, b: View, c?: View): boolean {
  let expect = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    const size = shape[d]!;
    if (size === 1) continue;
    if (a.strides[d] !== expect || b.strides[d] !== expect || (c !== undefined && c.strides[d] !== expect)) return false;
    expect *= size;
  }
  return true;
}

const numelOf = (shape: readonly number[]): number => {
  let n = 1;
  for (let d = 0; d < shape.length; d++) n *= shape[d]!;
  return n;
};

export function unary(op: UnaryOp, x: View, out: View, p = 0, q = 0): void {
  if (oneRun(out.shape, x, out)) {
    unaryRow(op, x.storage, x.offset, 1, out.storage, out.offset, 1, numelOf(out.shape), p, q);
    return;
  }
  const it = new RowIter(out.shape, [x, out]);
  const [xs, os] = it.inner as [number, number];
  for (let r = 0; r < it.rows; r++) {
    unaryRow(op, x.storage, it.pos[0]!, xs, out.storage, it.pos[1]!, os, it.n, p, q);
    it.next();
  }
}

export function binary(op: BinaryOp, a: View, b: View, out: View): void {
  if (oneRun(out.shape, a, b, out)) {
    binaryRow(op, a.storage, a.offset, 1, b.storage, b.offset, 1, out.storage, out.offset, 1, numelOf(out.shape));
    return;
  }
  const it = new RowIter(out.shape, [a, b, out]);
  const [as, bs, os] = it.inner as [number, number, number];
  for (let r = 0; r < it.rows; r++) {
    binaryRow(op, a.storage, it.pos[0]!, as, b.storage, it.pos[1]!, bs, out.storage, it.pos[2]!, os, it.n);
    it.next();
  }
}

export function where(cond: View, a: View, b: View, out: View): void {
  const it = new RowIter(out.shape, [cond, a, b, out]);
  const [cs, as, bs, os] = it.inner as [number, number, number, number];
  const c = cond.storage, x = a.storage, y = b.storage, o = out.storage;
  for (let r = 0; r < it.rows; r++) {
    let ci = it.pos[0]!, ai = it.pos[1]!, bi = it.pos[2]!, oi = it.pos[3]!;
    for (let i = 0; i < it.n; i++, ci += cs, ai += as, bi += bs, oi += os) o[oi] = c[ci] ? x[ai]! : y[bi]!;
    it.next();
  }
}

export function copy(src: View, dst: View): void {
  const it = new RowIter(dst.shape, [src, dst]);
  const [ss, ds] = it.inner as [number, number];
  const s = src.storage, d = dst.storage;
  const toBool = d instanceof Uint8Array && !(s instanceof Uint8Array);
  for (let r = 0; r < it.rows; r++) {
    let si = it.pos[0]!, di = it.pos[1]!;
    const n = it.n;
    if (toBool) for (let i = 0; i < n; i++, si += ss, di += ds) d[di] = s[si] !== 0 ? 1 : 0;
    else if (ss === 1 && ds === 1 && s.constructor === d.constructor) d.set(s.subarray(si, si + n), di);
    else for (let i = 0; i < n; i++, si += ss, di += ds) d[di] = s[si]!;
    it.next();
  }
}

export function fill(dst: View, value: number): void {
  const it = new RowIter(dst.shape, [dst]);
  const ds = it.inner[0]!;
  const d = dst.storage;
  const v = d instanceof Uint8Array ? (value !== 0 ? 1 : 0) : value;
  for (let r = 0; r < it.rows; r++) {
    const di = it.pos[0]!;
    if (ds === 1) d.fill(v, di, di + it.n);
    else for (let i = 0, j = di; i < it.n; i++, j += ds) d[j] = v;
    it.next();
  }
}
