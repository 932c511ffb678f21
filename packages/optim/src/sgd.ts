import { fusedUpdate_, zerosLike, type Tensor } from '@tensile/tensor';
import { rules } from './hyperparams.js';
import { Optimizer, type Hyper } from './optimizer.js';

export type SGDHyper = { lr: number; momentum: number; dampening: number; nesterov: boolean; weightDecay: number };

/** The previous update (notebook) or PyTorch's momentum buffer (torch dialect, null until the first step). */
export type SGDState = { buffer: Tensor | null };

/**
 * Stochastic gradient descent with momentum, the reference notebook's `SGD`:
 *
 *     update ← momentum·update + lr·g;   θ ← θ − update
 *
 * Defaults: `lr = 0.01, momentum = 0, clipNorm = null`. PyTorch's `nesterov`, `dampening` and
 * `weightDecay` (`g ← g + weightDecay·θ`, after clipping) are available too; in this form the buffer
 * starts at zero, so `dampening` also scales the first update.
 *
 * `dialect: 'torch'` is `torch.optim.SGD`: lr stays outside the buffer (`b ← momentum·b + (1 − dampening)·g`,
 * starting from `b = g`; `θ ← θ − lr·b`), which equals the notebook's form only while lr is constant.
 * @example
 * const opt = new SGD(model, { lr: 0.1, momentum: 0.9 });
 * loss.backward(); opt.step(); opt.zeroGrad();
 */
export class SGD extends Optimizer<SGDHyper, SGDState> {
  static override readonly id = 'SGD';
  static override readonly defaults = { lr: 0.01, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 };
  static override readonly rules = { dampening: rules.unitInterval };

  protected override checkOptions({ nesterov, momentum, dampening }: Hyper<SGDHyper>): string | null {
    if (nesterov && (momentum <= 0 || dampening !== 0)) {
      return `nesterov needs momentum > 0 and dampening = 0, got momentum = ${momentum} and dampening = ${dampening}`;
    }
    return null;
  }

  protected initState(param: Tensor, h: Hyper<SGDHyper>): SGDState {
    return { buffer: h.dialect === 'torch' ? null : zerosLike(param) };
  }

  // The formulas above in one pass over the parameter, in the same operation order (see UpdateRule).
  protected updateParam(param: Tensor, grad: Tensor, s: SGDState, h: Hyper<SGDHyper>): void {
    const { lr, momentum, dampening, nesterov, weightDecay } = h;
    if (h.dialect === 'notebook') {
      fusedUpdate_({ kind: 'sgd', lr, momentum, dampening, nesterov, weightDecay }, param, grad, [s.buffer!]);
      return;
    }
    // PyTorch's buffer starts as the first gradient (the kernel writes it when `first`).
    const first = momentum !== 0 && s.buffer === null;
    const buffer = first ? zerosLike(param) : s.buffer;
    fusedUpdate_({ kind: 'sgdTorch', lr, momentum, dampening, nesterov, weightDecay, first }, param, grad, momentum === 0 ? [] : [buffer!]);
    s.buffer = buffer;
  }
}
