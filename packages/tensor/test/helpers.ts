// Shared helpers of the cross-cutting suites: one closeness assertion, layouts, fixtures, backends.
import { afterAll, beforeAll } from 'vitest';
import { Tensor, contiguousStrides, fmtShape, setBackend, tensor, type AnyBackend, type DType } from '../src/index.js';

export interface Tolerance {
  readonly rtol: number;
  readonly atol: number;
}

/** Float64 parity: relative 1e-10, with a tiny absolute floor for values that should be 0. */
export const F64_TOL: Tolerance = { rtol: 1e-10, atol: 1e-12 };
/** Float32 parity: relative 1e-5, with an absolute floor of ~8 float32 ulps of 1 for values near 0. */
export const F32_TOL: Tolerance = { rtol: 1e-5, atol: 1e-6 };

/** The parity tolerance for a tensor of `dtype` (ints and bools compare exactly). */
export function tolFor(dtype: DType | string): Tolerance {
  if (dtype === 'float64') return F64_TOL;
  if (dtype === 'float32') return F32_TOL;
  return { rtol: 0, atol: 0 };
}

/** Shape and row-major values, as a tensor or as fixture JSON. */
export interface Values {
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
}

function valuesOf(v: Tensor | Values): Values {
  return v instanceof Tensor ? { shape: v.shape, data: v.toTypedArray() } : v;
}

function indexOf(flat: number, shape: readonly number[]): string {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % shape[d]!;
    flat = Math.floor(flat / shape[d]!);
  }
  return `[${idx.join(', ')}]`;
}

/**
 * Asserts `|actual − expected| ≤ atol + rtol·|expected|` elementwise (NaN matches NaN, ±Inf matches
 * itself) and equal shapes. On failure the message names the worst element (by how far it exceeds its
 * tolerance), both values, the absolute and relative error, and the tolerances used.
 */
export function expectAllClose(actual: Tensor | Values, expected: Tensor | Values, tol: Tolerance, label = 'values'): void {
  const a = valuesOf(actual);
  const x = valuesOf(expected);
  const shapeOk = a.shape.length === x.shape.length && a.shape.every((d, i) => d === x.shape[i]);
  if (!shapeOk || a.data.length !== x.data.length) {
    throw new Error(`${label}: shape ${fmtShape(a.shape)} (${a.data.length} values) differs from the expected ${fmtShape(x.shape)} (${x.data.length} values)`);
  }
  let worst = -1;
  let worstExcess = 0;
  let bad = 0;
  for (let i = 0; i < a.data.length; i++) {
    const av = a.data[i]!;
    const ev = x.data[i]!;
    if (Number.isNaN(ev) || Number.isNaN(av) || !Number.isFinite(ev) || !Number.isFinite(av)) {
      if (Object.is(av, ev) || (Number.isNaN(av) && Number.isNaN(ev)) || av === ev) continue;
      bad++;
      if (worstExcess !== Infinity) {
        worst = i;
        worstExcess = Infinity;
      }
      continue;
    }
    const excess = Math.abs(av - ev) - (tol.atol + tol.rtol * Math.abs(ev));
    if (excess > 0) {
      bad++;
      if (excess > worstExcess) {
        worst = i;
        worstExcess = excess;
      }
    }
  }
  if (bad > 0) {
    const av = a.data[worst]!;
    const ev = x.data[worst]!;
    const abs = Math.abs(av - ev);
    const rel = ev === 0 ? Infinity : abs / Math.abs(ev);
    throw new Error(
      `${label}: ${bad} of ${a.data.length} elements differ; worst at ${indexOf(worst, a.shape)} (flat ${worst}) of shape ${fmtShape(a.shape)}: ` +
        `actual ${av}, expected ${ev}, absolute error ${abs.toExponential(3)}, relative error ${rel.toExponential(3)} ` +
        `(allowed atol ${tol.atol} + rtol ${tol.rtol}·|expected| = ${(tol.atol + tol.rtol * Math.abs(ev)).toExponential(3)})`,
    );
  }
}

/** Non-contiguous layouts: row-major with every other slot skipped, or that with the dims stored in reverse order. */
export type StridedLayout = 'gapped' | 'transposed';

/**
 * A leaf with `t`'s values laid out non-contiguously, starting at a nonzero offset: `gapped` keeps
 * row-major order but skips every other slot (so views that merge dims still work); `transposed` also
 * stores the dims in reverse order. The skipped slots hold a sentinel (NaN for floats, a huge value
 * for ints), so a kernel that ignores strides or offsets produces wrong numbers.
 */
export function stridedCopy(t: Tensor, layout: StridedLayout = 'transposed'): Tensor {
  const nd = t.ndim;
  let strides: number[];
  let offset: number;
  let size: number;
  if (layout === 'gapped') {
    strides = contiguousStrides(t.shape).map((s) => 2 * s);
    offset = 1;
    size = 2 * t.numel + 1;
  } else {
    // Stored as the reversed shape, each dim 2n + 1 long; the view starts at index 1 of every dim.
    const baseShape = [...t.shape].reverse().map((d) => 2 * d + 1);
    const baseStrides = contiguousStrides(baseShape);
    strides = t.shape.map((_, k) => 2 * baseStrides[nd - 1 - k]!);
    offset = nd === 0 ? 1 : baseStrides.reduce((s, v) => s + v, 0);
    size = nd === 0 ? 3 : baseShape.reduce((s, v) => s * v, 1);
  }
  const Ctor = t.data.constructor as new (n: number) => Tensor['data'];
  const data = new Ctor(size);
  data.fill(t.dtype === 'float32' || t.dtype === 'float64' ? NaN : t.dtype === 'int32' ? 0x3fffffff : 1);
  const out = new Tensor(data, [...t.shape], strides, offset);
  const src = t.toTypedArray();
  const idx = new Array<number>(nd).fill(0);
  for (let e = 0; e < src.length; e++) {
    let p = offset;
    for (let d = 0; d < nd; d++) p += idx[d]! * strides[d]!;
    data[p] = src[e]!;
    for (let d = nd - 1; d >= 0; d--) {
      if (++idx[d]! < t.shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** A tensor as stored in a fixture: row-major values, bools as 0/1, non-finite values as "NaN", "Infinity", "-Infinity". */
export interface JsonTensor {
  readonly dtype: DType;
  readonly shape: number[];
  readonly data: (number | string)[];
}

/** A fixture tensor's shape and values as numbers. */
export function decode(j: JsonTensor): Values {
  return { shape: j.shape, data: j.data.map(Number) };
}

export function fromJson(j: JsonTensor): Tensor {
  return tensor(j.data.map(Number), { dtype: j.dtype, shape: j.shape });
}

/** Everything an error must leave untouched: storage contents, view geometry, grad state. */
export interface Snapshot {
  readonly data: number[];
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  readonly dtype: DType;
  readonly requiresGrad: boolean;
  readonly grad: Tensor | null;
  readonly isLeaf: boolean;
}

export function snapshot(t: Tensor): Snapshot {
  return {
    data: Array.from(t.data),
    shape: [...t.shape],
    strides: [...t.strides],
    offset: t.offset,
    dtype: t.dtype,
    requiresGrad: t.requiresGrad,
    grad: t.grad,
    isLeaf: t.isLeaf,
  };
}

/** Selects backend `name` for the enclosing describe block, restoring the previous one afterwards. */
export function useBackend(name: string): void {
  let prev: AnyBackend | undefined;
  beforeAll(() => {
    prev = setBackend(name);
  });
  afterAll(() => {
    if (prev) setBackend(prev);
  });
}
