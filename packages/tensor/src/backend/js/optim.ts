// Fused optimizer steps: one pass over a parameter, each element read once and written once. Every loop
// keeps its optimizer's operation order (`a.add_(x, alpha)` is `a + x·alpha`), so float64 results equal
// the composed tensor ops bit for bit; float32 is computed in doubles and rounded once, on store.
// Each variant has its own loop. Only L2 weight decay stays a test inside the loops (`l2 ? g + θ·wd : g`):
// it is loop-invariant, so always predicted, and hoisting it too would double every loop.
import type { UpdateRule } from '../backend.js';
import type { TypedArray } from '../../dtype.js';
import { allFinite } from './finite.js';

type Rule<K extends UpdateRule['kind']> = Extract<UpdateRule, { kind: K }>;

export function update(rule: UpdateRule, param: TypedArray, grad: TypedArray, state: readonly TypedArray[], checkFinite = false): boolean {
  apply(rule, param, grad, state);
  return !checkFinite || allFinite({ data: param, shape: [param.length], strides: [1], offset: 0 });
}

function apply(rule: UpdateRule, param: TypedArray, grad: TypedArray, state: readonly TypedArray[]): void {
  switch (rule.kind) {
    case 'sgd': return sgd(rule, param, grad, state[0]!);
    case 'sgdTorch': return sgdTorch(rule, param, grad, state[0]);
    case 'adam': return adam(rule, param, grad, state[0]!, state[1]!, state[2]);
    case 'rmsprop': return rmsprop(rule, param, grad, state);
    case 'adagrad': return adagrad(rule, param, grad, state[0]!);
    default: {
      const never: never = rule;
      throw new Error(`update: unknown rule ${String((never as { kind: unknown }).kind)}`);
    }
  }
}

function sgd({ lr, momentum: mo, dampening, nesterov, weightDecay: wd }: Rule<'sgd'>, p: TypedArray, gr: TypedArray, b: TypedArray): void {
  const a = (1 - dampening) * lr, l2 = wd !== 0, n = p.length;
  if (nesterov) {
    for (let i = 0; i < n; i++) {
      const pi = p[i]!, gi = l2 ? gr[i]! + pi * wd : gr[i]!;
      const bi = b[i]! * mo + gi * a;
      b[i] = bi;
      p[i] = pi - (bi * mo + gi * lr);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const pi = p[i]!, gi = l2 ? gr[i]! + pi * wd : gr[i]!;
      const bi = b[i]! * mo + gi * a;
      b[i] = bi;
      p[i] = pi - bi;
    }
  }
}

function sgdTorch(
  { lr, momentum: mo, dampening, nesterov, weightDecay: wd, first }: Rule<'sgdTorch'>, p: TypedArray, gr: TypedArray, b: TypedArray | undefined,
): void {
  const c = 1 - dampening, l2 = wd !== 0, n = p.length;
  if (mo === 0 || b === undefined) {
    for (let i = 0; i < n; i++) {
      const pi = p[i]!, gi = l2 ? gr[i]! + pi * wd : gr[i]!;
      p[i] = pi - gi * lr;
    }
  } else if (first && nesterov) {
    for (let i = 0; i < n; i++) {
      const pi = p[i]!, gi = l2 ? gr[i]! + pi * wd : gr[i]!;
      b[i] = gi;
      p[i] = pi - (gi + gi * mo) * lr;
    }
  } else if (first) {
    for (let i = 0; i < n; i++) {
      const pi = p[i]!, gi = l2 ? gr[i]! + pi * wd : gr[i]!;
      b[i] = gi;
      p[i] = pi - gi * lr;
    }
  } else if (nesterov) {
    for (let i = 0; i < n; i++) {
      const pi = p[i]!, gi = l2 ? gr[i]! + pi * wd : gr[i]!;
      const bi = b[i]! * mo + gi * c;
      b[i] = bi;
      p[i] = pi - (gi + bi * mo) * lr;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const pi = p[i]!, gi = l2 ? gr[i]! + pi * wd : gr[i]!;
      const bi = b[i]! * mo + gi * c;
      b[i] = bi;
      p[i] = pi - bi * lr;
    }
  }
}

/**
 * The scalars of float32 Adam without amsgrad, as `adamF32` here and the wasm kernel (assembly/optim.ts)
 * take them: decay1, decay2, 1 − decay1, 1 − decay2, lr/bc1, 1/√bc2, eps, the AdamW shrink factor and
 * the L2 weight decay. The bias corrections are folded into two constants, so each element costs one
 * square root and one division instead of three divisions. The rearrangement changes the double-precision
 * value by a few ulps, far below float32's rounding; float64 keeps the reference's exact order (the
 * notebook lockstep tests compare at 1e-12).
 */
export function adamF32Scalars({ lr, decay1, decay2, eps, weightDecay: wd, decoupled, step }: Rule<'adam'>): AdamF32Scalars {
  const bc1 = 1 - decay1 ** step, bc2 = 1 - decay2 ** step;
  return [decay1, decay2, 1 - decay1, 1 - decay2, lr / bc1, 1 / Math.sqrt(bc2), eps, decoupled ? 1 - lr * wd : 1, decoupled ? 0 : wd];
}
type AdamF32Scalars = [number, number, number, number, number, number, number, number, number];

