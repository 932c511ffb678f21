import { BUILTIN } from './optimizer.js';
import { Adam } from './adam.js';

/**
 * AdamW (Loshchilov & Hutter): Adam with decoupled weight decay. Each step first shrinks the
 * parameter, `θ ← θ·(1 − lr·weightDecay)`, then takes an Adam step without L2 in the gradient.
 * Defaults: Adam's, with `weightDecay = 0.01` (as `torch.optim.AdamW`); `dialect: 'torch'` takes
 * `eps = 1e-8`.
 * @example
 * const opt = new AdamW(model, { lr: 1e-3, weightDecay: 0.05 });
 */
export class AdamW extends Adam {
  /** Keeps no reference to a gradient past `step` (see Optimizer's gradReader). */
  static override readonly [BUILTIN] = true;
  static override readonly id: string = 'AdamW';
  static override readonly defaults = { ...Adam.defaults, weightDecay: 0.01 };

  protected override readonly decoupled = true;
}
