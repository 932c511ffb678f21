// Creation: from JS data, constant fills, ranges and seeded random draws. Not ops: no graph.
import { getBackend } from '../backend/registry.js';
import { checkNumber, checkOptions, checkTensor, describeValue } from '../check.js';
import { INT32_MAX, INT32_MIN, allocArray, assertDType, checkInt32, isFloat, type DType, type TypedArray } from '../dtype.js';
import { DTypeError, DeviceError, ShapeError } from '../errors.js';
import { fmtShape, numelOf, type Shape } from '../shape.js';
import { Generator, getDefaultGenerator } from '../random.js';
import { Tensor, onDevice } from '../tensor.js';
import type { Storage } from '../storage.js';
import { copyK, empty } from './raw.js';

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

/** Integer typed arrays other than the storage types: copied into int32 (Uint32 values checked for range). */
export type IntegerArray = Int8Array | Int16Array | Uint16Array | Uint32Array | Uint8ClampedArray;

const CREATE_KEYS = ['dtype', 'requiresGrad'];
const TENSOR_KEYS = [...CREATE_KEYS, 'shape'];
const RANDOM_KEYS = [...CREATE_KEYS, 'generator'];

/** Checks an options object (unknown keys, `requiresGrad` a boolean, `generator` a Generator) and returns it. */
function options<T extends CreateOptions>(op: string, opts: T | undefined, known: readonly string[]): T {
  checkOptions(op, opts, known);
  const o = opts ?? ({} as T);
  if (o.requiresGrad !== undefined && typeof o.requiresGrad !== 'boolean') {
    throw new TypeError(`${op}: requiresGrad must be a boolean, got ${describeValue(o.requiresGrad)}`);
  }
  const g = (o as RandomOptions).generator;
  if (g !== undefined && !(g instanceof Generator)) throw new TypeError(`${op}: generator must be a Generator, got ${describeValue(g)}`);
  return o;
}

/**
 * The storage of a tensor built from JS values in `data`: `data` itself, or, where a device backend is
 * current, a copy in its memory (`Backend.upload`).
 */
function onBackend(data: TypedArray): Storage {
  const b = getBackend();
  if (b.device === undefined) return data;
  if (!b.upload) throw new DeviceError(`backend ${b.name} keeps its tensors on ${b.device} but cannot upload values (no Backend.upload)`);
  return b.upload(data);
}

function finish(t: Tensor, opts: CreateOptions): Tensor {
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}

