import { defineElementwise, elementwise_, zerosLike, type ElementwiseKernel, type Tensor } from '@tensile/tensor';
import { rules } from './hyperparams.js';
import { Optimizer, type Hyper, BUILTIN } from './optimizer.js';

export type AdamHyper = { lr: number; decay1: number; decay2: number; eps: number; weightDecay: number; amsgrad: boolean };

/** The notebook's per-parameter `t`, `mean` and `var`; `maxVar` for amsgrad. */
export type AdamState = { t: number; mean: Tensor; var: Tensor; maxVar: Tensor | null };

/**
 * The Adam step as tensor ops: the reference, and the path float64 takes (so the notebook lockstep is exact).
 * `decoupled` is AdamW's weight decay. `grad` is never modified.
 */
export function adamReference(param: Tensor, grad: Tensor, s: AdamState, h: Hyper<AdamHyper>, decoupled: boolean): void {
  const { lr, decay1, decay2, eps, weightDecay } = h;
  const t = s.t + 1;
  let g = grad;
  if (decoupled) param.mul_(1 - lr * weightDecay);           // AdamW: θ ← θ·(1 − lr·λ)
  else if (weightDecay !== 0) g = g.add(param, weightDecay); // L2: g ← g + λ·θ
  s.mean.mul_(decay1).add_(g, 1 - decay1);                   // mean ← β₁·mean + (1 − β₁)·g
  s.var.mul_(decay2).addcmul_(g, g, 1 - decay2);             // var ← β₂·var + (1 − β₂)·g²
  let v = s.var;
  if (s.maxVar !== null) {                                   // amsgrad: the running maximum of var
    v = s.maxVar.maximum_(s.var);
  }
  const mHat = s.mean.div(1 - decay1 ** t), vHat = v.div(1 - decay2 ** t);
  param.sub_(mHat.mul(lr).div(vHat.sqrt().add(eps)));      // θ ← θ − lr·m̂ / (√v̂ + eps)
  s.t = t;
}

/**
 * The same step as one elementwise expression, in the reference's operation order (float64 through it equals
 * the reference to the last bits), except float32 without amsgrad, which folds the bias corrections into
 * `lrBc1 = lr/(1 − β₁ᵗ)` and `invSqrtBc2 = 1/√(1 − β₂ᵗ)`: one square root and one division per element, a
 * change of a few double ulps, far below float32's rounding. That form is also what the wasm backend runs
 * with SIMD (it recognises the expression, not the optimizer).
 */
function adamKernel(l2: boolean, amsgrad: boolean, folded: boolean): ElementwiseKernel {
  const g = l2 ? 'gi' : 'grad';
  const head = l2 ? `gi = grad + param * wd\n` : '';
  const moments = `mean = mean * decay1 + ${g} * c1\nvar = var * decay2 + ${g} * ${g} * c2\n`;
  if (folded) {
    return defineElementwise({
      name: 'adam', write: ['param', 'mean', 'var'], read: ['grad'],
      scalars: ['decay1', 'decay2', 'c1', 'c2', 'lrBc1', 'invSqrtBc2', 'eps', 'scale', ...(l2 ? ['wd'] : [])],
      body: `${head}${moments}param = param * scale - lrBc1 * mean / (sqrt(var) * invSqrtBc2 + eps)`,
    });
  }
  const v = amsgrad ? 'maxVar' : 'var';
  return defineElementwise({
    name: 'adam', write: ['param', 'mean', 'var', ...(amsgrad ? ['maxVar'] : [])], read: ['grad'],
    scalars: ['decay1', 'decay2', 'c1', 'c2', 'bc1', 'bc2', 'lr', 'eps', 'scale', ...(l2 ? ['wd'] : [])],
    body: `${head}${moments}${amsgrad ? 'maxVar = max(maxVar, var)\n' : ''}param = param * scale - mean / bc1 * lr / (sqrt(${v} / bc2) + eps)`,
  });
}
const KERNELS = new Map<string, ElementwiseKernel>();
function kernel(l2: boolean, amsgrad: boolean, folded: boolean): ElementwiseKernel {
  const key = `${+l2}${+amsgrad}${+folded}`;
  let k = KERNELS.get(key);
  if (k === undefined) KERNELS.set(key, (k = adamKernel(l2, amsgrad, folded)));
  return k;
}

