import { describe, expect, it } from 'vitest';
import { ShapeError, tensor } from '@tensile/tensor';
import { defaultCollate } from './collate.js';

describe('defaultCollate', () => {
  it('stacks tensors along a new first dimension', () => {
    const b = defaultCollate([tensor([1, 2]), tensor([3, 4]), tensor([5, 6])]);
    expect(b.shape).toEqual([3, 2]);
    expect(b.dtype).toBe('float32');
    expect(b.toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
  });

  it('turns numbers into int32 when all are integers, else float32; booleans into bool; keeps strings', () => {
    const ints = defaultCollate([3, 0, 7]);
    expect(ints.dtype).toBe('int32');
    expect(ints.toArray()).toEqual([3, 0, 7]);
    const floats = defaultCollate([1, 0.5]);
    expect(floats.dtype).toBe('float32');
    expect(floats.toArray()).toEqual([1, 0.5]);
    expect(defaultCollate([2 ** 31, 1]).dtype).toBe('float32'); // does not fit int32
    expect(defaultCollate([true, false]).toArray()).toEqual([true, false]);
    expect(defaultCollate(['a', 'b'])).toEqual(['a', 'b']);
  });

  it('batches tuples position by position and objects field by field, recursively', () => {
    const [x, y] = defaultCollate([
      [tensor([1, 2]), 4],
      [tensor([3, 4]), 5],
    ] as [ReturnType<typeof tensor>, number][]);
    expect(x.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(y.toArray()).toEqual([4, 5]);
    const b = defaultCollate([
      { image: tensor([[0, 1]]), label: 1, meta: { id: 'a', weight: 0.5 } },
      { image: tensor([[1, 0]]), label: 0, meta: { id: 'b', weight: 2 } },
    ]);
    expect(b.image.shape).toEqual([2, 1, 2]);
    expect(b.label.toArray()).toEqual([1, 0]);
    expect(b.meta.id).toEqual(['a', 'b']);
    expect(b.meta.weight.toArray()).toEqual([0.5, 2]);
  });

  it('names the sample and the field that does not fit', () => {
    expect(() => defaultCollate([tensor([1, 2]), tensor([1, 2, 3])])).toThrow(ShapeError);
    expect(() => defaultCollate([{ x: tensor([1, 2]) }, { x: tensor([1, 2, 3]) }])).toThrow(
      /samples\[0\]\.x has shape \[2\] but samples\[1\]\.x has \[3\]; samples must share a shape to be stacked/,
    );
    expect(() => defaultCollate([{ y: 1 }, { y: 'a' }])).toThrow(/samples\[0\]\.y is number but samples\[1\]\.y is string/);
    expect(() => defaultCollate([{ y: 1 }, { z: 1 }])).toThrow(/every sample needs the keys y/);
    expect(() => defaultCollate([[1, 2], [1]])).toThrow(/samples\[0\] is an array of 2 but samples\[1\] is an array of 1/);
    expect(() => defaultCollate([tensor([1]), tensor([1], { dtype: 'int32' })])).toThrow(/samples must share a dtype/);
    expect(() => defaultCollate([[undefined]])).toThrow(/cannot batch samples\[0\]\[0\], which is undefined/);
    expect(() => defaultCollate([])).toThrow(/non-empty list/);
  });
});
