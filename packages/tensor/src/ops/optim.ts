// The fused optimizer step behind the built-in optimizers: it checks everything, lays the tensors out as
// contiguous runs, and runs the backend's `update` kernel, one pass over the parameter instead of one
// pass (and one new array) per tensor op.
import type { UpdateRule } from '../backend/backend.js';
import { guardOn } from '../autograd/instrument.js';
import { noteCheckedUpdate } from '../autograd/guard.js';
import { getBackend } from '../backend/registry.js';
import { isFloat, type TypedArray } from '../dtype.js';
import { DTypeError, ShapeError } from '../errors.js';
import { fmtShape, shapesEqual } from '../shape.js';
import { checkWritable } from './inplace.js';
import { Tensor } from '../tensor.js';
import { copyK } from './raw.js';

type Kind = UpdateRule['kind'];

/** Each rule's hyperparameters and their types (a mapped type, so a field missing here does not compile). */
const FIELDS: { readonly [K in Kind]: Record<Exclude<keyof Extract<UpdateRule, { kind: K }>, 'kind'>, 'number' | 'boolean'> } = {
  sgd: { lr: 'number', momentum: 'number', dampening: 'number', nesterov: 'boolean', weightDecay: 'number' },
  sgdTorch: { lr: 'number', momentum: 'number', dampening: 'number', nesterov: 'boolean', weightDecay: 'number', first: 'boolean' },
  adam: { lr: 'number', decay1: 'number', decay2: 'number', eps: 'number', weightDecay: 'number', decoupled: 'boolean', amsgrad: 'boolean', step: 'number' },
  rmsprop: { lr: 'number', decay: 'number', eps: 'number', momentum: 'number', centered: 'boolean', weightDecay: 'number' },
  adagrad: { lr: 'number', eps: 'number', weightDecay: 'number' },
};

/** The state tensors `rule` takes, in order. */
function stateNames(rule: UpdateRule): string[] {
  switch (rule.kind) {
    case 'sgd': return ['buffer'];
    case 'sgdTorch': return rule.momentum === 0 ? [] : ['buffer'];
    case 'adam': return rule.amsgrad ? ['mean', 'var', 'maxVar'] : ['mean', 'var'];
    case 'rmsprop': return ['cache', ...(rule.centered ? ['gradAvg'] : []), ...(rule.momentum !== 0 ? ['buffer'] : [])];
    case 'adagrad': return ['cache'];
  }
}

function checkRule(rule: unknown): asserts rule is UpdateRule {
  const kind = typeof rule === 'object' && rule !== null ? (rule as { kind?: unknown }).kind : undefined;
  if (typeof kind !== 'string' || !Object.hasOwn(FIELDS, kind)) {
    throw new TypeError(`fusedUpdate_: rule.kind must be one of ${Object.keys(FIELDS).join(', ')}; got ${typeof rule === 'object' && rule !== null ? String(kind) : String(rule)}`);
  }
  const r = rule as Record<string, unknown>;
  for (const [key, type] of Object.entries(FIELDS[kind as Kind])) {
    const v = r[key];
    if (typeof v !== type) throw new TypeError(`fusedUpdate_(${kind}): ${key} must be a ${type}, got ${v === null ? 'null' : typeof v}`);
    if (type === 'number' && !Number.isFinite(v)) throw new RangeError(`fusedUpdate_(${kind}): ${key} must be finite, got ${String(v)}`);
  }
  if (kind === 'adam' && !(Number.isInteger(r.step) && (r.step as number) >= 1)) {
    throw new RangeError(`fusedUpdate_(adam): step must be an integer ≥ 1, got ${String(r.step)}`);
  }
}

/** `t`'s elements as one contiguous run of its own storage, or null when it is not contiguous. */
function run(t: Tensor): TypedArray | null {
  return t.isContiguous ? t.data.subarray(t.offset, t.offset + t.numel) : null;
}

/**
 * One optimizer step on `param`, in place, in a single pass: the rule's formula (see `UpdateRule`) updates
 * `param` and the `state` tensors from `grad`. `state` lists the rule's state tensors in order (Adam:
 * `[mean, var]`, plus `maxVar` with amsgrad). `param` is float32 or float64 and the state has its dtype
 * and shape; `grad` has its shape and any float dtype. Any layout works: views are updated through
 * contiguous copies. Like the other in-place ops, it refuses a tensor that requires grad while grad mode
 * is on. Everything is checked before anything changes. In float64 the result equals the optimizer's
 * composed tensor ops bit for bit; float32 is computed in doubles and rounded once.
 * @example
 * const mean = zerosLike(w), variance = zerosLike(w);
 * noGrad(() => fusedUpdate_({ kind: 'adam', lr: 1e-3, decay1: 0.9, decay2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, amsgrad: false, step: 1 }, w, w.grad!, [mean, variance]));
 */
export function fusedUpdate_(rule: UpdateRule, param: Tensor, grad: Tensor, state: readonly Tensor[]): void {
  checkRule(rule);
  const op = `fusedUpdate_(${rule.kind})`;
  if (!(param instanceof Tensor)) throw new TypeError(`${op}: param must be a Tensor`);
  if (!(grad instanceof Tensor)) throw new TypeError(`${op}: grad must be a Tensor`);
  const names = stateNames(rule);
  if (!Array.isArray(state) || state.length !== names.length) {
    throw new TypeError(`${op}: expected ${names.length} state tensors [${names.join(', ')}], got ${Array.isArray(state) ? state.length : String(state)}`);
  }
  if (!isFloat(param.dtype)) throw new DTypeError(`${op}: param must be float32 or float64, got ${param.dtype}`);
  if (!isFloat(grad.dtype)) throw new DTypeError(`${op}: grad must be float32 or float64, got ${grad.dtype}`);
  if (!shapesEqual(grad.shape, param.shape)) throw new ShapeError(`${op}: grad has shape ${fmtShape(grad.shape)} but param has shape ${fmtShape(param.shape)}`);
  const targets: [string, Tensor][] = [['param', param]];
  state.forEach((s, i) => {
    const label = `state[${i}] (${names[i]})`;
    if (!(s instanceof Tensor)) throw new TypeError(`${op}: ${label} must be a Tensor`);
    if (s.dtype !== param.dtype) throw new DTypeError(`${op}: ${label} is ${s.dtype} but param is ${param.dtype}`);
    if (!shapesEqual(s.shape, param.shape)) throw new ShapeError(`${op}: ${label} has shape ${fmtShape(s.shape)} but param has shape ${fmtShape(param.shape)}`);
    targets.push([label, s]);
  });
  targets.forEach(([label, t], i) => {
    checkWritable(op, t, { name: label });
    const other = targets.findIndex(([, u], j) => j < i && u.data === t.data);
    if (other >= 0) throw new TypeError(`${op}: ${label} shares its storage with ${targets[other]![0]}; each must have its own`);
  });

  const copies = targets.map(([, t]) => (run(t) === null ? copyK(t) : null));
  const arrays = targets.map(([, t], i) => copies[i]?.data ?? run(t)!);
  const ownGrad = grad.dtype === param.dtype && !targets.some(([, t]) => t.data === grad.data) ? run(grad) : null;
  const g = ownGrad ?? copyK(grad, param.dtype).data;
  const finite = getBackend().update(rule, arrays[0]!, g, arrays.slice(1), guardOn);
  copies.forEach((c, i) => c && getBackend().copy(c, targets[i]![1]));
  for (const [, t] of targets) t.versionCounter.bump(op);
  // The NaN guard reads this instead of checking the parameter a second time (checkParamUpdate).
  if (guardOn) noteCheckedUpdate(param, finite);
}
