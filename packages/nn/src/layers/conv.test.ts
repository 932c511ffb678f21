import { describe, expect, test } from 'vitest';
import { ShapeError, ones, randn } from '@tensile/tensor';
import { Conv2d } from './conv.js';

describe('Conv2d', () => {
  test("'same' padding keeps the size, also for even kernels; stride shrinks it", () => {
    expect(new Conv2d(1, 2, 4, { padding: 'same' }).forward(randn([1, 1, 7, 6])).shape).toEqual([1, 2, 7, 6]);
    expect(new Conv2d(1, 2, 3, { padding: 1, stride: 2 }).forward(randn([2, 1, 7, 7])).shape).toEqual([2, 2, 4, 4]);
    expect(new Conv2d(4, 4, 3, { groups: 4 }).weight.shape).toEqual([4, 1, 3, 3]);
  });

  test('names itself and the shapes when the input does not fit', () => {
    const conv = new Conv2d(1, 32, 3);
    expect(() => conv.forward(randn([8, 3, 28, 28]))).toThrow(
      /^Conv2d\(1, 32, kernel_size=\(3, 3\)\): expected an input \[N, 1, H, W\], got input of shape \[8, 3, 28, 28\]$/,
    );
    expect(() => conv.forward(randn([1, 28, 28]))).toThrow(/got input of shape \[1, 28, 28\]; add a batch dimension with unsqueeze\(0\)/);
    expect(() => conv.forward(randn([1, 1, 2, 2]))).toThrow(ShapeError);
    expect(() => conv.forward(randn([1, 1, 2, 2]))).toThrow(/^Conv2d\(1, 32, kernel_size=\(3, 3\)\): conv2d: the input of shape \[1, 1, 2, 2\] is too small/);
    expect(() => conv.forward(ones([1, 1, 5, 5], { dtype: 'float64' }))).toThrow(/the input is float64 but the layer's parameters are float32/);
  });

  test('argument checks', () => {
    expect(() => new Conv2d(3, 4, 3, { groups: 2 })).toThrow(/Conv2d: inChannels \(3\) and outChannels \(4\) must both be divisible by groups \(2\)/);
    expect(() => new Conv2d(1, 1, 3, { padding: 'same', stride: 2 })).toThrow(/Conv2d: padding 'same' needs stride 1, got stride \(2, 2\)/);
    expect(() => new Conv2d(1, 1, 0)).toThrow(/Conv2d: kernelSize must be integers ≥ 1, got 0/);
    expect(() => new Conv2d(1, 1, 3, { padding: -1 })).toThrow(/Conv2d: padding must be integers ≥ 0, got -1/);
  });
});
