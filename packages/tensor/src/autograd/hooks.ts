// Hooks the backward pass calls: gradient hooks on tensors (`tensor.registerHook`), and groups of tensors
// whose gradients are handed to one callback together (what @tensile/nn's full backward hooks are made of).
import { AutogradError } from '../errors.js';
import { fmtShape, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { isGradEnabled } from './grad-mode.js';
import { OpContext } from './op.js';

let nextHandleId = 0;

/** What `registerHook` and the module hook registrations return: `remove()` unregisters the hook. */
export class RemovableHandle {
  /** A number unique to this registration. */
  readonly id = nextHandleId++;
  private removeFn: (() => void) | null;
  constructor(remove: () => void) {
    this.removeFn = remove;
  }

  /** Unregisters the hook; calling it again does nothing. */
  remove(): void {
    const fn = this.removeFn;
    this.removeFn = null;
    fn?.();
  }
}

/** A gradient hook: sees the gradient of a tensor; a returned tensor replaces it (same shape). */
export type TensorHook = (grad: Tensor) => Tensor | void | undefined | null;

/** Runs `hooks` in order on `g`, each seeing the previous one's result. */
export function runTensorHooks(hooks: readonly TensorHook[], g: Tensor, owner: Tensor): Tensor {
  for (const hook of [...hooks]) {
    const out = hook(g);
    if (out === undefined || out === null) continue;
    if (typeof (out as Partial<Tensor>).shape !== 'object') {
      throw new TypeError(`registerHook: a hook must return a Tensor or nothing, got ${typeof out}`);
    }
    if (!shapesEqual(out.shape, g.shape)) {
      throw new AutogradError(`registerHook: a hook changed the gradient's shape from ${fmtShape(g.shape)} to ${fmtShape(out.shape)}`);
    }
    g = out.dtype === owner.dtype ? out : out.to(owner.dtype);
  }
  return g;
}

/**
 * Gradients of several tensors handed to one callback together, once every one of them is known (PyTorch's
 * `BackwardHookFunction`): the callback may return replacements, which then flow on to the tensors'
 * producers. A member that got no gradient is given zeros, as PyTorch materializes them.
 */
export class BackwardGroup {
  /** The group's inputs (the tensors that were wrapped), in order. */
  readonly inputs: Tensor[];
  constructor(
    readonly op: string,
    inputs: Tensor[],
    readonly onGrads: (grads: Tensor[]) => readonly (Tensor | null | undefined)[] | void,
  ) {
    this.inputs = inputs;
  }
}

/**
 * Wraps the tensors of `values` that require grad in identity views that share one `BackwardGroup`; the
 * others pass through. Returns `values` unchanged when grad mode is off or none requires grad.
 */
export function groupForBackward<T>(op: string, values: readonly T[], onGrads: BackwardGroup['onGrads'], isTensor: (v: unknown) => v is Tensor): T[] {
  if (!isGradEnabled()) return [...values];
  const members = values.filter((v): v is T & Tensor => isTensor(v) && v.requiresGrad);
  if (members.length === 0) return [...values];
  const group = new BackwardGroup(op, members, onGrads);
  const ctx = new OpContext<undefined>(op, undefined, members.map(() => true), true);
  let k = 0;
  return values.map((v) => {
    if (!isTensor(v) || !v.requiresGrad) return v;
    const view = v.viewAs(v.shape, v.strides, v.offset);
    view.setNode({ op, inputs: members, ctx, backward: () => [], createdAt: undefined, scope: null, group, index: k++ });
    return view as unknown as T;
  });
}
