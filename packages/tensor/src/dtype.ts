import type { Storage } from './storage.js';
import { AllocationError, DTypeError } from './errors.js';
import { fmtShape, type Shape } from './shape.js';
import { countAllocation, currentPass } from './autograd/instrument.js';

/** Element types. `bool` is stored as one byte per element (0 or 1). */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

export const DTYPES: readonly DType[] = ['bool', 'int32', 'float32', 'float64'];

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

const BYTES: Record<DType, number> = { bool: 1, int32: 4, float32: 4, float64: 8 };

/**
 * The most elements one storage may hold: 2³² (4 294 967 296), V8's limit on a typed array's length on
 * 64-bit hosts (Node, Chromium, Deno), past which it throws "Invalid typed array length". Engines with a
 * lower byte limit (a few GB in Firefox and Safari), and any engine out of memory, refuse smaller arrays
 * with a RangeError of their own; `allocArray` reports both as the same `AllocationError`.
 */
export const MAX_ELEMENTS = 2 ** 32;

/** `4000000000000 bytes (3.64 TiB)`. */
function fmtBytes(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes;
  let unit = '';
  for (let i = 0; v >= 1024 && i < units.length; i++) [v, unit] = [v / 1024, units[i]!];
  return unit === '' ? `${bytes} bytes` : `${bytes} bytes (${v.toFixed(2)} ${unit})`;
}

/**
 * Allocates a zero-filled typed array of `size` elements for `dtype` (`zeroed` false: its contents are
 * unspecified, for a caller that writes every element), or throws an `AllocationError` naming
 * `op`, the `shape` (when the caller knows it), the dtype and the bytes: before allocating when `size` is
 * past `MAX_ELEMENTS`, and in place of the engine's RangeError when it cannot allocate the array.
 */
export function allocArray(dtype: DType, size: number, op = 'alloc', shape?: Shape, zeroed = true, backendMemory = true): TypedArray {
  checkSize(dtype, size, op, shape);
  countAllocation(size * BYTES[dtype]);
  let a: TypedArray | null = null;
  if (storage !== null && backendMemory && size * BYTES[dtype] >= storageMinBytes) a = storage(dtype, size, currentPass !== 'forward', zeroed);
  // Only a large array can be refused by the engine; the small ones every op allocates skip the try.
  a ??= size < LARGE ? newArray(dtype, size) : newLargeArray(dtype, size, op, shape);
  if (born !== null) born.push(a);
  return a;
}

function newLargeArray(dtype: DType, size: number, op: string, shape: Shape | undefined): TypedArray {
  try {
    return newArray(dtype, size);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    throw new AllocationError(
      `${cannotAllocate(dtype, size, op, shape)} (${fmtBytes(size * BYTES[dtype])}): the engine refused (${err.message}); it is out of memory or caps arrays lower`,
    );
  }
}

const LARGE = 1 << 24;

/** Throws the `AllocationError` of a size no tensor can have (not a whole number, negative, past `MAX_ELEMENTS`). */
function checkSize(dtype: DType, size: number, op: string, shape: Shape | undefined): void {
  if (size >= 0 && size <= MAX_ELEMENTS && Number.isInteger(size)) return;
  const count = shape ? `${size} elements, ${fmtBytes(size * BYTES[dtype])}` : fmtBytes(size * BYTES[dtype]);
  throw new AllocationError(`${cannotAllocate(dtype, size, op, shape)} (${count}): a typed array holds at most ${MAX_ELEMENTS} elements`);
}

/** A zero-filled ordinary typed array (never one in a backend's memory); errors as `allocArray`'s. */
export const plainArray = (dtype: DType, size: number, op = 'alloc'): TypedArray => allocArray(dtype, size, op, undefined, true, false);

/** Storage in a backend's own memory (`Backend.alloc`), or null for a plain typed array. */
export type StorageAllocator = (dtype: DType, size: number, engine: boolean, zeroed: boolean) => TypedArray | null;
/** A device backend's `alloc`: storage of its own, never null. */
export type DeviceAllocator = (dtype: DType, size: number, engine: boolean, zeroed: boolean) => Storage;

let storage: StorageAllocator | null = null;
let device: DeviceAllocator | null = null;
// Below this many bytes the allocator is not asked (it would answer null): a JS array, with no call.
let storageMinBytes = 0;
let releaser: ((data: TypedArray) => void) | null = null;
let deviceReleaser: ((data: Storage) => void) | null = null;
let born: Storage[] | null = null;

