import { describe, expect, test } from 'vitest';
import { ShapeError, randn, tensor } from '@tensile/tensor';
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from './pooling.js';

describe('pooling layers', () => {
  test('values on a 4×4 ramp', () => {
    const x = tensor(Array.from({ length: 16 }, (_, i) => i), { shape: [1, 1, 4, 4], dtype: 'float64' });
    expect(new MaxPool2d(2).forward(x).toArray()).toEqual([[[[5, 7], [13, 15]]]]);
    expect(new AvgPool2d(2).forward(x).toArray()).toEqual([[[[2.5, 4.5], [10.5, 12.5]]]]);
    expect(new AdaptiveAvgPool2d(1).forward(x).toArray()).toEqual([[[[7.5]]]]);
    // Uneven windows overlap: rows {0, 1}, {1, 2}, {2, 3}
    expect(new AdaptiveAvgPool2d([3, 1]).forward(x).toArray()).toEqual([[[[3.5], [7.5], [11.5]]]]);
  });

  test('name themselves in errors; a missing batch dimension gets a hint', () => {
    expect(() => new MaxPool2d(2).forward(randn([3, 8, 8]))).toThrow(ShapeError);
    expect(() => new MaxPool2d(2).forward(randn([3, 8, 8]))).toThrow(/^MaxPool2d\(kernel_size=2\): expected a 4-d input \[N, C, H, W\], got input of shape \[3, 8, 8\]; add a batch dimension/);
    expect(() => new AvgPool2d([2, 3]).forward(randn([8, 8]))).toThrow(/^AvgPool2d\(kernel_size=\(2, 3\)\): expected a 4-d input/);
    expect(() => new AdaptiveAvgPool2d([2, null]).forward(randn([8]))).toThrow(/^AdaptiveAvgPool2d\(output_size=\(2, null\)\): expected a 4-d input/);
  });
});
