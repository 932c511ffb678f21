// What a tensor's elements live in (a typed array, or a device backend's handle), what a storage carries
// beside its elements (the version counter that lets backward notice a saved tensor written in place), and
// the layout check for views built from a buffer.
import { ShapeError } from './errors.js';
import { fmtShape, type Shape } from './shape.js';
import type { DType, TypedArray } from './dtype.js';

/**
 * Storage that a device backend keeps outside JS typed arrays, such as a GPU buffer: an object of the
 * backend's own (its kernels know what is behind it) that says which device holds it, its element type and its
 * length in elements. Its values leave the device only through the backend's asynchronous `read`.
 */
export interface DeviceStorage {
  readonly device: string;
  readonly dtype: DType;
  readonly length: number;
}

/**
 * Where a tensor's elements live: a typed array (the CPU backends: an ordinary array or one over wasm memory)
 * or a device backend's `DeviceStorage`. Views of one tensor share its storage.
 */
export type Storage = TypedArray | DeviceStorage;

/** Whether `s` is a typed array, which any CPU code can read and write. */
export function isHostStorage(s: Storage): s is TypedArray {
  return ArrayBuffer.isView(s);
}

/**
 * The number of in-place writes a storage has had, shared by all its views (PyTorch's version counter).
 * Every in-place write bumps it, whatever the path: `_` ops, fused optimizer updates, `loadStateDict`,
 * copies into a view. `lastWrite` names the op that bumped it last, for the error backward raises.
 */
export class VersionCounter {
  value = 0;
  lastWrite = '';
  /**
   * The NaN guard's note: the `value` at which a kernel found every element of the storage finite as it
   * wrote it (-1: none). Any in-place write since moves `value` on and so voids it.
   */
  finiteAt = -1;

  bump(op: string): void {
    this.value++;
    this.lastWrite = op;
  }
}

/**
 * Throws unless `data` is a typed array Tensile stores and holds every element of the view (`shape`,
 * `strides`, `offset`): a TypeError for the array, a ShapeError naming the problem (see `layoutProblem`).
 */
export function checkLayout(data: Storage, shape: Shape, strides: readonly number[], offset: number): void {
  const device = !ArrayBuffer.isView(data) && typeof data === 'object' && data !== null && typeof data.device === 'string'
    && ['float32', 'float64', 'int32', 'bool'].includes(data.dtype) && Number.isSafeInteger(data.length) && data.length >= 0;
  if (!device && !(data instanceof Float32Array || data instanceof Float64Array || data instanceof Int32Array || data instanceof Uint8Array)) {
    throw new TypeError(`Tensor: data must be a Float32Array, Float64Array, Int32Array or Uint8Array (bool), or a device backend's storage, got ${data === null ? 'null' : (data as object)?.constructor?.name ?? typeof data}`);
  }
  const problem = layoutProblem(data, shape, strides, offset);
  if (problem !== null) throw new ShapeError(`Tensor: ${problem}`);
}

/**
 * Why the view (`shape`, `strides`, `offset`) does not fit `data`, or null when it does: sizes, strides and
 * the offset must be non-negative integers, and the last element reached must lie inside the buffer (an empty
 * view reaches no element, so its offset may lie anywhere, as PyTorch checks no storage for it). The Tensor
 * constructor and `loadStateDict` (for a tensor whose fields were changed after it was built) both ask it.
 */
export function layoutProblem(data: { readonly length: number }, shape: Shape, strides: readonly number[], offset: number): string | null {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    return `shape must be an array of non-negative integers, got ${Array.isArray(shape) ? fmtShape(shape) : String(shape)}`;
  }
  if (!Array.isArray(strides) || strides.length !== shape.length || !strides.every((s) => Number.isSafeInteger(s) && s >= 0)) {
    return `strides must be ${shape.length} non-negative integer${shape.length === 1 ? '' : 's'} for shape ${fmtShape(shape)}, got ${Array.isArray(strides) ? fmtShape(strides) : String(strides)}`;
  }
  if (!Number.isSafeInteger(offset) || offset < 0) return `offset must be a non-negative integer, got ${offset}`;
  if (shape.includes(0)) return null;
  let last = offset;
  for (let i = 0; i < shape.length; i++) last += (shape[i]! - 1) * strides[i]!;
  if (last < data.length) return null;
  return `a buffer of ${data.length} element${data.length === 1 ? '' : 's'} cannot hold shape ${fmtShape(shape)} with strides ${fmtShape(strides)} at offset ${offset} (it reaches element ${last})`;
}
