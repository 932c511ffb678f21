import { defineElementwise, elementwise_, zerosLike, type ElementwiseKernel, type Tensor } from '@tensile/tensor';
import { rules } from './hyperparams.js';
import { Optimizer, type Hyper, BUILTIN } from './optimizer.js';

export type RMSPropHyper = { lr: number; decay: number; eps: number; momentum: number; centered: boolean; weightDecay: number };

/** `cache`: the moving average of g²; `gradAvg` (centered) of g; `buffer` (momentum). */
export type RMSPropState = { cache: Tensor; gradAvg: Tensor | null; buffer: Tensor | null };

/**
 * RMSProp, the reference notebook's: AdaGrad with a decaying average of squared gradients.
 *
 *     cache ← decay·cache + (1 − decay)·g²;   θ ← θ − lr·g / (√cache + eps)
 *
 * Defaults: `lr = 0.001, decay = 0.9, eps = 1e-7, clipNorm = null`. PyTorch's extras (its formulas):
 * `centered` (divide by `√(cache − ḡ²) + eps`, ḡ the moving average of g), `momentum`
 * (`b ← momentum·b + g/denom; θ ← θ − lr·b`) and `weightDecay`. `dialect: 'torch'` takes
 * `torch.optim.RMSprop`'s defaults: `lr = 0.01, decay (PyTorch's alpha) = 0.99, eps = 1e-8`. TF.js
 * puts eps inside the square root.
 * @example
 * const opt = new RMSProp(model, { lr: 1e-3, decay: 0.9 });
 */
export class RMSProp extends Optimizer<RMSPropHyper, RMSPropState> {
  /** Keeps no reference to a gradient past `step` (see Optimizer's gradReader). */
  static readonly [BUILTIN] = true;
  static override readonly id = 'RMSProp';
  static override readonly defaults = { lr: 0.001, decay: 0.9, eps: 1e-7, momentum: 0, centered: false, weightDecay: 0 };
  static override readonly torchDefaults = { lr: 0.01, decay: 0.99, eps: 1e-8 };
  static override readonly rules = { decay: rules.decayRate };

  protected initState(param: Tensor, h: Hyper<RMSPropHyper>): RMSPropState {
    return { cache: zerosLike(param), gradAvg: h.centered ? zerosLike(param) : null, buffer: h.momentum > 0 ? zerosLike(param) : null };
  }

  protected updateParam(param: Tensor, grad: Tensor, s: RMSPropState, h: Hyper<RMSPropHyper>): void {
    (param.dtype === 'float64' ? rmspropReference : rmspropFused)(param, grad, s, h);
  }
}

/** The RMSProp step as tensor ops: the reference, and the path float64 takes. `grad` is never modified. */
export function rmspropReference(param: Tensor, grad: Tensor, s: RMSPropState, h: Hyper<RMSPropHyper>): void {
  const { lr, decay, eps, momentum, weightDecay } = h;
  const g = weightDecay !== 0 ? grad.add(param, weightDecay) : grad;   // L2: g ← g + λ·θ
  s.cache.mul_(decay).addcmul_(g, g, 1 - decay);                       // cache ← ρ·cache + (1 − ρ)·g²
  let variance = s.cache;
  if (s.gradAvg !== null) {                                            // centered: E[g²] − E[g]²
    s.gradAvg.mul_(decay).add_(g, 1 - decay);
    variance = s.cache.sub(s.gradAvg.mul(s.gradAvg));
  }
  const denom = variance.sqrt().add(eps);
  if (s.buffer !== null && momentum !== 0) {
    s.buffer.mul_(momentum).add_(g.div(denom));                        // b ← μ·b + g / denom
    param.sub_(s.buffer, lr);                                          // θ ← θ − lr·b
  } else {
    param.sub_(g.mul(lr).div(denom));                                  // θ ← θ − lr·g / denom
  }
}

const rmspropKernels = new Map<string, ElementwiseKernel>();

/** The same step as one elementwise expression in the reference's operation order (float32's fast path). */
export function rmspropFused(param: Tensor, grad: Tensor, s: RMSPropState, h: Hyper<RMSPropHyper>): void {
  const { lr, decay, eps, momentum, weightDecay: wd } = h;
  const l2 = wd !== 0, centered = s.gradAvg !== null, mo = s.buffer !== null && momentum !== 0;
  const key = `${+l2}${+centered}${+mo}`;
  let k = rmspropKernels.get(key);
  if (k === undefined) {
    const denom = centered ? '(sqrt(cache - gradAvg * gradAvg) + eps)' : '(sqrt(cache) + eps)';
    k = defineElementwise({
      name: 'rmsprop', write: ['param', 'cache', ...(centered ? ['gradAvg'] : []), ...(mo ? ['buffer'] : [])], read: ['grad'],
      scalars: ['decay', 'c', 'lr', 'eps', 'mo', ...(l2 ? ['wd'] : [])],
      body: [
        l2 ? 'g = grad + param * wd' : 'g = grad',
        'cache = cache * decay + g * g * c',
        ...(centered ? ['gradAvg = gradAvg * decay + g * c'] : []),
        ...(mo ? [`buffer = buffer * mo + g / ${denom}`, 'param = param - buffer * lr'] : [`param = param - g * lr / ${denom}`]),
      ].join('\n'),
    });
    rmspropKernels.set(key, k);
  }
  const tensors: Record<string, Tensor> = { param, cache: s.cache, grad };
  if (centered) tensors.gradAvg = s.gradAvg!;
  if (mo) tensors.buffer = s.buffer!;
  elementwise_(k, tensors, { decay, c: 1 - decay, lr, eps, mo: momentum, ...(l2 ? { wd } : {}) });
}
