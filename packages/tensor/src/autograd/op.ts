import { AnomalyError } from '../errors.js';
import { fmtShape, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { isAnomalyEnabled, isGradEnabled, setGradEnabled } from './grad-mode.js';

/** What an op's forward leaves for its backward. */
export class OpContext<A> {
  /** Tensors saved by forward (inputs or the output); dropped after backward unless `retainGraph`. */
  saved: Tensor[] = [];
  /** Set once backward has released `saved`. */
  freed = false;
  constructor(
    readonly op: string,
    readonly attrs: A,
    /** Per input: whether it needs a gradient. Backward returns null for the others. */
    readonly needsInputGrad: readonly boolean[],
  ) {}

  /** Saves tensors for backward and returns the first, so `return ctx.save(y)` reads naturally. */
  save<T extends Tensor>(first: T, ...rest: Tensor[]): T {
    this.saved.push(first, ...rest);
    return first;
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
 * Defines a differentiable primitive. The returned function runs `forward` with grad mode off and, when
 * grad mode is on and an input requires grad, gives the output a graph node pointing at `backward`.
 */
export function defineOp<I extends readonly Tensor[], A = undefined>(def: OpDef<I, A>): OpFn<I, A> {
  const { name, forward, backward } = def;
  return (inputs: I, attrs: A): Tensor => {
    let record = false;
    if (backward !== undefined && isGradEnabled()) {
      for (const t of inputs) if (t.requiresGrad) record = true;
    }
    const needs = record ? inputs.map((t) => t.requiresGrad) : inputs.map(() => false);
    const ctx = new OpContext<A>(name, attrs, needs);
    const prev = setGradEnabled(false);
    let out: Tensor;
    try {
      out = forward(ctx, inputs);
    } finally {
      setGradEnabled(prev);
    }
    if (inputs.includes(out)) out = out.alias();
    if (isAnomalyEnabled()) checkFinite(name, 'forward', out, inputs.map((t) => t.shape), undefined);
    if (record) {
      out.setNode({
        op: name,
        inputs,
        ctx: ctx as OpContext<unknown>,
        backward: backward as BackwardFn<unknown>,
        createdAt: isAnomalyEnabled() ? new Error().stack : undefined,
      });
    }
    return out;
  };
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
