import { zerosLike, type Tensor } from '@tensile/tensor';
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

  protected updateParam(param: Tensor, grad: Tensor, s: RMSPropState, h: Hyper<RMSPropHyper>): void {
    const { lr, decay, eps, momentum, weightDecay } = h;
    const g = weightDecay === 0 ? grad : grad.add(param, weightDecay);
    s.cache.mul_(decay).add_(g.square(), 1 - decay);
    let meanSquare = s.cache;
    if (s.gradAvg !== null) {
      // Centered: the variance E[g²] − E[g]² instead of E[g²].
      s.gradAvg.mul_(decay).add_(g, 1 - decay);
      meanSquare = s.cache.sub(s.gradAvg.square());
    }
    const denom = meanSquare.sqrt().add(eps);
    if (s.buffer !== null) {
      s.buffer.mul_(momentum).add_(g.div(denom));
      param.sub_(s.buffer, lr);
    } else {
      param.sub_(g.mul(lr).div(denom));
    }
  }
}
