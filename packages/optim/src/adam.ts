import { fusedUpdate_, zerosLike, type Tensor } from '@tensile/tensor';
import { rules } from './hyperparams.js';
import { Optimizer, type Hyper } from './optimizer.js';

export type AdamHyper = { lr: number; decay1: number; decay2: number; eps: number; weightDecay: number; amsgrad: boolean };

/** The notebook's per-parameter `t`, `mean` and `var`; `maxVar` for amsgrad. */
export type AdamState = { t: number; mean: Tensor; var: Tensor; maxVar: Tensor | null };

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
 * @example
 * const opt = new Adam(model, { lr: 1e-3 });
 */
export class Adam extends Optimizer<AdamHyper, AdamState> {
  static override readonly id: string = 'Adam';
  static override readonly defaults = { lr: 0.001, decay1: 0.9, decay2: 0.999, eps: 1e-7, weightDecay: 0, amsgrad: false };
  static override readonly torchDefaults = { eps: 1e-8 };
  static override readonly rules = { decay1: rules.decayRate, decay2: rules.decayRate };

  /** AdamW's decoupled weight decay (θ shrinks by 1 − lr·weightDecay) instead of L2 in the gradient. */
  protected readonly decoupled: boolean = false;

  protected initState(param: Tensor, h: Hyper<AdamHyper>): AdamState {
    return { t: 0, mean: zerosLike(param), var: zerosLike(param), maxVar: h.amsgrad ? zerosLike(param) : null };
  }

  // The formula above in one pass over the parameter, in the same operation order (see UpdateRule).
  protected updateParam(param: Tensor, grad: Tensor, s: AdamState, h: Hyper<AdamHyper>, _name?: string): void {
    const { lr, decay1, decay2, eps, weightDecay } = h;
    fusedUpdate_(
      { kind: 'adam', lr, decay1, decay2, eps, weightDecay, decoupled: this.decoupled, amsgrad: s.maxVar !== null, step: s.t + 1 },
      param, grad, s.maxVar === null ? [s.mean, s.var] : [s.mean, s.var, s.maxVar],
    );
    s.t += 1;
  }
}
