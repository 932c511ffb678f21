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

  test('take ceilMode, countIncludePad and divisorOverride, and show ceil_mode as PyTorch does', () => {
    const x = tensor(Array.from({ length: 25 }, (_, i) => i), { shape: [1, 1, 5, 5], dtype: 'float64' });
    // 5×5 in 2×2 windows: ceil mode keeps the partial third row and column of windows.
    expect(new MaxPool2d(2, { ceilMode: true }).forward(x).toArray()).toEqual([[[[6, 8, 9], [16, 18, 19], [21, 23, 24]]]]);
    // Window rows/cols −1…1 and 1…3 (padding 1, stride 2), of which 2×2 and 2×3, 3×2, 3×3 elements are inside.
    const excl = new AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false }).forward(x).toArray() as number[][][][];
    expect(excl[0]![0]![0]).toEqual([(0 + 1 + 5 + 6) / 4, (1 + 2 + 3 + 6 + 7 + 8) / 6, (3 + 4 + 8 + 9) / 4]);
    const incl = new AvgPool2d(3, { stride: 2, padding: 1 }).forward(x).toArray() as number[][][][];
    expect(incl[0]![0]![0]).toEqual([12 / 9, 27 / 9, 24 / 9]);
    expect(new AvgPool2d(5, { divisorOverride: 5 }).forward(x).toArray()).toEqual([[[[60]]]]);
    expect(new MaxPool2d(2, { ceilMode: true }).toString()).toBe('MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=true)');
    expect(new AvgPool2d(2, { ceilMode: true, countIncludePad: false }).toString()).toBe('AvgPool2d(kernel_size=2, stride=2, padding=0)');
  });

  test('reject unknown options with a hint', () => {
    expect(() => new AvgPool2d(2, { count_include_pad: false } as never)).toThrow(
      /^AvgPool2d: unknown option "count_include_pad" \(did you mean countIncludePad\?\); the options are stride, padding, ceilMode, countIncludePad, divisorOverride/,
    );
    expect(() => new MaxPool2d(2, { ceil: true } as never)).toThrow(/^MaxPool2d: unknown option "ceil"/);
    expect(() => new AvgPool2d(2, { divisorOverride: 0 }).forward(randn([1, 1, 4, 4]))).toThrow(/^avgPool2d: divisorOverride must be a nonzero integer, got 0/);
  });

  test('name themselves in errors; a missing batch dimension gets a hint', () => {
    expect(() => new MaxPool2d(2).forward(randn([3, 8, 8]))).toThrow(ShapeError);
    expect(() => new MaxPool2d(2).forward(randn([3, 8, 8]))).toThrow(/^MaxPool2d\(kernel_size=2\): expected a 4-d input \[N, C, H, W\], got input of shape \[3, 8, 8\]; add a batch dimension/);
    expect(() => new AvgPool2d([2, 3]).forward(randn([8, 8]))).toThrow(/^AvgPool2d\(kernel_size=\(2, 3\)\): expected a 4-d input/);
    expect(() => new AdaptiveAvgPool2d([2, null]).forward(randn([8]))).toThrow(/^AdaptiveAvgPool2d\(output_size=\(2, null\)\): expected a 4-d input/);
  });
});
