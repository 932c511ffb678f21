// Creation: from JS data, constant fills, ranges and seeded random draws. Not ops: no graph.
import { getBackend } from '../backend/registry.js';
import { allocArray, assertDType, isFloat, type DType, type TypedArray, dtypeOfArray } from '../dtype.js';
import { DTypeError, ShapeError } from '../errors.js';
import { fmtShape, numelOf, type Shape } from '../shape.js';
import { getDefaultGenerator, type Generator } from '../random.js';
import { Tensor } from '../tensor.js';
import { copyK } from './raw.js';

export interface CreateOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

export interface TensorOptions extends CreateOptions {
  /** The shape to give a flat typed array or JS array (default: its nesting). */
  shape?: readonly number[];
}

export interface RandomOptions extends CreateOptions {
  generator?: Generator;
}

export type NestedArray = number | boolean | readonly NestedArray[];

function finish(t: Tensor, opts: CreateOptions): Tensor {
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}

function checkShape(op: string, shape: readonly number[]): number[] {
  if (!Array.isArray(shape)) throw new TypeError(`${op}: shape must be an array of sizes, got ${typeof shape}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(`${op}: sizes must be non-negative integers, got shape ${fmtShape(shape)}`);
  }
  return [...shape];
}

function dtypeOf(op: string, opts: CreateOptions, fallback: DType): DType {
  return opts.dtype === undefined ? fallback : assertDType(op, 'dtype', opts.dtype);
}

/** Infers the shape of a nested JS array, checking that it is rectangular. */
function nestedShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let level: NestedArray = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0] as NestedArray;
  }
  return shape;
}

function flattenInto(data: NestedArray, shape: readonly number[], depth: number, out: number[], path: number[]): void {
  if (depth === shape.length) {
    if (Array.isArray(data)) throw new ShapeError(`tensor: ragged nested array: element at [${path.join(', ')}] is an array, expected a number`);
    if (typeof data === 'boolean') out.push(data ? 1 : 0);
    else if (typeof data === 'number') out.push(data);
    else throw new TypeError(`tensor: element at [${path.join(', ')}] is ${typeof data}, expected a number or boolean`);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[depth]) {
    throw new ShapeError(
      `tensor: ragged nested array: expected ${shape[depth]} elements at depth ${depth} (index [${path.join(', ')}]), got ${Array.isArray(data) ? data.length : 'a scalar'}`,
    );
  }
  data.forEach((d, i) => flattenInto(d as NestedArray, shape, depth + 1, out, [...path, i]));
}

/**
 * A tensor from a number (0-d), a nested array, or a typed array (flat unless `shape` is given).
 * Default dtype: float32 for numbers, bool for booleans, the array's own for typed arrays.
 * @example
 * tensor([[1, 2], [3, 4]], { dtype: 'float64', requiresGrad: true })
 * tensor(new Float32Array(6), { shape: [2, 3] })
 */
export function tensor(data: NestedArray | TypedArray, opts: TensorOptions = {}): Tensor {
  let flat: TypedArray;
  let shape: number[];
  if (ArrayBuffer.isView(data)) {
    const src = data as TypedArray;
    const dtype = dtypeOf('tensor', opts, dtypeOfArray(src));
    flat = allocArray(dtype, src.length);
    if (dtype === 'bool') for (let i = 0; i < src.length; i++) flat[i] = src[i] ? 1 : 0;
    else flat.set(src);
    shape = opts.shape ? checkShape('tensor', opts.shape) : [src.length];
  } else {
    const inferred = nestedShape(data);
    const values: number[] = [];
    flattenInto(data, inferred, 0, values, []);
    const first = inferred.length === 0 ? data : firstLeaf(data);
    const dtype = dtypeOf('tensor', opts, typeof first === 'boolean' ? 'bool' : 'float32');
    flat = allocArray(dtype, values.length);
    if (dtype === 'bool') values.forEach((v, i) => (flat[i] = v ? 1 : 0));
    else flat.set(values);
    shape = opts.shape ? checkShape('tensor', opts.shape) : inferred;
  }
  if (numelOf(shape) !== flat.length) {
    throw new ShapeError(`tensor: shape ${fmtShape(shape)} holds ${numelOf(shape)} elements but the data has ${flat.length}`);
  }
  return finish(new Tensor(flat, shape), opts);
}

function firstLeaf(data: NestedArray): NestedArray {
  let x = data;
  while (Array.isArray(x) && x.length > 0) x = x[0] as NestedArray;
  return x;
}

/** A tensor of `shape` filled with `value` (float32 unless `dtype` says otherwise). */
export function full(shape: readonly number[], value: number, opts: CreateOptions = {}): Tensor {
  return filled('full', shape, value, opts);
}

/** `full` that reports errors under the name of the function the user called. */
function filled(op: string, shape: readonly number[], value: number, opts: CreateOptions): Tensor {
  const s = checkShape(op, shape);
  const dtype = dtypeOf(op, opts, typeof value === 'boolean' ? 'bool' : 'float32');
  const t = new Tensor(allocArray(dtype, numelOf(s)), s);
  if (value !== 0) getBackend().fill(t, value);
  return finish(t, opts);
}

/** Zeros of `shape`. @example zeros([2, 3]) */
export function zeros(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return filled('zeros', shape, 0, opts);
}

/** Ones of `shape`. */
export function ones(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return filled('ones', shape, 1, opts);
}

/** Zeros with `like`'s shape and dtype (options override). */
export function zerosLike(like: Tensor, opts: CreateOptions = {}): Tensor {
  return filled('zerosLike', like.shape, 0, { dtype: like.dtype, ...opts });
}

/** Ones with `like`'s shape and dtype. */
export function onesLike(like: Tensor, opts: CreateOptions = {}): Tensor {
  return filled('onesLike', like.shape, 1, { dtype: like.dtype, ...opts });
}

/** `value` with `like`'s shape and dtype. */
export function fullLike(like: Tensor, value: number, opts: CreateOptions = {}): Tensor {
  return filled('fullLike', like.shape, value, { dtype: like.dtype, ...opts });
}

/**
 * `start, start+step, …` below `end`; `arange(n)` is `0…n−1`. int32 when all arguments are integers,
 * else float32 (PyTorch uses int64/float32).
 */
export function arange(start: number, end?: number, step = 1, opts: CreateOptions = {}): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (step === 0 || !Number.isFinite(step)) throw new RangeError(`arange: step must be a nonzero finite number, got ${step}`);
  if (!Number.isFinite(start) || !Number.isFinite(end)) throw new RangeError(`arange: start and end must be finite, got ${start} and ${end}`);
  if ((end - start) * step < 0) throw new RangeError(`arange: the range [${start}, ${end}) cannot be walked with step ${step}`);
  const n = Math.max(Math.ceil((end - start) / step), 0);
  const allInt = Number.isInteger(start) && Number.isInteger(end) && Number.isInteger(step);
  const dtype = dtypeOf('arange', opts, allInt ? 'int32' : 'float32');
  const data = allocArray(dtype, n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return finish(new Tensor(data, [n]), opts);
}

/** `steps` evenly spaced values from `start` to `end` inclusive (float32 by default). */
export function linspace(start: number, end: number, steps: number, opts: CreateOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`linspace: steps must be a non-negative integer, got ${steps}`);
  const dtype = dtypeOf('linspace', opts, 'float32');
  const data = allocArray(dtype, steps);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  // Like PyTorch, the second half is computed from the end so both endpoints are exact.
  // (steps = 1 gives [start], as PyTorch.)
  const half = Math.max(Math.floor(steps / 2), 1);
  for (let i = 0; i < steps; i++) data[i] = i < half ? start + i * step : end - (steps - 1 - i) * step;
  return finish(new Tensor(data, [steps]), opts);
}

/** The `n×m` identity (m defaults to n). */
export function eye(n: number, m = n, opts: CreateOptions = {}): Tensor {
  const t = filled('eye', [n, m], 0, opts);
  for (let i = 0; i < Math.min(n, m); i++) t.data[i * m + i] = 1;
  return t;
}

function floatDtype(op: string, opts: CreateOptions): DType {
  const dtype = dtypeOf(op, opts, 'float32');
  if (!isFloat(dtype)) throw new DTypeError(`${op}: dtype must be float32 or float64, got ${dtype}`);
  return dtype;
}

/** Uniform samples in [0, 1) from the seeded generator. */
export function rand(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  const s = checkShape('rand', shape);
  const g = opts.generator ?? getDefaultGenerator();
  const data = allocArray(floatDtype('rand', opts), numelOf(s));
  for (let i = 0; i < data.length; i++) data[i] = g.random();
  return finish(new Tensor(data, s), opts);
}

/** Standard normal samples from the seeded generator. */
export function randn(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  const s = checkShape('randn', shape);
  const g = opts.generator ?? getDefaultGenerator();
  const data = allocArray(floatDtype('randn', opts), numelOf(s));
  for (let i = 0; i < data.length; i++) data[i] = g.normal();
  return finish(new Tensor(data, s), opts);
}

/** Uniform integers in [low, high) (int32). */
export function randint(low: number, high: number, shape: readonly number[], opts: RandomOptions = {}): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new RangeError(`randint: expected integers low < high, got low=${low}, high=${high}`);
  }
  const s = checkShape('randint', shape);
  const g = opts.generator ?? getDefaultGenerator();
  const dtype = dtypeOf('randint', opts, 'int32');
  const data = allocArray(dtype, numelOf(s));
  for (let i = 0; i < data.length; i++) data[i] = g.int(low, high);
  return finish(new Tensor(data, s), opts);
}

/** Nested JS arrays of a tensor's elements (booleans for bool). */
export function toNested(t: Tensor): unknown {
  const flat = copyK(t).data;
  const isBool = t.dtype === 'bool';
  const at = (i: number): number | boolean => (isBool ? flat[i] !== 0 : flat[i]!);
  if (t.ndim === 0) return at(0);
  let pos = 0;
  const build = (d: number): unknown[] => {
    const out: unknown[] = [];
    for (let i = 0; i < t.shape[d]!; i++) out.push(d === t.ndim - 1 ? at(pos++) : build(d + 1));
    return out;
  };
  return build(0);
}

export type { Shape };
