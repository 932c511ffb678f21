// Global gradient clipping with PyTorch's semantics (`torch.nn.utils.clip_grad_norm_` / `clip_grad_value_`).
// Not to be confused with an optimizer's `clipNorm`, which clips each parameter's gradient on its own.
import { Tensor, checkOptions, noGrad } from '@tensile/tensor';
import { describe, namedTensors, type ParamSource } from './params.js';

export interface ClipGradNormOptions {
  /** The p of the p-norm; `Infinity` (or 'inf') for the max norm. Default 2. */
  normType?: number | 'inf';
  /** Throw when the total norm is NaN or infinite instead of scaling by it. Default false (PyTorch 1.13's). */
  errorIfNonfinite?: boolean;
}

function gradsOf(owner: string, params: ParamSource | Tensor): Tensor[] {
  const list = params instanceof Tensor ? [params] : namedTensors(owner, params).map(([, t]) => t);
  return list.map((p) => p.gradForUpdate()).filter((g): g is Tensor => g !== null);
}

/**
 * Scales all gradients together so that their joint norm (the norm of the per-tensor norms) is at most
 * `maxNorm`: each is multiplied by `maxNorm / (total + 1e-6)` when that is below 1. Gradients are
 * changed in place.
 * @returns the total norm before clipping (0 when no parameter has a gradient)
 * @example
 * loss.backward();
 * clipGradNorm(model, 1.0);
 * opt.step();
 */
export function clipGradNorm(params: ParamSource | Tensor, maxNorm: number, opts: ClipGradNormOptions = {}): number {
  checkOptions('clipGradNorm', opts, ['normType', 'errorIfNonfinite'], { max_norm: 'the maxNorm argument' });
  const { normType = 2, errorIfNonfinite = false } = opts;
  if (typeof errorIfNonfinite !== 'boolean') throw new TypeError(`clipGradNorm: errorIfNonfinite must be true or false, got ${describe(errorIfNonfinite)}`);
  const p = normType === 'inf' ? Infinity : normType;
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0)) throw new RangeError(`clipGradNorm: maxNorm must be a number ≥ 0, got ${describe(maxNorm)}`);
  if (typeof p !== 'number' || !(p > 0)) throw new RangeError(`clipGradNorm: normType must be a number > 0 or 'inf', got ${describe(normType)}`);
  const grads = gradsOf('clipGradNorm', params);
  if (grads.length === 0) return 0;
  return noGrad(() => {
    // Per-tensor norms in the gradient's dtype, then the norm of those norms, as PyTorch does.
    const norms = grads.map((g) => {
      const a = g.abs();
      if (p === Infinity) return a.amax().item();
      if (p === 1) return a.sum().item();
      if (p === 2) return g.square().sum().sqrt().item();
      return a.pow(p).sum().pow(1 / p).item();
    });
    const total = p === Infinity ? Math.max(...norms) : norms.reduce((s, n) => s + n ** p, 0) ** (1 / p);
    if (errorIfNonfinite && !Number.isFinite(total)) {
      throw new RangeError(`clipGradNorm: the total norm of order ${p} of the gradients is ${total}, so they cannot be clipped; pass errorIfNonfinite: false to scale them anyway`);
    }
    const coef = maxNorm / (total + 1e-6);
    if (coef < 1 || Number.isNaN(coef)) for (const g of grads) g.mul_(coef);
    return total;
  });
}

/**
 * Clamps every gradient element into `[−clipValue, clipValue]` in place (PyTorch's `clip_grad_value_`).
 * @example
 * clipGradValue(model, 0.5);
 */
export function clipGradValue(params: ParamSource | Tensor, clipValue: number): void {
  if (typeof clipValue !== 'number' || !(clipValue >= 0)) throw new RangeError(`clipGradValue: clipValue must be a number ≥ 0, got ${describe(clipValue)}`);
  const grads = gradsOf('clipGradValue', params);
  noGrad(() => grads.forEach((g) => g.clamp_(-clipValue, clipValue)));
}
