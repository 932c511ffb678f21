import { fusedUpdate_, zerosLike, type Tensor } from '@tensile/tensor';
import { rules } from './hyperparams.js';
import { Optimizer, type Hyper } from './optimizer.js';

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
  static override readonly id = 'RMSProp';
  static override readonly defaults = { lr: 0.001, decay: 0.9, eps: 1e-7, momentum: 0, centered: false, weightDecay: 0 };
  static override readonly torchDefaults = { lr: 0.01, decay: 0.99, eps: 1e-8 };
  static override readonly rules = { decay: rules.decayRate };

  protected initState(param: Tensor, h: Hyper<RMSPropHyper>): RMSPropState {
    return { cache: zerosLike(param), gradAvg: h.centered ? zerosLike(param) : null, buffer: h.momentum > 0 ? zerosLike(param) : null };
  }

  // The formulas above in one pass over the parameter, in the same operation order (see UpdateRule).
  protected updateParam(param: Tensor, grad: Tensor, s: RMSPropState, h: Hyper<RMSPropHyper>): void {
    const { lr, decay, eps, momentum, weightDecay } = h;
    fusedUpdate_(
      { kind: 'rmsprop', lr, decay, eps, weightDecay, centered: s.gradAvg !== null, momentum: s.buffer === null ? 0 : momentum },
      param, grad, [s.cache, s.gradAvg, s.buffer].filter((t) => t !== null),
    );
  }
}
