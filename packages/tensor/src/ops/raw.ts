// Graph-free helpers that op forwards use to call kernels: allocate outputs, make broadcast views.
import type { BinaryOp, UnaryOp } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { allocStorage, type DType } from '../dtype.js';
import { contiguousStrides, numelOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';

/**
 * A new zero-filled contiguous tensor; `op` names the caller in an `AllocationError` for a shape too large.
 * `zeroed` false: the contents are unspecified, for a caller whose kernel writes every element.
 */
export function empty(shape: Shape, dtype: DType, op = 'empty', zeroed = true): Tensor {
  const data = allocStorage(dtype, numelOf(shape), op, shape, zeroed);
  return new Tensor(data, [...shape], undefined, 0, null);
}

/** A 0-d tensor holding `value`. */
export function scalar(value: number, dtype: DType): Tensor {
  const t = empty([], dtype, 'scalar', false);
  const v = dtype === 'bool' ? (value ? 1 : 0) : value;
  if (t.isHost) t.data[0] = v;
  else getBackend().fill(t, v); // a device's storage
  return t;
}

/** A stride-0 view of `t` broadcast to `shape` (no graph; the caller has checked the shapes). */
export function broadcastView(t: Tensor, shape: Shape): Tensor {
  const nd = shape.length;
  const strides = new Array<number>(nd).fill(0);
  for (let i = 1; i <= t.ndim; i++) {
    if (t.shape[t.ndim - i] !== 1) strides[nd - i] = t.strides[t.ndim - i]!;
  }
  return t.viewAs([...shape], strides, t.offset);
}

export function unaryK(op: UnaryOp, x: Tensor, dtype: DType = x.dtype, p?: number, q?: number): Tensor {
  const out = empty(x.shape, dtype, op, false);
  getBackend().unary(op, x, out, p, q);
  return out;
}

/** The binary ops that compare (their result is bool). */
export const COMPARISONS: ReadonlySet<string> = new Set<BinaryOp>(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);

/** `a op b` for operands of the output's shape (broadcast views allowed). */
export function binaryK(op: BinaryOp, a: Tensor, b: Tensor, dtype: DType): Tensor {
  // NOTE: bool arithmetic runs in int32 and converts back (nonzero → true), so bool + bool is a logical
  // or, as in PyTorch, and a bool tensor never stores a 2.
  if (dtype === 'bool' && !COMPARISONS.has(op)) return copyK(binaryK(op, a, b, 'int32'), 'bool');
  const out = empty(a.shape, dtype, op, false);
  getBackend().binary(op, a, b, out);
  return out;
}

/** A contiguous copy converted to `dtype`. */
export function copyK(x: Tensor, dtype: DType = x.dtype, op = 'copy'): Tensor {
  const out = empty(x.shape, dtype, op, false);
  getBackend().copy(x, out);
  return out;
}

/** `x` itself when it is contiguous with no offset, else a contiguous copy. */
export function contiguousK(x: Tensor): Tensor {
  if (x.offset === 0 && x.isContiguous && x.storage.length === x.numel) return x;
  return copyK(x);
}

export { contiguousStrides };
