import { AnomalyError, AutogradError, DeviceError } from '../errors.js';
import { anyDevice, getBackend } from '../backend/registry.js';
import { fmtShape, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { isAnomalyEnabled, isGradEnabled, setGradEnabled } from './grad-mode.js';
import { checkForward } from './guard.js';
import type { BackwardGroup } from './hooks.js';
import { currentPass, currentScope, guardOn, recorder, watching, type ModuleScope } from './instrument.js';

// An untracked call needs no input's gradient: these shared frozen lists stand for `inputs.map(() => false)`.
const NO_GRADS: readonly (readonly boolean[])[] = [0, 1, 2, 3, 4].map((n) => Object.freeze(new Array<boolean>(n).fill(false)));

// Most ops save nothing (add, sub, views): they share this frozen empty list instead of allocating two.
const NOTHING_SAVED: never[] = [];
Object.freeze(NOTHING_SAVED);

/** What an op's forward leaves for its backward. */
export class OpContext<A> {
  /** Tensors saved by forward (inputs or the output); dropped after backward unless `retainGraph`. */
  saved: Tensor[] = NOTHING_SAVED;
  /** Each saved tensor's storage version when it was saved; backward refuses one that has moved. */
  savedVersions: number[] = NOTHING_SAVED;
  /** Set once backward has released `saved`. */
  freed = false;
  constructor(
    readonly op: string,
    readonly attrs: A,
    /** Per input: whether it needs a gradient. Backward returns null for the others. */
    readonly needsInputGrad: readonly boolean[],
    /** Whether the op is being recorded; when it is not, nothing needs saving and `save` keeps nothing. */
    readonly recording = true,
  ) {}

  /**
   * Saves tensors for backward and returns the first, so `return ctx.save(y)` reads naturally. Save only
   * what backward reads: a saved tensor written in place before backward makes backward throw.
   */
  save<T extends Tensor>(first: T, ...rest: Tensor[]): T {
    if (!this.recording) return first;
    this.startSaving();
    this.saved.push(first);
    this.savedVersions.push(first.versionCounter.value);
    for (const t of rest) {
      this.saved.push(t);
      this.savedVersions.push(t.versionCounter.value);
    }
    return first;
  }

  /**
   * Saves up to three tensors like `save`, but checks a tensor's version only where its bit in `checked` is
   * set (bit 0 for `a`, bit 1 for `b`, bit 2 for `c`). PyTorch saves `b` of `a·b` only when `a` needs a
   * gradient; here `b` is saved either way (backward may read its layout), and writing to it in place is an
   * error only when a gradient that needs its values is wanted.
   * @example ctx.saveChecked((needs[1] ? 1 : 0) | (needs[0] ? 2 : 0), a, b) // a feeds b's gradient, b feeds a's
   */
  saveChecked(checked: number, a: Tensor, b?: Tensor, c?: Tensor): void {
    if (!this.recording) return;
    this.startSaving();
    this.saved.push(a);
    this.savedVersions.push(checked & 1 ? a.versionCounter.value : -1);
    if (b === undefined) return;
    this.saved.push(b);
    this.savedVersions.push(checked & 2 ? b.versionCounter.value : -1);
    if (c === undefined) return;
    this.saved.push(c);
    this.savedVersions.push(checked & 4 ? c.versionCounter.value : -1);
  }

  private startSaving(): void {
    if (this.saved === NOTHING_SAVED) {
      this.saved = [];
      this.savedVersions = [];
    }
  }

  /** Drops the saved tensors (backward does, unless `retainGraph`). */
  release(): void {
    this.saved = NOTHING_SAVED;
    this.savedVersions = NOTHING_SAVED;
    this.freed = true;
  }

  /**
   * Throws an AutogradError when a saved tensor was written in place after it was saved (PyTorch's
   * "modified by an inplace operation"): its values are no longer the ones the gradient formula needs.
   */
  checkSavedVersions(caller: string): void {
    for (let i = 0; i < this.saved.length; i++) {
      const t = this.saved[i]!;
      const now = t.versionCounter.value;
      if (now === this.savedVersions[i] || this.savedVersions[i] === -1) continue;
      const by = t.versionCounter.lastWrite ? ` (last by ${t.versionCounter.lastWrite})` : '';
      throw new AutogradError(
        `${caller}: a ${t.dtype} tensor of shape ${fmtShape(t.shape)} that ${this.op} saved for its backward was modified in place${by}: ` +
          `it is at version ${now}, but ${this.op} saved it at version ${this.savedVersions[i]}. ` +
          'Clone it before modifying it in place (x.clone()), or modify it after backward().',
      );
    }
  }
}

export type BackwardFn<A> = (ctx: OpContext<A>, grad: Tensor) => readonly (Tensor | null)[];

/** A recorded application of an op: what `backward()` walks. */
export interface Node {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly ctx: OpContext<unknown>;
  readonly backward: BackwardFn<unknown>;
  /** The stack where the op ran, kept only under anomaly detection. */
  readonly createdAt: string | undefined;
  /** The module call the op ran in, kept only while the NaN guard or the profiler is on (else null). */
  readonly scope: ModuleScope | null;
  /** For the identity views of a `BackwardGroup` (module backward hooks): the group and this view's place in it. */
  readonly group?: BackwardGroup;
  readonly index?: number;
}

export interface OpDef<I extends readonly Tensor[], A> {
  /** The public function's name: errors and anomaly reports use it. */
  name: string;
  /** Computes the output with backend kernels only; saves what backward needs with `ctx.save`. */
  forward(ctx: OpContext<A>, inputs: I): Tensor;
  /** One gradient per input, written with Tensor ops (so higher-order gradients work). Absent: not differentiable. */
  backward?: BackwardFn<A>;
}

export type OpFn<I extends readonly Tensor[], A> = (inputs: I, attrs: A) => Tensor;

/**
 * Backward functions of Tensile's own ops, which keep no reference to the gradients they are handed or
 * make: the engine may free the storage of a backward pass made only of them (engine.ts). An op defined by
 * a user (the public `defineOp`) may keep one, so a pass through it frees nothing early.
 */
const builtinBackwards = new WeakSet<BackwardFn<unknown>>();

/** @internal Whether `fn` is the backward of a Tensile op (see `builtinBackwards`). */
export const isBuiltinBackward = (fn: BackwardFn<unknown>): boolean => builtinBackwards.has(fn);

/**
 * Defines a differentiable primitive (the public form of `defineOp`): its backward may keep references to
 * gradients, so the engine frees nothing early in a pass through it.
 */
export function defineCustomOp<I extends readonly Tensor[], A = undefined>(def: OpDef<I, A>): OpFn<I, A> {
  return defineOpImpl(def, false);
}

/**
 * Defines a differentiable primitive. The returned function runs `forward` with grad mode off and, when
 * grad mode is on and an input requires grad, gives the output a graph node pointing at `backward`.
 */
export function defineOp<I extends readonly Tensor[], A = undefined>(def: OpDef<I, A>): OpFn<I, A> {
  return defineOpImpl(def, true);
}

function defineOpImpl<I extends readonly Tensor[], A>(def: OpDef<I, A>, builtin: boolean): OpFn<I, A> {
  const { name, forward, backward } = def;
  if (builtin && backward !== undefined) builtinBackwards.add(backward as BackwardFn<unknown>);
  const call = (inputs: I, attrs: A): Tensor => {
    if (anyDevice()) checkDevices(name, inputs);
    let record = false;
    if (backward !== undefined && isGradEnabled()) {
      for (const t of inputs) if (t.requiresGrad) record = true;
    }
    const needs = record ? inputs.map((t) => t.requiresGrad) : (NO_GRADS[inputs.length] ?? inputs.map(() => false));
    const ctx = new OpContext<A>(name, attrs, needs, record);
    const prev = setGradEnabled(false);
    let out: Tensor;
    try {
      out = forward(ctx, inputs);
    } finally {
      setGradEnabled(prev);
    }
    if (inputs.includes(out)) out = out.detach();
    if (isAnomalyEnabled()) checkFinite(name, 'forward', out, inputs.map((t) => t.shape), undefined);
    if (record) {
      out.setNode({
        op: name,
        inputs,
        ctx: ctx as OpContext<unknown>,
        backward: backward as BackwardFn<unknown>,
        createdAt: isAnomalyEnabled() ? new Error().stack : undefined,
        scope: currentScope,
      });
    }
    return out;
  };
  // The one flag the hot path reads: the guard and the profiler take the instrumented path.
  return (inputs: I, attrs: A): Tensor => (watching ? instrumented(name, call, inputs, attrs) : call(inputs, attrs));
}

/** Where a tensor's storage lives: 'cpu' for a typed array, else its device. */
const deviceOf = (t: Tensor): string => (t.isHost ? 'cpu' : (t.storage as { device: string }).device);

/**
 * Refuses inputs that the current backend cannot read: a device backend reads only its own device's tensors,
 * a CPU backend only typed arrays (PyTorch's "Expected all tensors to be on the same device"). Runs only once a
 * device backend has been installed, so CPU-only programs never pay for it.
 */
function checkDevices(op: string, inputs: readonly Tensor[]): void {
  const want = getBackend().device ?? 'cpu';
  for (let i = 0; i < inputs.length; i++) {
    const got = deviceOf(inputs[i]!);
    if (got === want) continue;
    throw new DeviceError(
      `${op}: expected all tensors on ${want} (backend ${getBackend().name}), but input ${i} (shape ${fmtShape(inputs[i]!.shape)}) is on ${got}; ` +
        (want === 'cpu' ? `read it with await t.toTypedArrayAsync() and build a tensor from the values` : `make it while backend ${getBackend().name} is current`),
    );
  }
}

/** An op's call while the guard or the profiler is on: timed, and its output checked. */
function instrumented<I extends readonly Tensor[], A>(name: string, call: OpFn<I, A>, inputs: I, attrs: A): Tensor {
  const rec = recorder;
  const token = rec === null ? -1 : rec.begin(name, 'op', currentScope);
  let out: Tensor;
  try {
    out = call(inputs, attrs);
  } finally {
    if (rec !== null) rec.end(token);
  }
  // Ops inside a backward formula or an optimizer's update are checked by the engine (each gradient) and by
  // the optimizer (each updated parameter), which name the node and the parameter; not here.
  if (guardOn && currentPass === 'forward') checkForward(name, out, inputs);
  return out;
}

/** Throws an AnomalyError when a float tensor holds NaN or ±Inf. */
export function checkFinite(op: string, phase: 'forward' | 'backward', t: Tensor, inputShapes: readonly Shape[], createdAt: string | undefined): void {
  if (t.dtype !== 'float32' && t.dtype !== 'float64') return;
  const a = t.toTypedArray();
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (!Number.isFinite(v)) {
      const where = createdAt ? `\nThe op was called at:\n${createdAt.split('\n').slice(2).join('\n')}` : '';
      throw new AnomalyError(
        `detectAnomaly: ${op} produced ${v} in its ${phase} (output shape ${fmtShape(t.shape)}, element ${i}; ` +
          `input shapes ${inputShapes.map(fmtShape).join(', ')})${where}`,
      );
    }
  }
}
