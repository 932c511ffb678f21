// Shared by the nn test suites: fixture loading and one closeness assertion that reports the worst element.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Tensor, fmtShape, tensor, type DType } from '@tensile/tensor';
import { expect } from 'vitest';

/** A tensor as the fixture script writes it: flat row-major data, non-finite values as strings. */
export interface FixtureTensor {
  dtype: 'float64' | 'float32' | 'int32' | 'bool';
  shape: number[];
  data: (number | boolean | 'nan' | 'inf' | '-inf')[];
}

export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}

export function loadJson<T>(name: string): T {
  return JSON.parse(readFileSync(fixturePath(name), 'utf8')) as T;
}

function decodeValue(v: FixtureTensor['data'][number]): number {
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  return typeof v === 'boolean' ? Number(v) : v;
}

/** The fixture's values as a Tensor (float64 for floats unless `dtype` says otherwise). */
export function fromFixture(t: FixtureTensor, opts: { dtype?: DType; requiresGrad?: boolean } = {}): Tensor {
  const values = t.data.map(decodeValue);
  const dtype = opts.dtype ?? (t.dtype === 'float32' ? 'float64' : t.dtype);
  const flat = dtype === 'float64' ? new Float64Array(values) : dtype === 'float32' ? new Float32Array(values) : dtype === 'int32' ? new Int32Array(values) : new Uint8Array(values);
  return tensor(flat, { shape: t.shape, requiresGrad: opts.requiresGrad });
}

export interface CloseOptions {
  rtol?: number;
  atol?: number;
  label?: string;
}

/**
 * Asserts |actual − expected| ≤ atol + rtol·|expected| elementwise (NaN matches NaN, ±Inf must be equal),
 * and equal shapes. On failure the message names the worst element, both values, the errors and tolerances.
 */
export function expectAllClose(actual: Tensor | null | undefined, expected: FixtureTensor | Tensor | readonly number[], opts: CloseOptions = {}): void {
  const { rtol = 1e-10, atol = 1e-12, label = 'tensor' } = opts;
  expect(actual, `${label}: got no tensor`).toBeInstanceOf(Tensor);
  const a = Array.from(actual!.toTypedArray() as ArrayLike<number>, Number);
  let eShape: readonly number[];
  let e: number[];
  if (expected instanceof Tensor) {
    eShape = expected.shape;
    e = Array.from(expected.toTypedArray() as ArrayLike<number>, Number);
  } else if (Array.isArray(expected)) {
    eShape = [expected.length];
    e = [...(expected as readonly number[])];
  } else {
    const f = expected as FixtureTensor;
    eShape = f.shape;
    e = f.data.map(decodeValue);
  }
  expect(fmtShape(actual!.shape), `${label}: shape`).toBe(fmtShape(eShape));
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < e.length; i++) {
    const x = a[i]!;
    const y = e[i]!;
    if (Number.isNaN(y) && Number.isNaN(x)) continue;
    if (!Number.isFinite(y) || !Number.isFinite(x)) {
      if (x !== y) {
        worst = i;
        worstExcess = Infinity;
        break;
      }
      continue;
    }
    const excess = Math.abs(x - y) - (atol + rtol * Math.abs(y));
    if (excess > 0 && (worst < 0 || excess > worstExcess)) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    const x = a[worst]!;
    const y = e[worst]!;
    const abs = Math.abs(x - y);
    expect.fail(
      `${label}: element ${worst} of ${fmtShape(eShape)} is ${x}, expected ${y} (abs error ${abs}, rel error ${abs / Math.abs(y)}; atol ${atol}, rtol ${rtol})`,
    );
  }
}

/** A copy of every state tensor's values, to check that a failed operation changed nothing. */
export function snapshot(entries: Iterable<[string, Tensor]>): Map<string, number[]> {
  return new Map([...entries].map(([k, t]) => [k, Array.from(t.toTypedArray() as ArrayLike<number>, Number)]));
}