/** float32 Adam without amsgrad (see adamF32Scalars); a function of its own, so its element accesses stay monomorphic. */
function adamF32(
  p: Float32Array, gr: Float32Array, m: Float32Array, v: Float32Array,
  decay1: number, decay2: number, c1: number, c2: number, lrBc1: number, invSqrtBc2: number, eps: number, scale: number, wd: number,
): void {
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const pi = p[i]!, gi = wd !== 0 ? gr[i]! + pi * wd : gr[i]!;
    const mi = m[i]! * decay1 + gi * c1, vi = v[i]! * decay2 + gi * gi * c2;
    m[i] = mi;
    v[i] = vi;
    p[i] = pi * scale - (lrBc1 * mi) / (Math.sqrt(vi) * invSqrtBc2 + eps);
  }
}

function adam(rule: Rule<'adam'>, p: TypedArray, gr: TypedArray, m: TypedArray, v: TypedArray, vMax: TypedArray | undefined): void {
  const { lr, decay1, decay2, eps, weightDecay: wd, decoupled, step } = rule;
  const c1 = 1 - decay1, c2 = 1 - decay2, bc1 = 1 - decay1 ** step, bc2 = 1 - decay2 ** step;
  // AdamW shrinks θ before the step; θ·1 is exact, so plain Adam pays a multiply, not a branch.
  const scale = decoupled ? 1 - lr * wd : 1, l2 = !decoupled && wd !== 0, n = p.length;
  if (vMax === undefined && p instanceof Float32Array) {
    adamF32(p, gr as Float32Array, m as Float32Array, v as Float32Array, ...adamF32Scalars(rule));
  } else if (vMax === undefined) {
    for (let i = 0; i < n; i++) {
      const pi = p[i]!, gi = l2 ? gr[i]! + pi * wd : gr[i]!;
      const mi = m[i]! * decay1 + gi * c1, vi = v[i]! * decay2 + gi * gi * c2;
      m[i] = mi;
      v[i] = vi;
      p[i] = pi * scale - (mi / bc1) * lr / (Math.sqrt(vi / bc2) + eps);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const pi = p[i]!, gi = l2 ? gr[i]! + pi * wd : gr[i]!;
      const mi = m[i]! * decay1 + gi * c1, vi = v[i]! * decay2 + gi * gi * c2;
      // amsgrad: the running maximum of var, NaN propagating as in maximum().
      const x = vMax[i]!, vm = x > vi || x !== x ? x : vi;
      m[i] = mi;
      v[i] = vi;
      vMax[i] = vm;
      p[i] = pi * scale - (mi / bc1) * lr / (Math.sqrt(vm / bc2) + eps);
    }
  }
}

function rmsprop(
  { lr, decay, eps, momentum: mo, centered, weightDecay: wd }: Rule<'rmsprop'>, p: TypedArray, gr: TypedArray, state: readonly TypedArray[],
): void {
  const c = 1 - decay, l2 = wd !== 0, n = p.length;
  const cache = state[0]!, avg = state[1]!, buf = state[centered ? 2 : 1]!;
  if (!centered && mo === 0) {
    for (let i = 0; i < n; i++) {
      const pi = p[i]!, gi = l2 ? gr[i]! + pi * wd : gr[i]!;
      const ci = cache[i]! * decay + gi * gi * c;
      cache[i] = ci;
      p[i] = pi - gi * lr / (Math.sqrt(ci) + eps);
    }
  } else if (!centered) {
    for (let i = 0; i < n; i++) {
      const pi = p[i]!, gi = l2 ? gr[i]! + pi * wd : gr[i]!;
      const ci = cache[i]! * decay + gi * gi * c;
      const bi = buf[i]! * mo + gi / (Math.sqrt(ci) + eps);
      cache[i] = ci;
      buf[i] = bi;
      p[i] = pi - bi * lr;
    }
  } else if (mo === 0) {
    // Centered: the variance E[g²] − E[g]² instead of E[g²].
    for (let i = 0; i < n; i++) {
      const pi = p[i]!, gi = l2 ? gr[i]! + pi * wd : gr[i]!;
      const ci = cache[i]! * decay + gi * gi * c, ai = avg[i]! * decay + gi * c;
      cache[i] = ci;
      avg[i] = ai;
      p[i] = pi - gi * lr / (Math.sqrt(ci - ai * ai) + eps);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const pi = p[i]!, gi = l2 ? gr[i]! + pi * wd : gr[i]!;
      const ci = cache[i]! * decay + gi * gi * c, ai = avg[i]! * decay + gi * c;
      const bi = buf[i]! * mo + gi / (Math.sqrt(ci - ai * ai) + eps);
      cache[i] = ci;
      avg[i] = ai;
      buf[i] = bi;
      p[i] = pi - bi * lr;
    }
  }
}

function adagrad({ lr, eps, weightDecay: wd }: Rule<'adagrad'>, p: TypedArray, gr: TypedArray, cache: TypedArray): void {
  const l2 = wd !== 0, n = p.length;
  for (let i = 0; i < n; i++) {
    const pi = p[i]!, gi = l2 ? gr[i]! + pi * wd : gr[i]!;
    const ci = cache[i]! + gi * gi;
    cache[i] = ci;
    p[i] = pi - gi * lr / (Math.sqrt(ci) + eps);
  }
}
