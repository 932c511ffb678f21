// Checks of returned values and snapshots of state, shared by the case files.
import { Tensor } from '@tensile/tensor';
import type { Module } from '@tensile/nn';

/** A tensor's observable state as plain data: dtype, shape and elements (NaN-safe through `diff`). */
export function snap(...ts: Tensor[]): { dtype: string; shape: number[]; values: number[] }[] {
  return ts.map((t) => ({ dtype: t.dtype, shape: [...t.shape], values: Array.from(t.toTypedArray()) }));
}

/** Every entry of a module's state dict (parameters and buffers), with values. */
export function snapModel(m: Module<any, any>): Record<string, ReturnType<typeof snap>[number]> {
  return Object.fromEntries([...m.stateDict()].map(([k, t]) => [k, snap(t)[0]!]));
}

export interface TensorSpec {
  dtype?: string;
  shape?: readonly number[];
  /** Elements in row-major order (NaN matches NaN). */
  values?: readonly number[];
  /** Absolute + relative tolerance for `values` (default 1e-6). */
  tol?: number;
}

/** What differs between tensor `v` and `spec`, or null. */
export function tensorProblem(v: unknown, spec: TensorSpec): string | null {
  if (!(v instanceof Tensor)) return `expected a Tensor, got ${v === null ? 'null' : typeof v}`;
  if (spec.dtype !== undefined && v.dtype !== spec.dtype) return `dtype is ${v.dtype}, expected ${spec.dtype}`;
  if (spec.shape !== undefined && (v.shape.length !== spec.shape.length || v.shape.some((d, i) => d !== spec.shape![i]))) {
    return `shape is [${v.shape.join(', ')}], expected [${spec.shape.join(', ')}]`;
  }
  if (spec.values !== undefined) return valuesProblem(Array.from(v.toTypedArray() as ArrayLike<number>), spec.values, spec.tol);
  return null;
}

/** A value check: the result is a tensor matching `spec`. */
export function tensorIs(spec: TensorSpec): (v: unknown) => string | null {
  return (v) => tensorProblem(v, spec);
}

/** Where two number lists differ beyond `tol` (absolute + relative), or null. */
export function valuesProblem(actual: readonly number[], expected: readonly number[], tol = 1e-6): string | null {
  if (actual.length !== expected.length) return `${actual.length} elements, expected ${expected.length}`;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (a === e || (Number.isNaN(a) && Number.isNaN(e))) continue;
    if (Number.isNaN(e) || !(Math.abs(a - e) <= tol + tol * Math.abs(e))) {
      return `element ${i} is ${a}, expected ${e} (all: [${actual.slice(0, 16).join(', ')}${actual.length > 16 ? ', …' : ''}])`;
    }
  }
  return null;
}

/** A value check comparing plain data by JSON. */
export function equals(expected: unknown): (v: unknown) => string | null {
  return (v) => (JSON.stringify(v) === JSON.stringify(expected) ? null : `got ${JSON.stringify(v)}, expected ${JSON.stringify(expected)}`);
}

/** Both `a` and `b` hold. */
export function all(...checks: ((v: unknown) => string | null)[]): (v: unknown) => string | null {
  return (v) => {
    for (const c of checks) {
      const p = c(v);
      if (p !== null) return p;
    }
    return null;
  };
}

/** A deliberately ill-typed argument (what a JavaScript caller, or a TypeScript caller with `any`, can pass). */
export const bad = (v: unknown): never => v as never;