/** The Adam step through `elementwise_` (the fast path float32 takes). */
export function adamFused(param: Tensor, grad: Tensor, s: AdamState, h: Hyper<AdamHyper>, decoupled: boolean): void {
  const { lr, decay1, decay2, eps, weightDecay: wd } = h;
  const t = s.t + 1, l2 = !decoupled && wd !== 0, amsgrad = s.maxVar !== null;
  const bc1 = 1 - decay1 ** t, bc2 = 1 - decay2 ** t;
  // AdamW shrinks θ before the step; θ·1 is exact, so plain Adam pays a multiply, not another kernel.
  const scale = decoupled ? 1 - lr * wd : 1;
  const folded = !amsgrad && param.dtype === 'float32';
  const scalars: Record<string, number> = folded
    ? { decay1, decay2, c1: 1 - decay1, c2: 1 - decay2, lrBc1: lr / bc1, invSqrtBc2: 1 / Math.sqrt(bc2), eps, scale }
    : { decay1, decay2, c1: 1 - decay1, c2: 1 - decay2, bc1, bc2, lr, eps, scale };
  if (l2) scalars.wd = wd;
  const tensors: Record<string, Tensor> = { param, mean: s.mean, var: s.var, grad };
  if (amsgrad) tensors.maxVar = s.maxVar!;
  elementwise_(kernel(l2, amsgrad, folded), tensors, scalars);
  s.t = t;
}

/**
 * Adam, the reference notebook's, with a per-parameter step `t`:
 *
 *     mean ← decay1·mean + (1 − decay1)·g;   var ← decay2·var + (1 − decay2)·g²
 *     θ ← θ − lr·m̂ / (√v̂ + eps),   m̂ = mean / (1 − decay1ᵗ),   v̂ = var / (1 − decay2ᵗ)
 *
 * Defaults: `lr = 0.001, decay1 = 0.9, decay2 = 0.999, eps = 1e-7, clipNorm = null` (the notebook's
 * markdown swaps m̂ and v̂; its code, followed here, is right). PyTorch's extras: `weightDecay`
 * (L2, `g ← g + weightDecay·θ`; see AdamW for the decoupled form) and `amsgrad` (v̂ from the running
 * maximum of var). PyTorch's `betas` are `[decay1, decay2]`; `dialect: 'torch'` takes its
 * `eps = 1e-8`. TF.js keeps one global β-power per optimizer instead of a per-parameter `t`.
 *
 * float64 runs `adamReference` (tensor ops), float32 `adamFused` (one elementwise pass).
 * @example
 * const opt = new Adam(model, { lr: 1e-3 });
 */
export class Adam extends Optimizer<AdamHyper, AdamState> {
  /** Keeps no reference to a gradient past `step` (see Optimizer's gradReader). */
  static readonly [BUILTIN] = true;
  static override readonly id: string = 'Adam';
  static override readonly defaults = { lr: 0.001, decay1: 0.9, decay2: 0.999, eps: 1e-7, weightDecay: 0, amsgrad: false };
  static override readonly torchDefaults = { eps: 1e-8 };
  static override readonly rules = { decay1: rules.decayRate, decay2: rules.decayRate };

  /** AdamW's decoupled weight decay (θ shrinks by 1 − lr·weightDecay) instead of L2 in the gradient. */
  protected readonly decoupled: boolean = false;

  protected initState(param: Tensor, h: Hyper<AdamHyper>): AdamState {
    return { t: 0, mean: zerosLike(param), var: zerosLike(param), maxVar: h.amsgrad ? zerosLike(param) : null };
  }

  protected updateParam(param: Tensor, grad: Tensor, s: AdamState, h: Hyper<AdamHyper>): void {
    (param.dtype === 'float64' ? adamReference : adamFused)(param, grad, s, h, this.decoupled);
  }
}
