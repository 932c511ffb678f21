import { fullLike, fusedUpdate_, type Tensor } from '@tensile/tensor';
import { Optimizer, type Hyper } from './optimizer.js';

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
  static override readonly id = 'AdaGrad';
  static override readonly defaults = { lr: 0.01, eps: 1e-7, lrDecay: 0, initialAccumulatorValue: 0, weightDecay: 0 };
  static override readonly torchDefaults = { eps: 1e-10 };

  protected initState(param: Tensor, h: Hyper<AdaGradHyper>): AdaGradState {
    return { cache: fullLike(param, h.initialAccumulatorValue), t: 0 };
  }

  // The formula above in one pass over the parameter, in the same operation order (see UpdateRule).
  protected updateParam(param: Tensor, grad: Tensor, s: AdaGradState, h: Hyper<AdaGradHyper>): void {
    const { eps, lrDecay, weightDecay } = h;
    const lr = lrDecay === 0 ? h.lr : h.lr / (1 + s.t * lrDecay);
    fusedUpdate_({ kind: 'adagrad', lr, eps, weightDecay }, param, grad, [s.cache]);
    s.t += 1;
  }
}
