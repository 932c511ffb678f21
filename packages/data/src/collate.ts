// Turning a list of samples into one batch (PyTorch's default_collate).
import { ShapeError, Tensor, fmtShape, shapesEqual, stack, tensor } from '@tensile/tensor';

/** The batch `defaultCollate` makes from samples of type `T`. */
export type Collated<T> = T extends Tensor
  ? Tensor
  : T extends number | boolean
    ? Tensor
    : T extends string
      ? string[]
      : T extends readonly unknown[]
        ? { -readonly [K in keyof T]: Collated<T[K]> }
        : T extends object
          ? { -readonly [K in keyof T]: Collated<T[K]> }
          : never;

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (x instanceof Tensor) return `a ${x.dtype} tensor of shape ${fmtShape(x.shape)}`;
  if (Array.isArray(x)) return `an array of ${x.length}`;
  return typeof x;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function collateAt(samples: readonly unknown[], path: string): unknown {
  const first = samples[0];
  const mismatch = (i: number, why: string) =>
    new TypeError(`defaultCollate: samples[0]${path} is ${describe(first)} but samples[${i}]${path} is ${describe(samples[i])}${why}`);
  if (first instanceof Tensor) {
    samples.forEach((s, i) => {
      if (!(s instanceof Tensor)) throw mismatch(i, '');
      if (s.dtype !== first.dtype) throw mismatch(i, '; samples must share a dtype');
      if (!shapesEqual(s.shape, first.shape)) {
        throw new ShapeError(
          `defaultCollate: samples[0]${path} has shape ${fmtShape(first.shape)} but samples[${i}]${path} has ${fmtShape(s.shape)}; samples must share a shape to be stacked (pass a collate function to pad them)`,
        );
      }
    });
    return stack(samples as Tensor[]);
  }
  if (typeof first === 'number') {
    samples.forEach((s, i) => {
      if (typeof s !== 'number') throw mismatch(i, '');
    });
    const values = samples as number[];
    const ints = values.every((v) => Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31);
    return tensor(values, { dtype: ints ? 'int32' : 'float32' });
  }
  if (typeof first === 'boolean') {
    samples.forEach((s, i) => {
      if (typeof s !== 'boolean') throw mismatch(i, '');
    });
    return tensor(samples as boolean[]);
  }
  if (typeof first === 'string') {
    samples.forEach((s, i) => {
      if (typeof s !== 'string') throw mismatch(i, '');
    });
    return [...samples];
  }
  if (Array.isArray(first)) {
    samples.forEach((s, i) => {
      if (!Array.isArray(s) || s.length !== first.length) throw mismatch(i, '; samples must have the same structure');
    });
    return first.map((_, k) => collateAt(samples.map((s) => (s as unknown[])[k]), `${path}[${k}]`));
  }
  if (isPlainObject(first)) {
    const keys = Object.keys(first);
    samples.forEach((s, i) => {
      if (!isPlainObject(s) || Object.keys(s).length !== keys.length || keys.some((k) => !(k in s))) {
        throw mismatch(i, `; every sample needs the keys ${keys.join(', ')}`);
      }
    });
    return Object.fromEntries(keys.map((k) => [k, collateAt(samples.map((s) => (s as Record<string, unknown>)[k]), `${path}.${k}`)]));
  }
  throw new TypeError(`defaultCollate: cannot batch samples[0]${path}, which is ${describe(first)}; expected tensors, numbers, booleans, strings, or arrays / plain objects of them`);
}

/**
 * Batches samples the way PyTorch's `default_collate` does: tensors are stacked along a new first
 * dimension; numbers become a 1-d tensor (int32 when every value in the batch is an integer, else
 * float32 — give float targets as 0-d float tensors to pin their dtype); booleans a bool tensor; strings
 * stay a list; arrays and plain objects are batched position by position and field by field.
 * @example
 * defaultCollate([{ x: tensor([1, 2]), y: 0 }, { x: tensor([3, 4]), y: 1 }])
 * // { x: [[1, 2], [3, 4]] (float32, [2, 2]), y: [0, 1] (int32) }
 */
export function defaultCollate<T>(samples: readonly T[]): Collated<T> {
  if (!Array.isArray(samples) || samples.length === 0) throw new RangeError('defaultCollate: expected a non-empty list of samples');
  return collateAt(samples, '') as Collated<T>;
}
