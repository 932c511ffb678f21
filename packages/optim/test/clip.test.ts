// clipGradNorm / clipGradValue against torch.nn.utils.clip_grad_norm_ / clip_grad_value_ 1.13.
import { describe, expect, it } from 'vitest';
import { Tensor, tensor } from '@tensile/tensor';
import { clipGradNorm, clipGradValue } from '../src/index.js';
import { TOL, expectAllClose, loadFixture } from './helpers.js';

interface ClipFixture {
  grads: Record<string, number[]>;
  shapes: Record<string, number[]>;
  cases: { fn: string; maxNorm?: number; normType?: number | 'inf'; clipValue?: number; totalNorm?: number; clipped: Record<string, number[]> }[];
}
const fx = loadFixture<{ clip: ClipFixture }>('torch.json').clip;

function params(): [string, Tensor][] {
  return Object.entries(fx.grads).map(([n, g]) => {
    const p = tensor(new Float64Array(g.length), { shape: fx.shapes[n], requiresGrad: true });
    p.grad = tensor(g, { dtype: 'float64', shape: fx.shapes[n] });
    return [n, p];
  });
}

describe('global gradient clipping matches PyTorch', () => {
  for (const c of fx.cases) {
    it(`${c.fn} ${JSON.stringify({ maxNorm: c.maxNorm, normType: c.normType, clipValue: c.clipValue })}`, () => {
      const ps = params();
      if (c.fn === 'clipGradNorm') {
        const total = clipGradNorm(ps, c.maxNorm!, { normType: c.normType });
        expectAllClose([total], [c.totalNorm!], TOL.float64, 'total norm');
      } else {
        clipGradValue(ps, c.clipValue!);
      }
      for (const [n, p] of ps) expectAllClose(p.grad!, c.clipped[n]!, TOL.float64, `${c.fn} "${n}"`);
    });
  }

  it('is global, unlike the per-parameter clipNorm: the ratio between gradients is kept', () => {
    const ps = params();
    const before = ps.map(([, p]) => p.grad!.toTypedArray());
    clipGradNorm(ps, 1);
    const ratio = ps[0]![1].grad!.toTypedArray()[0]! / before[0]![0]!;
    expect(ratio).toBeLessThan(1);
    ps.forEach(([, p], i) => expectAllClose(p.grad!, [...before[i]!].map((v) => v * ratio), TOL.float64, 'same scale'));
  });

  it('skips parameters without gradients, accepts a single tensor, and checks its arguments', () => {
    expect(clipGradNorm([tensor([1], { requiresGrad: true })], 1)).toBe(0);
    const p = tensor([0, 0], { dtype: 'float64', requiresGrad: true });
    p.grad = tensor([3, 4], { dtype: 'float64' });
    expect(clipGradNorm(p, 10)).toBe(5);
    expect([...p.grad.toTypedArray()]).toEqual([3, 4]);
    p.grad = tensor([NaN, 1], { dtype: 'float64' });
    expect(() => clipGradNorm(p, 1, { errorIfNonfinite: true })).toThrow('clipGradNorm: the total norm of order 2 of the gradients is NaN');
    expect(() => clipGradNorm(p, -1)).toThrow('clipGradNorm: maxNorm must be a number ≥ 0, got -1');
    expect(() => clipGradNorm(p, 1, { normType: 0 })).toThrow("clipGradNorm: normType must be a number > 0 or 'inf', got 0");
    expect(() => clipGradValue(p, NaN)).toThrow('clipGradValue: clipValue must be a number ≥ 0, got NaN');
  });
});
