import { describe, expect, test } from 'vitest';
import { randn } from '@tensile/tensor';
import { Flatten, Unflatten } from './flatten.js';
import { Identity } from './identity.js';
import { LayerNorm } from './layer-norm.js';

describe('shape layers and LayerNorm', () => {
  test('Flatten and Unflatten invert each other; Identity returns its input', () => {
    const x = randn([2, 3, 4, 5]);
    const flat = new Flatten().forward(x);
    expect(flat.shape).toEqual([2, 60]);
    expect(new Unflatten(1, [3, 4, 5]).forward(flat).toArray()).toEqual(x.toArray());
    expect(new Flatten(0, 2).forward(x).shape).toEqual([24, 5]);
    expect(new Identity().forward(x)).toBe(x);
  });

  test('errors name the layer', () => {
    expect(() => new Unflatten(1, [4, 4]).forward(randn([2, 6]))).toThrow(/unflatten: sizes \[4, 4\] do not multiply to 6/);
    expect(() => new Unflatten(1, [])).toThrow(/Unflatten: sizes must be a non-empty array/);
    expect(() => new LayerNorm(4).forward(randn([2, 5]))).toThrow(/^LayerNorm\(\(4,\)\): expected the input's last dimension to be \[4\], got input of shape \[2, 5\]$/);
    expect(() => new LayerNorm([2, 3]).forward(randn([3, 2]))).toThrow(/^LayerNorm\(\(2, 3\)\): expected the input's last 2 dimensions to be \[2, 3\]/);
    expect(() => new LayerNorm([])).toThrow(/LayerNorm: normalizedShape must have at least one dimension/);
  });

  test('LayerNorm without bias keeps only the weight', () => {
    expect([...new LayerNorm(4, { bias: false }).stateDict().keys()]).toEqual(['weight']);
    expect([...new LayerNorm(4, { elementwiseAffine: false }).stateDict().keys()]).toEqual([]);
  });
});
