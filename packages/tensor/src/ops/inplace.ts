// In-place updates for optimizers and initialisers. They record no graph, so they refuse a tensor
// that requires grad while grad mode is on (wrap the update in noGrad, as optimizers do).
import type { UnaryOp } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { isGradEnabled, noGrad } from '../autograd/grad-mode.js';
import { checkInt32, isFloat, promoteTypes } from '../dtype.js';
import { AutogradError, DTypeError, ShapeError } from '../errors.js';
import { broadcastShapes, fmtShape, hasInternalOverlap, shapesEqual } from '../shape.js';
import { checkTensor, describeValue } from '../check.js';
import { Tensor, type TensorOrScalar } from '../tensor.js';
import { checkFitsInt32, clampBounds, div, mul } from './elementwise.js';
import { broadcastView, copyK, scalar } from './raw.js';
import { fma32, fma64 } from '../fma.js';

/**
 * Checks that `t` may be written in place: a Tensor, not one that requires grad while grad mode is on, and
 * not a view where several elements share one memory location (an expanded tensor: each would be written
 * more than once, as PyTorch refuses too).
 */
export function checkWritable(op: string, t: Tensor, opts: { name?: string; sameValue?: boolean } = {}): void {
  const { name, sameValue = false } = opts;
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: ${name ?? 'the target'} must be a Tensor, got ${describeValue(t)}`);
  if (t.requiresGrad && isGradEnabled()) {
    throw new AutogradError(
      `${op}: cannot modify ${name ? `${name}, ` : ''}a tensor that requires grad (shape ${fmtShape(t.shape)}) in place while grad mode is on; wrap the update in noGrad(() => …)`,
    );
  }
  if (!sameValue && hasInternalOverlap(t.shape, t.strides)) {
    throw new ShapeError(
      `${op}: more than one element of ${name ?? 'the target'} (shape ${fmtShape(t.shape)}, strides ${fmtShape(t.strides)}) refers to the same memory location, ` +
        'as in an expanded tensor; clone() it before writing to it in place',
    );
  }
}

/**
 * Checks `t`, runs the write, and bumps the storage's version (only once the write has happened).
 * `sameValue`: the write stores one value everywhere (fill_, zero_), which PyTorch allows even where
 * elements share memory, since writing a location twice with the same value is harmless.
 */
function inPlace(op: string, t: Tensor, write: () => void, sameValue = false): void {
  checkWritable(op, t, { sameValue });
  write();
  t.versionCounter.bump(op);
}

/** `other` as a view of `t`'s shape, checked for broadcast and dtype, copied if it aliases `t`'s storage. */
function operand(op: string, t: Tensor, other: TensorOrScalar): Tensor {
  if (typeof other === 'number') {
    if (t.dtype === 'int32') checkInt32(op, 'the number', other);
    if (!isFloat(t.dtype) && !Number.isInteger(other)) {
      throw new DTypeError(`${op}: cannot write the non-integer ${other} into a ${t.dtype} tensor in place`);
    }
    return broadcastView(scalar(other, t.dtype), t.shape);
  }
  if (!(other instanceof Tensor)) throw new TypeError(`${op}: the operand must be a Tensor or a number`);
  if (!isFloat(t.dtype) && isFloat(other.dtype) && promoteTypes(t.dtype, other.dtype) !== t.dtype) {
    throw new DTypeError(`${op}: the result of a ${other.dtype} operand cannot be written into a ${t.dtype} tensor in place`);
  }
  if (!shapesEqual(broadcastShapes(op, t.shape, other.shape), t.shape)) {
    throw new ShapeError(`${op}: an operand of shape ${fmtShape(other.shape)} cannot be broadcast to the target's shape ${fmtShape(t.shape)}`);
  }
  const src = other.storage === t.storage ? copyK(other) : other;
  return broadcastView(src, t.shape);
}

/** `t += alpha·other` in place. */
export function add_(t: Tensor, other: TensorOrScalar, alpha = 1): void {
  inPlace('add_', t, () => getBackend().binary('add', t, operand('add_', t, scaledOperand(other, alpha)), t));
}

/** `t −= alpha·other` in place. */
export function sub_(t: Tensor, other: TensorOrScalar, alpha = 1): void {
  inPlace('sub_', t, () => getBackend().binary('sub', t, operand('sub_', t, scaledOperand(other, alpha)), t));
}

function scaledOperand(other: TensorOrScalar, alpha: number): TensorOrScalar {
  if (alpha === 1) return other;
  return typeof other === 'number' ? other * alpha : noGrad(() => mul(other, alpha));
}

/** `t *= other` in place. */
export function mul_(t: Tensor, other: TensorOrScalar): void {
  inPlace('mul_', t, () => getBackend().binary('mul', t, operand('mul_', t, other), t));
}

/** `t /= other` in place (float tensors only). */
export function div_(t: Tensor, other: TensorOrScalar): void {
  inPlace('div_', t, () => {
    if (!isFloat(t.dtype)) throw new DTypeError(`div_: true division cannot be written into a ${t.dtype} tensor in place`);
    getBackend().binary('div', t, operand('div_', t, other), t);
  });
}

/** Checks that `t1` and `t2` are tensors whose broadcast product fits `t`, naming `op`. */
function checkFactors(op: string, t: Tensor, t1: Tensor, t2: Tensor): void {
  checkTensor(op, 'tensor1', t1);
  checkTensor(op, 'tensor2', t2);
  const shape = broadcastShapes(op, t1.shape, t2.shape);
  if (!shapesEqual(broadcastShapes(op, t.shape, shape), t.shape)) {
    throw new ShapeError(`${op}: the product of shapes ${fmtShape(t1.shape)} and ${fmtShape(t2.shape)} cannot be broadcast to the target's shape ${fmtShape(t.shape)}`);
  }
}

