import { defineElementwise, elementwise_, zerosLike, type ElementwiseKernel, type Tensor } from '@tensile/tensor';
import { rules } from './hyperparams.js';
import { Optimizer, type Hyper, BUILTIN } from './optimizer.js';

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
  /** Keeps no reference to a gradient past `step` (see Optimizer's gradReader). */
  static readonly [BUILTIN] = true;
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

  protected updateParam(param: Tensor, grad: Tensor, s: SGDState, h: Hyper<SGDHyper>): void {
    (param.dtype === 'float64' ? sgdReference : sgdFused)(param, grad, s, h);
  }
}

/** The SGD step as tensor ops: the reference, and the path float64 takes. `grad` is never modified. */
export function sgdReference(param: Tensor, grad: Tensor, s: SGDState, h: Hyper<SGDHyper>): void {
  const { lr, momentum, dampening, nesterov, weightDecay } = h;
  const g = weightDecay !== 0 ? grad.add(param, weightDecay) : grad; // L2: g ← g + λ·θ
  if (h.dialect === 'notebook') {
    const b = s.buffer!.mul_(momentum).add_(g, (1 - dampening) * lr); // b ← μ·b + ((1 − d)·lr)·g
    param.sub_(nesterov ? b.mul(momentum).add(g, lr) : b);            // θ ← θ − (nesterov ? μ·b + lr·g : b)
    return;
  }
  if (momentum === 0) {
    param.sub_(g, lr);                                                 // θ ← θ − lr·g
    return;
  }
  // PyTorch's buffer starts as the first gradient.
  const b = s.buffer === null ? g.clone() : s.buffer.mul_(momentum).add_(g, 1 - dampening);
  s.buffer = b;
  param.sub_(nesterov ? g.add(b, momentum) : b, lr);                   // θ ← θ − lr·(nesterov ? g + μ·b : b)
}

const sgdKernels = new Map<string, ElementwiseKernel>();

/** The same step as one elementwise expression in the reference's operation order (float32's fast path). */
export function sgdFused(param: Tensor, grad: Tensor, s: SGDState, h: Hyper<SGDHyper>): void {
  const { lr, momentum: mo, dampening, nesterov, weightDecay: wd } = h;
  const l2 = wd !== 0, first = h.dialect === 'torch' && mo !== 0 && s.buffer === null;
  const variant = h.dialect === 'notebook' ? 'notebook' : mo === 0 ? 'plain' : first ? 'first' : 'torch';
  const key = `${variant}${+l2}${+nesterov}`;
  let k = sgdKernels.get(key);
  if (k === undefined) {
    const head = l2 ? 'gi = grad + param * wd\n' : '';
    const g = l2 ? 'gi' : 'grad';
    const update = {
      notebook: `buffer = buffer * mo + ${g} * a\nparam = param - ${nesterov ? `(buffer * mo + ${g} * lr)` : 'buffer'}`,
      plain: `param = param - ${g} * lr`,
      first: `buffer = ${g}\nparam = param - ${nesterov ? `(${g} + ${g} * mo)` : g} * lr`,
      torch: `buffer = buffer * mo + ${g} * c\nparam = param - ${nesterov ? `(${g} + buffer * mo)` : 'buffer'} * lr`,
    }[variant];
    k = defineElementwise({
      name: 'sgd', write: ['param', ...(variant === 'plain' ? [] : ['buffer'])], read: ['grad'],
      scalars: ['mo', 'lr', variant === 'notebook' ? 'a' : 'c', ...(l2 ? ['wd'] : [])], body: head + update,
    });
    sgdKernels.set(key, k);
  }
  const buffer = first ? zerosLike(param) : s.buffer;
  const tensors: Record<string, Tensor> = variant === 'plain' ? { param, grad } : { param, buffer: buffer!, grad };
  const scalars: Record<string, number> = { mo, lr, [variant === 'notebook' ? 'a' : 'c']: variant === 'notebook' ? (1 - dampening) * lr : 1 - dampening };
  if (l2) scalars.wd = wd;
  elementwise_(k, tensors, scalars);
  if (variant !== 'plain') s.buffer = buffer;
}
