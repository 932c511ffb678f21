// Small shared assertions for the data tests.
import { Tensor, fmtShape } from '@tensile/tensor';

/**
 * Asserts equal shapes and `|actual − expected| ≤ atol + rtol·|expected|` elementwise; on failure names
 * the worst element, both values and the tolerances.
 */
export function expectAllClose(actual: Tensor, expected: ArrayLike<number> | Tensor, opts: { shape?: readonly number[]; rtol?: number; atol?: number } = {}): void {
  const { rtol = 0, atol = 0 } = opts;
  const a = actual.toTypedArray();
  const e = expected instanceof Tensor ? expected.toTypedArray() : expected;
  const shape = opts.shape ?? (expected instanceof Tensor ? expected.shape : null);
  if (shape && (shape.length !== actual.ndim || shape.some((d, i) => d !== actual.shape[i]))) {
    throw new Error(`shape ${fmtShape(actual.shape)} differs from the expected ${fmtShape(shape)}`);
  }
  if (a.length !== e.length) throw new Error(`${a.length} values, expected ${e.length}`);
  let worst = -1;
  let excess = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - e[i]!) - (atol + rtol * Math.abs(e[i]!));
    if (d > excess || (Number.isNaN(d) && !(Number.isNaN(a[i]!) && Number.isNaN(e[i]!)))) {
      worst = i;
      excess = Number.isNaN(d) ? Infinity : d;
    }
  }
  if (worst >= 0) {
    throw new Error(`element ${worst} of shape ${fmtShape(actual.shape)} is ${a[worst]}, expected ${e[worst]} (atol ${atol}, rtol ${rtol})`);
  }
}

/** The rows of a batch tensor's first dimension as nested arrays (handy for small expectations). */
export const rows = (t: Tensor): unknown => t.toArray();
