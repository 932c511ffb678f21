// Elementwise expressions on tensors (expr.ts): `elementwise_` checks the tensors against the kernel, lays
// them out as contiguous runs, and runs the backend's `elementwise`, one pass over memory instead of one pass
// (and one new array) per tensor op. The optimizers' fast path; it knows nothing about optimizers.
import { guardOn } from '../autograd/instrument.js';
import { noteCheckedUpdate } from '../autograd/guard.js';
import { getBackend } from '../backend/registry.js';
import { isFloat } from '../dtype.js';
import type { Storage } from '../storage.js';
import { DTypeError, ShapeError } from '../errors.js';
import type { ElementwiseKernel } from '../expr.js';
import { fmtShape, shapesEqual } from '../shape.js';
import { checkWritable } from './inplace.js';
import { Tensor } from '../tensor.js';
import { copyK } from './raw.js';

/**
 * `t`'s elements as one contiguous run of its own storage, or null when it is not contiguous: a subarray of a
 * typed array; a device's storage only when `t` covers all of it (a kernel gets whole storages).
 */
function run(t: Tensor): Storage | null {
  if (!t.isContiguous) return null;
  if (t.isHost) return t.data.subarray(t.offset, t.offset + t.numel);
  return t.offset === 0 && t.storage.length === t.numel ? t.storage : null;
}

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

/**
 * Runs an elementwise expression (`defineElementwise`) in place: every tensor the kernel writes is updated,
 * element by element, from the tensors it reads and the `scalars`. The written tensors are float32 or
 * float64, all of the first one's dtype and shape, each with its own storage; read tensors have that shape
 * and any float dtype (they are converted). Any layout works: views are updated through contiguous copies.
 * Like the other in-place ops, it refuses a tensor that requires grad while grad mode is on, and bumps the
 * version counter of every written tensor. Everything is checked before anything changes. The arithmetic
 * runs in doubles in the written order and is rounded once on store (a backend's own kernel for a
 * recognised float32 expression computes in float32). With the NaN guard on, the first written tensor's new
 * values are checked in the same pass (`checkParamUpdate` then needs no second one).
 * @example
 * const lion = defineElementwise({
 *   name: 'lion', write: ['param', 'mean'], read: ['grad'], scalars: ['b1', 'c1', 'b2', 'c2', 'shrink', 'lr'],
 *   body: 'param = param * shrink - sign(mean * b1 + grad * c1) * lr; mean = mean * b2 + grad * c2',
 * });
 * noGrad(() => elementwise_(lion, { param: w, mean, grad: w.grad! }, { b1: 0.9, c1: 0.1, b2: 0.99, c2: 0.01, shrink: 1, lr: 1e-4 }));
 */
export function elementwise_(kernel: ElementwiseKernel, tensors: Readonly<Record<string, Tensor>>, scalars: Readonly<Record<string, number>> = {}): void {
  if (typeof kernel !== 'object' || kernel === null || typeof kernel.canonical !== 'string') {
    throw new TypeError(`elementwise_: kernel must come from defineElementwise, got ${describe(kernel)}`);
  }
  const op = `elementwise_(${kernel.name})`;
  if (typeof tensors !== 'object' || tensors === null) throw new TypeError(`${op}: tensors must be an object { name: tensor }, got ${describe(tensors)}`);
  if (typeof scalars !== 'object' || scalars === null) throw new TypeError(`${op}: scalars must be an object { name: number }, got ${describe(scalars)}`);
  const names = [...kernel.write, ...kernel.read];
  for (const key of Object.keys(tensors)) if (!names.includes(key)) throw new TypeError(`${op}: unexpected tensor "${key}" (the kernel takes ${names.join(', ')})`);
  for (const key of Object.keys(scalars)) if (!kernel.scalars.includes(key)) throw new TypeError(`${op}: unexpected scalar "${key}" (the kernel takes ${kernel.scalars.join(', ') || 'none'})`);
  const ts = names.map((n) => {
    const t = tensors[n];
    if (!(t instanceof Tensor)) throw new TypeError(`${op}: ${n} must be a Tensor, got ${describe(t)}`);
    return t;
  });
  const values = kernel.scalars.map((n) => {
    const v = scalars[n];
    if (typeof v !== 'number') throw new TypeError(`${op}: scalar ${n} must be a number, got ${describe(v)}`);
    if (!Number.isFinite(v)) throw new RangeError(`${op}: scalar ${n} must be finite, got ${String(v)}`);
    return v;
  });
  const first = ts[0]!, nWrite = kernel.write.length;
  ts.forEach((t, i) => {
    if (!isFloat(t.dtype)) throw new DTypeError(`${op}: ${names[i]} must be float32 or float64, got ${t.dtype}`);
    if (i > 0 && !shapesEqual(t.shape, first.shape)) throw new ShapeError(`${op}: ${names[i]} has shape ${fmtShape(t.shape)} but ${names[0]} has shape ${fmtShape(first.shape)}`);
    if (i > 0 && i < nWrite && t.dtype !== first.dtype) throw new DTypeError(`${op}: ${names[i]} is ${t.dtype} but ${names[0]} is ${first.dtype}`);
  });
  const targets = ts.slice(0, nWrite);
  targets.forEach((t, i) => {
    checkWritable(op, t, { name: names[i] });
    const other = targets.findIndex((u, j) => j < i && u.storage === t.storage);
    if (other >= 0) throw new TypeError(`${op}: ${names[i]} shares its storage with ${names[other]}; each written tensor must have its own`);
  });

  const copies = targets.map((t) => (run(t) === null ? copyK(t) : null));
  const arrays = targets.map((t, i) => copies[i]?.storage ?? run(t)!);
  for (const t of ts.slice(nWrite)) {
    const own = t.dtype === first.dtype && !targets.some((u) => u.storage === t.storage) ? run(t) : null;
    arrays.push(own ?? copyK(t, first.dtype).storage);
  }
  const finite = getBackend().elementwise(kernel, arrays, values, guardOn);
  copies.forEach((c, i) => c && getBackend().copy(c, targets[i]!));
  for (const t of targets) t.versionCounter.bump(op);
  // The NaN guard reads this instead of checking the tensor a second time (checkParamUpdate).
  if (guardOn) noteCheckedUpdate(first, finite);
}
