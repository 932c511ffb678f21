import { defineElementwise, elementwise_, fullLike, type Tensor } from '@tensile/tensor';
import { Optimizer, type Hyper, BUILTIN } from './optimizer.js';

export type AdaGradHyper = { lr: number; eps: number; lrDecay: number; initialAccumulatorValue: number; weightDecay: number };

/** `cache`: the sum of squared gradients; `t`: this parameter's update count (for `lrDecay`). */
export type AdaGradState = { cache: Tensor; t: number };

/**
 * AdaGrad, the reference notebook's: large gradients shrink a weight's effective learning rate.
 *
 *     cache ← cache + g²;   θ ← θ − lr·g / (√cache + eps)
 *
 * Defaults: `lr = 0.01, eps = 1e-7, clipNorm = null`. PyTorch's extras: `lrDecay` (the step's rate is
 * `lr / (1 + (t − 1)·lrDecay)`), `initialAccumulatorValue`, `weightDecay` (`g ← g + weightDecay·θ`).
 * `dialect: 'torch'` takes `torch.optim.Adagrad`'s `eps = 1e-10`. TF.js differs: its accumulator starts
 * at 0.1 and eps sits inside the square root.
 * @example
 * const opt = new AdaGrad(model, { lr: 0.05 });
 */
export class AdaGrad extends Optimizer<AdaGradHyper, AdaGradState> {
  /** Keeps no reference to a gradient past `step` (see Optimizer's gradReader). */
  static readonly [BUILTIN] = true;
  static override readonly id = 'AdaGrad';
  static override readonly defaults = { lr: 0.01, eps: 1e-7, lrDecay: 0, initialAccumulatorValue: 0, weightDecay: 0 };
  static override readonly torchDefaults = { eps: 1e-10 };

  protected initState(param: Tensor, h: Hyper<AdaGradHyper>): AdaGradState {
    return { cache: fullLike(param, h.initialAccumulatorValue), t: 0 };
  }

  protected updateParam(param: Tensor, grad: Tensor, s: AdaGradState, h: Hyper<AdaGradHyper>): void {
    (param.dtype === 'float64' ? adagradReference : adagradFused)(param, grad, s, h);
  }
}

/** This step's rate: `lr / (1 + (t − 1)·lrDecay)`. */
function stepLr(s: AdaGradState, h: Hyper<AdaGradHyper>): number {
  return h.lrDecay === 0 ? h.lr : h.lr / (1 + s.t * h.lrDecay);
}

/** The AdaGrad step as tensor ops: the reference, and the path float64 takes. `grad` is never modified. */
export function adagradReference(param: Tensor, grad: Tensor, s: AdaGradState, h: Hyper<AdaGradHyper>): void {
  const lr = stepLr(s, h);
  const g = h.weightDecay !== 0 ? grad.add(param, h.weightDecay) : grad; // L2: g ← g + λ·θ
  s.cache.addcmul_(g, g);                                                // cache ← cache + g²
  param.sub_(g.mul(lr).div(s.cache.sqrt().add(h.eps)));                  // θ ← θ − lr·g / (√cache + eps)
  s.t += 1;
}

const KERNELS = [false, true].map((l2) => defineElementwise({
  name: 'adagrad', write: ['param', 'cache'], read: ['grad'], scalars: ['lr', 'eps', ...(l2 ? ['wd'] : [])],
  body: `${l2 ? 'g = grad + param * wd' : 'g = grad'}
    cache = cache + g * g
    param = param - g * lr / (sqrt(cache) + eps)`,
}));

/** The same step as one elementwise expression in the reference's operation order (float32's fast path). */
export function adagradFused(param: Tensor, grad: Tensor, s: AdaGradState, h: Hyper<AdaGradHyper>): void {
  const l2 = h.weightDecay !== 0;
  elementwise_(KERNELS[+l2]!, { param, cache: s.cache, grad }, { lr: stepLr(s, h), eps: h.eps, ...(l2 ? { wd: h.weightDecay } : {}) });
  s.t += 1;
}
