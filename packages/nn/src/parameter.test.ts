import { describe, expect, test } from 'vitest';
import { DTypeError, Tensor, arange, tensor } from '@tensile/tensor';
import { Parameter } from './parameter.js';

describe('Parameter', () => {
  test('is a Tensor that requires grad and shares a contiguous source’s storage', () => {
    const t = tensor([1, 2, 3]);
    const p = new Parameter(t);
    expect(p).toBeInstanceOf(Tensor);
    expect(p.requiresGrad).toBe(true);
    expect(p.isLeaf).toBe(true);
    expect(p.data).toBe(t.data);
  });

  test('copies a non-contiguous or offset view, and drops the source’s history', () => {
    const base = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const p = new Parameter(base.t());
    expect(p.data).not.toBe(base.data);
    expect(p.toArray()).toEqual([[1, 3], [2, 4]]);
    expect(p.gradFn).toBeNull();
    const q = new Parameter(base.mul(2).narrow(0, 1, 1));
    expect(q.toArray()).toEqual([[6, 8]]);
    expect(q.shape).toEqual([1, 2]);
  });

  test('can be frozen; an int parameter must be', () => {
    expect(new Parameter(tensor([1]), false).requiresGrad).toBe(false);
    expect(new Parameter(arange(3), false).dtype).toBe('int32');
    expect(() => new Parameter(arange(3))).toThrow(DTypeError);
    expect(() => new Parameter(arange(3))).toThrow(/Parameter: only float tensors can require gradients, got a int32 tensor of shape \[3\]; pass requiresGrad = false/);
    expect(() => new Parameter([1, 2] as never)).toThrow(/Parameter: expected a Tensor, got object/);
  });

  test('prints like PyTorch', () => {
    expect(new Parameter(tensor([1, 2])).toString()).toBe('Parameter containing:\ntensor([1.0000, 2.0000], requiresGrad=true)');
  });
});
