import { describe, expect, test } from 'vitest';
import { ShapeError, tensor, zeros } from '@tensile/tensor';
import { BatchNorm1d, BatchNorm2d } from './batchnorm.js';

const stateOf = (bn: BatchNorm1d) => [...bn.stateDict()].map(([k, t]) => [k, t.toArray()]);

describe('BatchNorm', () => {
  test('train mode counts batches and moves the running stats; eval mode uses them', () => {
    const bn = new BatchNorm1d(1, { dtype: 'float64', momentum: 0.5 });
    const y = bn.forward(tensor([[1], [3]], { dtype: 'float64' }));
    // mean 2, biased variance 1 → ±1/√(1 + 1e-5); running: mean 0.5·2 = 1, var 0.5·1 + 0.5·2 = 1.5 (unbiased 2)
    expect(y.toArray()).toEqual([[-1 / Math.sqrt(1 + 1e-5)], [1 / Math.sqrt(1 + 1e-5)]]);
    expect(bn.runningMean!.toArray()).toEqual([1]);
    expect(bn.runningVar!.toArray()).toEqual([1.5]);
    expect(bn.numBatchesTracked!.item()).toBe(1);
    bn.eval();
    expect(bn.forward(tensor([[1]], { dtype: 'float64' })).toArray()).toEqual([[0]]);
    expect(bn.numBatchesTracked!.item()).toBe(1);
  });

  test('momentum null averages all batches; trackRunningStats false always uses the batch', () => {
    const bn = new BatchNorm1d(1, { dtype: 'float64', momentum: null });
    bn.forward(tensor([[0], [2]], { dtype: 'float64' }));
    bn.forward(tensor([[4], [6]], { dtype: 'float64' }));
    expect(bn.runningMean!.toArray()).toEqual([3]); // (1 + 5)/2
    const free = new BatchNorm1d(1, { trackRunningStats: false, dtype: 'float64' }).eval();
    expect(free.runningMean).toBeNull();
    expect(free.forward(tensor([[1], [3]], { dtype: 'float64' })).toArray()).toEqual([[-1 / Math.sqrt(1 + 1e-5)], [1 / Math.sqrt(1 + 1e-5)]]);
    expect([...free.stateDict().keys()]).toEqual(['weight', 'bias']);
  });

  test('a rejected input changes nothing: no running-stat update, no count', () => {
    const bn = new BatchNorm1d(3);
    const before = stateOf(bn);
    expect(() => bn.forward(zeros([1, 3]))).toThrow(/batchNorm: expected more than 1 value per channel when training, got input of shape \[1, 3\]/);
    expect(() => bn.forward(zeros([4, 2]))).toThrow(/^BatchNorm1d\(3\): expected an input \[N, 3\] or \[N, 3, L\], got input of shape \[4, 2\]$/);
    expect(() => bn.forward(zeros([4, 3], { dtype: 'float64' }))).toThrow(/the input is float64 but the layer's parameters are float32/);
    expect(stateOf(bn)).toEqual(before);
  });

  test('BatchNorm2d takes [N, C, H, W] only', () => {
    expect(() => new BatchNorm2d(3).forward(zeros([2, 3]))).toThrow(ShapeError);
    expect(() => new BatchNorm2d(3).forward(zeros([2, 3]))).toThrow(/^BatchNorm2d\(3\): expected an input \[N, 3, H, W\], got input of shape \[2, 3\]$/);
    expect(() => new BatchNorm2d(0)).toThrow(/BatchNorm2d: numFeatures must be an integer ≥ 1, got 0/);
    expect(() => new BatchNorm2d(2, { momentum: 2 })).toThrow(/BatchNorm2d: momentum must be in \[0, 1\] or null, got 2/);
  });
});