function checkShape(op: string, shape: readonly number[]): number[] {
  if (!Array.isArray(shape)) throw new TypeError(`${op}: shape must be an array of sizes, got ${describeValue(shape)}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(`${op}: sizes must be non-negative integers, got shape ${fmtShape(shape)}`);
  }
  return [...shape];
}

function dtypeOf(op: string, opts: CreateOptions, fallback: DType): DType {
  return opts.dtype === undefined ? fallback : assertDType(op, 'dtype', opts.dtype);
}

/** The storage dtypes and the default dtype of a typed array given to `tensor` (other integer arrays become int32). */
function typedArrayDtype(a: ArrayBufferView): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Uint8Array) return 'bool';
  if (a instanceof Int8Array || a instanceof Int16Array || a instanceof Uint16Array || a instanceof Uint8ClampedArray || a instanceof Uint32Array) return 'int32';
  throw new TypeError(
    `tensor: cannot make a tensor from a ${a.constructor.name}; pass a Float32Array, Float64Array, Int32Array, Uint8Array (bool), another integer typed array, or a JS array`,
  );
}

/** Throws unless every value fits int32 (only called when storing into int32 from something wider). */
function checkInt32Values(op: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(v >= INT32_MIN - 1 && v < INT32_MAX + 1)) checkInt32(op, `element ${i} =`, v);
  }
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
 * Default dtype: float32 for numbers, bool for booleans, the array's own for typed arrays (Uint8Array is bool;
 * other integer arrays become int32). Values stored into int32 must lie in its range.
 * @example
 * tensor([[1, 2], [3, 4]], { dtype: 'float64', requiresGrad: true })
 * tensor(new Float32Array(6), { shape: [2, 3] })
 */
export function tensor(data: NestedArray | TypedArray | IntegerArray, opts?: TensorOptions): Tensor {
  const o = options('tensor', opts, TENSOR_KEYS);
  let flat: TypedArray;
  let shape: number[];
  if (ArrayBuffer.isView(data)) {
    const src = data as unknown as ArrayLike<number>;
    const dtype = dtypeOf('tensor', o, typedArrayDtype(data));
    shape = o.shape ? checkShape('tensor', o.shape) : [src.length];
    if (dtype === 'int32' && !(data instanceof Int32Array || data instanceof Uint8Array)) checkInt32Values('tensor', src);
    flat = allocArray(dtype, src.length, 'tensor', shape);
    if (dtype === 'bool') for (let i = 0; i < src.length; i++) flat[i] = src[i] ? 1 : 0;
    else flat.set(src);
  } else {
    const inferred = nestedShape(data);
    const values: number[] = [];
    flattenInto(data, inferred, 0, values, []);
    const first = inferred.length === 0 ? data : firstLeaf(data);
    const dtype = dtypeOf('tensor', o, typeof first === 'boolean' ? 'bool' : 'float32');
    shape = o.shape ? checkShape('tensor', o.shape) : inferred;
    if (dtype === 'int32') checkInt32Values('tensor', values);
    flat = allocArray(dtype, values.length, 'tensor', shape);
    if (dtype === 'bool') values.forEach((v, i) => (flat[i] = v ? 1 : 0));
    else flat.set(values);
  }
  if (numelOf(shape) !== flat.length) {
    throw new ShapeError(`tensor: shape ${fmtShape(shape)} holds ${numelOf(shape)} elements but the data has ${flat.length}`);
  }
  return finish(new Tensor(onBackend(flat), shape), o);
}

function firstLeaf(data: NestedArray): NestedArray {
  let x = data;
  while (Array.isArray(x) && x.length > 0) x = x[0] as NestedArray;
  return x;
}

/**
 * A tensor of `shape` filled with `value` (a number, or a boolean for a bool tensor), float32 unless `dtype`
 * says otherwise. An int32 fill must lie in the int32 range.
 * @example full([2, 3], 0.5)
 */
export function full(shape: readonly number[], value: number | boolean, opts?: CreateOptions): Tensor {
  return filled('full', shape, value, options('full', opts, CREATE_KEYS));
}

/** `full` that reports errors under the name of the function the user called; `opts` already checked. */
function filled(op: string, shape: readonly number[], value: number | boolean, opts: CreateOptions, like?: Tensor): Tensor {
  checkNumber(op, 'fill value', value, true);
  const s = checkShape(op, shape);
  const dtype = dtypeOf(op, opts, like?.dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32'));
  const v = Number(value);
  if (dtype === 'int32') checkInt32(op, 'fill value', v);
  const t = empty(s, dtype, op);
  if (v !== 0) getBackend().fill(t, dtype === 'bool' ? (v ? 1 : 0) : v);
  return finish(t, opts);
}

/** Zeros of `shape`. @example zeros([2, 3]) */
export function zeros(shape: readonly number[], opts?: CreateOptions): Tensor {
  return filled('zeros', shape, 0, options('zeros', opts, CREATE_KEYS));
}

/** Ones of `shape`. */
export function ones(shape: readonly number[], opts?: CreateOptions): Tensor {
  return filled('ones', shape, 1, options('ones', opts, CREATE_KEYS));
}

/** Zeros with `like`'s shape and dtype (options override). */
export function zerosLike(like: Tensor, opts?: CreateOptions): Tensor {
  checkTensor('zerosLike', 'input', like);
  return filled('zerosLike', like.shape, 0, options('zerosLike', opts, CREATE_KEYS), like);
}

/** Ones with `like`'s shape and dtype. */
export function onesLike(like: Tensor, opts?: CreateOptions): Tensor {
  checkTensor('onesLike', 'input', like);
  return filled('onesLike', like.shape, 1, options('onesLike', opts, CREATE_KEYS), like);
}

/** `value` with `like`'s shape and dtype. */
export function fullLike(like: Tensor, value: number | boolean, opts?: CreateOptions): Tensor {
  checkTensor('fullLike', 'input', like);
  return filled('fullLike', like.shape, value, options('fullLike', opts, CREATE_KEYS), like);
}

/**
 * `start, start+step, …` below `end`; `arange(n)` is `0…n−1`. int32 when all arguments are integers,
 * else float32 (PyTorch uses int64/float32).
 */
export function arange(start: number, end?: number, step = 1, opts?: CreateOptions): Tensor {
  const hint = '; options go fourth: arange(start, end, step, { dtype })';
  checkNumber('arange', 'start', start);
  if (end !== undefined && typeof end !== 'number') throw new TypeError(`arange: end must be a number, got ${describeValue(end)}${hint}`);
  if (typeof step !== 'number') throw new TypeError(`arange: step must be a number, got ${describeValue(step)}${hint}`);
  const o = options('arange', opts, CREATE_KEYS);
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (step === 0 || !Number.isFinite(step)) throw new RangeError(`arange: step must be a nonzero finite number, got ${step}`);
  if (!Number.isFinite(start) || !Number.isFinite(end)) throw new RangeError(`arange: start and end must be finite, got ${start} and ${end}`);
  if ((end - start) * step < 0) throw new RangeError(`arange: the range [${start}, ${end}) cannot be walked with step ${step}`);
  const n = Math.max(Math.ceil((end - start) / step), 0);
  const allInt = Number.isInteger(start) && Number.isInteger(end) && Number.isInteger(step);
  const dtype = dtypeOf('arange', o, allInt ? 'int32' : 'float32');
  if (dtype === 'int32' && n > 0) {
    checkInt32('arange', 'start', start);
    checkInt32('arange', 'the last value', start + (n - 1) * step);
  }
  const data = allocArray(dtype, n, 'arange', [n]);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return finish(new Tensor(onBackend(data), [n]), o);
}

/** `steps` evenly spaced values from `start` to `end` inclusive (float32 by default). */
export function linspace(start: number, end: number, steps: number, opts?: CreateOptions): Tensor {
  checkNumber('linspace', 'start', start);
  checkNumber('linspace', 'end', end);
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`linspace: steps must be a non-negative integer, got ${describeValue(steps)}`);
  const o = options('linspace', opts, CREATE_KEYS);
  const dtype = dtypeOf('linspace', o, 'float32');
  if (dtype === 'int32' && steps > 0) {
    checkInt32('linspace', 'start', start);
    checkInt32('linspace', 'end', end);
  }
  const data = allocArray(dtype, steps, 'linspace', [steps]);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  // Like PyTorch, the second half is computed from the end so both endpoints are exact.
  // (steps = 1 gives [start], as PyTorch.)
  const half = Math.max(Math.floor(steps / 2), 1);
  for (let i = 0; i < steps; i++) data[i] = i < half ? start + i * step : end - (steps - 1 - i) * step;
  return finish(new Tensor(onBackend(data), [steps]), o);
}

/** The `n×m` identity (m defaults to n). */
export function eye(n: number, m = n, opts?: CreateOptions): Tensor {
  if (typeof m !== 'number') throw new TypeError(`eye: m must be a number, got ${describeValue(m)}; options go third: eye(n, m, { dtype })`);
  const o = options('eye', opts, CREATE_KEYS);
  const s = checkShape('eye', [n, m]);
  const data = allocArray(dtypeOf('eye', o, 'float32'), n * m, 'eye', s);
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return finish(new Tensor(onBackend(data), s), o);
}

function floatDtype(op: string, opts: CreateOptions): DType {
  const dtype = dtypeOf(op, opts, 'float32');
  if (!isFloat(dtype)) throw new DTypeError(`${op}: dtype must be float32 or float64, got ${dtype}`);
  return dtype;
}

/** Uniform samples in [0, 1) from the seeded generator. */
export function rand(shape: readonly number[], opts?: RandomOptions): Tensor {
  const s = checkShape('rand', shape);
  const o = options('rand', opts, RANDOM_KEYS);
  const g = o.generator ?? getDefaultGenerator();
  const data = allocArray(floatDtype('rand', o), numelOf(s), 'rand', s);
  for (let i = 0; i < data.length; i++) data[i] = g.random();
  return finish(new Tensor(onBackend(data), s), o);
}

/** Standard normal samples from the seeded generator. */
export function randn(shape: readonly number[], opts?: RandomOptions): Tensor {
  const s = checkShape('randn', shape);
  const o = options('randn', opts, RANDOM_KEYS);
  const g = o.generator ?? getDefaultGenerator();
  const data = allocArray(floatDtype('randn', o), numelOf(s), 'randn', s);
  for (let i = 0; i < data.length; i++) data[i] = g.normal();
  return finish(new Tensor(onBackend(data), s), o);
}

/** Uniform integers in [low, high) (int32 unless `dtype` says otherwise). */
export function randint(low: number, high: number, shape: readonly number[], opts?: RandomOptions): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new RangeError(`randint: expected integers low < high, got low=${describeValue(low)}, high=${describeValue(high)}`);
  }
  const s = checkShape('randint', shape);
  const o = options('randint', opts, RANDOM_KEYS);
  const g = o.generator ?? getDefaultGenerator();
  const dtype = dtypeOf('randint', o, 'int32');
  if (dtype === 'int32') {
    checkInt32('randint', 'low', low);
    checkInt32('randint', 'the largest value high − 1 =', high - 1);
  }
  const data = allocArray(dtype, numelOf(s), 'randint', s);
  for (let i = 0; i < data.length; i++) data[i] = g.int(low, high);
  return finish(new Tensor(onBackend(data), s), o);
}

/** Nested JS arrays of a tensor's elements (booleans for bool). */
export function toNested(t: Tensor, contiguous?: TypedArray): unknown {
  if (contiguous === undefined && !t.isHost) throw onDevice(t, 'toArray', 'await t.toArrayAsync()');
  const flat = contiguous ?? copyK(t).data;
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
