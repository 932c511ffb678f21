import { describe, expect, test } from 'vitest';
import { DTypeError, ShapeError, ones, randn, tensor } from '@tensile/tensor';
import { Linear } from './linear.js';

describe('Linear', () => {
  test('computes x·Wᵀ + b over the last dimension, for any leading dims', () => {
    const fc = new Linear(2, 3, { dtype: 'float64' });
    fc.loadStateDict({ weight: tensor([[1, 2], [3, 4], [5, 6]], { dtype: 'float64' }), bias: tensor([1, 0, -1], { dtype: 'float64' }) });
    expect(fc.forward(tensor([[1, 1]], { dtype: 'float64' })).toArray()).toEqual([[4, 7, 10]]);
    expect(fc.forward(ones([4, 5, 2], { dtype: 'float64' })).shape).toEqual([4, 5, 3]);
    expect(fc.forward(tensor([1, 0], { dtype: 'float64' })).toArray()).toEqual([2, 3, 4]);
  });

  test('names itself and the shapes when the input does not fit', () => {
    const fc = new Linear(784, 128);
    expect(() => fc.forward(randn([32, 512]))).toThrow(ShapeError);
    expect(() => fc.forward(randn([32, 512]))).toThrow(
      /^Linear\(in_features=784\): expected the last dimension of the input to be 784, got input of shape \[32, 512\]$/,
    );
    expect(() => fc.forward(tensor(1))).toThrow(/got input of shape \[\]/);
    expect(() => fc.forward([1, 2] as never)).toThrow(/Linear\(in_features=784\): expected a Tensor input, got an array$/);
  });

  test('refuses an input of another dtype instead of promoting a whole batch', () => {
    const fc = new Linear(2, 1, { dtype: 'float64' });
    expect(() => fc.forward(ones([1, 2]))).toThrow(DTypeError);
    expect(() => fc.forward(ones([1, 2]))).toThrow(
      /Linear\(in_features=2\): the input is float32 but the layer's parameters are float64; convert the input with \.to\('float64'\) or the model with \.to\('float32'\)/,
    );
  });

  test('options and argument checks', () => {
    expect(new Linear(3, 2, { bias: false }).bias).toBeNull();
    expect(new Linear(3, 2, { bias: false }).toString()).toBe('Linear(in_features=3, out_features=2, bias=false)');
    expect(new Linear(3, 2, { dtype: 'float64' }).weight.dtype).toBe('float64');
    expect(() => new Linear(3.5, 2)).toThrow(/Linear: inFeatures must be an integer ≥ 0, got 3\.5/);
    expect(() => new Linear(3, 2, { dtype: 'int32' })).toThrow(/Linear: dtype must be 'float32' or 'float64', got int32/);
  });
});