/** `t += value·t1·t2` in place. */
export function addcmul_(t: Tensor, t1: Tensor, t2: Tensor, value = 1): void {
  inPlace('addcmul_', t, () => {
    checkFactors('addcmul_', t, t1, t2);
    const prod = noGrad(() => (value === 1 ? mul(t1, t2) : mul(mul(t1, t2), value)));
    getBackend().binary('add', t, operand('addcmul_', t, prod), t);
  });
}

/** `t += value·t1/t2` in place. */
export function addcdiv_(t: Tensor, t1: Tensor, t2: Tensor, value = 1): void {
  inPlace('addcdiv_', t, () => {
    checkFactors('addcdiv_', t, t1, t2);
    const q = noGrad(() => (value === 1 ? div(t1, t2) : mul(div(t1, t2), value)));
    getBackend().binary('add', t, operand('addcdiv_', t, q), t);
  });
}

/**
 * `t ← t + weight·(end − t)` in place, as PyTorch computes it on the CPU: for `weight < 0.5`
 * `fma(weight, end − t, t)`, else `end − (end − t)·(1 − weight)` as one fused multiply-add, so `weight = 1`
 * gives `end` exactly and results match PyTorch bit for bit. `end` has `t`'s float dtype and broadcasts to its
 * shape; in float32 the weight is rounded to float32 first.
 */
export function lerp_(t: Tensor, end: Tensor, weight: number): void {
  inPlace('lerp_', t, () => {
    checkTensor('lerp_', 'end', end);
    if (typeof weight !== 'number' || !Number.isFinite(weight)) throw new TypeError(`lerp_: weight must be a finite number, got ${describeValue(weight)}`);
    if (!isFloat(t.dtype)) throw new DTypeError(`lerp_: the target must be float32 or float64, got ${t.dtype}`);
    if (end.dtype !== t.dtype) throw new DTypeError(`lerp_: end is ${end.dtype} but the target is ${t.dtype}`);
    const out = copyK(t), e = copyK(operand('lerp_', t, end));
    const x = out.data as Float32Array | Float64Array, y = e.data as Float32Array | Float64Array, n = x.length;
    const f32 = t.dtype === 'float32';
    const fma = f32 ? fma32 : fma64, round = f32 ? Math.fround : (v: number) => v;
    const w = round(weight), small = w < 0.5, rest = round(1 - w);
    for (let i = 0; i < n; i++) {
      const s = x[i]!, d = round(y[i]! - s);
      x[i] = small ? fma(w, d, s) : fma(-d, rest, y[i]!);
    }
    getBackend().copy(out, t);
  });
}

/** `t ← maximum(t, other)` in place (NaN propagates, as in `maximum`); `other` broadcasts to `t`'s shape. */
export function maximum_(t: Tensor, other: Tensor): void {
  inPlace('maximum_', t, () => {
    checkTensor('maximum_', 'other', other);
    getBackend().binary('maximum', t, operand('maximum_', t, other), t);
  });
}

/** `t ← minimum(t, other)` in place (NaN propagates, as in `minimum`); `other` broadcasts to `t`'s shape. */
export function minimum_(t: Tensor, other: Tensor): void {
  inPlace('minimum_', t, () => {
    checkTensor('minimum_', 'other', other);
    getBackend().binary('minimum', t, operand('minimum_', t, other), t);
  });
}

/** Copies `src` (broadcast to `t`'s shape, converted to its dtype) into `t`. */
export function copy_(t: Tensor, src: TensorOrScalar): void {
  inPlace('copy_', t, () => {
    if (typeof src === 'number') {
      fillValue('copy_', t, src);
      return;
    }
    if (!(src instanceof Tensor)) throw new TypeError(`copy_: the source must be a Tensor or a number, got ${describeValue(src)}`);
    if (!shapesEqual(broadcastShapes('copy_', t.shape, src.shape), t.shape)) {
      throw new ShapeError(`copy_: a source of shape ${fmtShape(src.shape)} cannot be broadcast to the target's shape ${fmtShape(t.shape)}`);
    }
    if (t.dtype === 'int32') checkFitsInt32('copy_', src);
    const s = src.storage === t.storage ? copyK(src) : src;
    getBackend().copy(broadcastView(s, t.shape), t);
  });
}

/** Fills `t` with the number `value`, refusing what `t`'s dtype cannot hold. */
function fillValue(op: string, t: Tensor, value: number): void {
  if (typeof value !== 'number') throw new TypeError(`${op}: the value must be a number, got ${describeValue(value)}`);
  if (t.dtype === 'int32') checkInt32(op, 'the value', value);
  getBackend().fill(t, value);
}

/** Sets every element to `value`. */
export function fill_(t: Tensor, value: number): void {
  inPlace('fill_', t, () => fillValue('fill_', t, value), true);
}

/** Sets every element to 0 (`fill_(t, 0)`, with errors that name `zero_`). */
export function zero_(t: Tensor): void {
  inPlace('zero_', t, () => getBackend().fill(t, 0), true);
}

/** Clamps in place into `[min, max]`. */
export function clamp_(t: Tensor, min?: number | null, max?: number | null): void {
  inPlace('clamp_', t, () => {
    const [lo, hi] = clampBounds('clamp_', min, max);
    getBackend().unary('clamp', t, t, lo, hi);
  });
}

/** Applies a unary kernel in place (float tensors). */
export function unary_(t: Tensor, op: UnaryOp): void {
  inPlace(`${op}_`, t, () => getBackend().unary(op, t, t));
}