/**
 * @internal Installs the current backend's allocator (the backend registry does, on every switch): a CPU
 * backend's `a` (typed arrays in its own memory, or null for ordinary ones), or a device backend's `d`, which
 * makes the storage of every tensor an op makes (`allocStorage`) while typed arrays stay ordinary. The last
 * CPU and the last device backend's `release` stay installed after a switch away: each frees only storage its
 * own backend made.
 */
export function setStorageAllocator(a: StorageAllocator | null, release: ((data: Storage) => void) | null, minBytes = 0, d: DeviceAllocator | null = null): void {
  storage = a;
  device = d;
  storageMinBytes = minBytes;
  if (release !== null && d === null) releaser = release;
  else if (release !== null) deviceReleaser = release;
}

/** @internal Frees backend storage nothing will use again (no-op for an ordinary typed array). */
export function releaseStorage(data: Storage): void {
  if (ArrayBuffer.isView(data)) releaser?.(data);
  else deviceReleaser?.(data);
}

/**
 * The storage of a new tensor an op makes: the current device backend's own (`Backend.alloc`) where one is
 * current, else `allocArray`'s typed array. Errors as `allocArray`'s.
 */
export function allocStorage(dtype: DType, size: number, op = 'alloc', shape?: Shape, zeroed = true): Storage {
  if (device === null) return allocArray(dtype, size, op, shape, zeroed);
  checkSize(dtype, size, op, shape);
  countAllocation(size * BYTES[dtype]);
  const s = device(dtype, size, currentPass !== 'forward', zeroed);
  if (born !== null) born.push(s);
  return s;
}

/**
 * @internal While a list is installed, every array `allocArray` hands out is pushed to it: the autograd
 * engine lets a leaf adopt a gradient born in its backward pass, and frees the backend storage of the pass
 * that nothing kept. Returns the previous list.
 */
export function trackAllocations(list: Storage[] | null): Storage[] | null {
  const prev = born;
  born = list;
  return prev;
}

function newArray(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'float64':
      return new Float64Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'bool':
      return new Uint8Array(size);
  }
}

// Built only when an allocation fails: allocArray runs once per op output, so it makes no closure.
function cannotAllocate(dtype: DType, size: number, op: string, shape: Shape | undefined): string {
  return `${op}: cannot allocate a ${dtype} tensor of ${shape ? `shape ${fmtShape(shape)}` : `${size} elements`}`;
}

/** The int32 range. */
export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

/**
 * Throws a RangeError unless `value` fits an int32 tensor once truncated toward zero (as storing and
 * casting truncate): NaN, ±Inf and values past ±2³¹ would wrap or become garbage, so they are refused.
 * @example checkInt32('full', 'fill value', 3e9) // full: fill value 3000000000 is outside the int32 range …
 */
export function checkInt32(op: string, what: string, value: number): void {
  const t = Math.trunc(value);
  if (!(t >= INT32_MIN && t <= INT32_MAX)) {
    throw new RangeError(`${op}: ${what} ${value} is outside the int32 range [${INT32_MIN}, ${INT32_MAX}] and would overflow; use a float dtype`);
  }
}

/** The dtype that a typed array stores. */
export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  return 'bool';
}

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

export function assertDType(op: string, what: string, value: unknown): DType {
  if (value === 'float32' || value === 'float64' || value === 'int32' || value === 'bool') return value;
  throw new DTypeError(`${op}: ${what} must be one of float32, float64, int32, bool; got ${String(value)}`);
}

/** PyTorch's promotion between two tensors: bool < int32 < float32 < float64. */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * PyTorch's promotion of a tensor with a Python scalar: the scalar never widens a tensor of its own
 * category, but a non-integer scalar makes an int/bool tensor float32 (the default float dtype), and an
 * integer scalar makes a bool tensor int32.
 */
export function promoteWithScalar(t: DType, scalar: number | boolean): DType {
  if (typeof scalar === 'boolean') return t;
  if (isFloat(t)) return t;
  if (!Number.isInteger(scalar)) return 'float32';
  return t === 'bool' ? 'int32' : t;
}

/** The float dtype an op that always produces floats (div, exp, mean) computes in. */
export function toFloat(dtype: DType): DType {
  return isFloat(dtype) ? dtype : 'float32';
}
