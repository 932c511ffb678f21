import { describe, expect, it } from 'vitest';
import { ShapeError } from './errors.js';
import {
  broadcastShapes,
  checkExpandable,
  contiguousStrides,
  fmtShape,
  inferShape,
  isContiguous,
  normalizeDim,
  normalizeDims,
  normalizeNewDim,
  numelOf,
  shapesEqual,
  viewStrides,
} from './shape.js';

describe('fmtShape / numelOf / shapesEqual', () => {
  it('prints shapes with brackets so the rank is visible', () => {
    expect(fmtShape([2, 3])).toBe('[2, 3]');
    expect(fmtShape([5])).toBe('[5]');
    expect(fmtShape([])).toBe('[]');
  });

  it('counts elements (a 0-d tensor has one, a zero-size dim gives none)', () => {
    expect(numelOf([2, 3, 4])).toBe(24);
    expect(numelOf([])).toBe(1);
    expect(numelOf([3, 0, 2])).toBe(0);
  });

  it('compares shapes by rank and sizes', () => {
    expect(shapesEqual([2, 3], [2, 3])).toBe(true);
    expect(shapesEqual([2, 3], [3, 2])).toBe(false);
    expect(shapesEqual([1, 3], [3])).toBe(false);
    expect(shapesEqual([], [])).toBe(true);
  });
});

describe('contiguousStrides', () => {
  it('gives row-major strides', () => {
    // [2, 3, 4]: the last dim steps by 1, the middle by 4, the first by 3·4 = 12.
    expect(contiguousStrides([2, 3, 4])).toEqual([12, 4, 1]);
    expect(contiguousStrides([5])).toEqual([1]);
    expect(contiguousStrides([])).toEqual([]);
    expect(contiguousStrides([3, 1, 2])).toEqual([2, 2, 1]);
  });

  it('handles zero-size dims like PyTorch (the stride is still the product of later sizes)', () => {
    // torch.empty(2, 0, 3).stride() == (0, 3, 1)
    expect(contiguousStrides([2, 0, 3])).toEqual([0, 3, 1]);
  });
});

describe('isContiguous', () => {
  it('accepts row-major layouts', () => {
    expect(isContiguous([2, 3, 4], [12, 4, 1])).toBe(true);
    expect(isContiguous([], [])).toBe(true);
  });

  it('ignores the stride of size-1 dims', () => {
    expect(isContiguous([2, 1, 4], [4, 999, 1])).toBe(true);
    expect(isContiguous([1, 3], [0, 1])).toBe(true);
  });

  it('rejects transposed, strided and broadcast layouts', () => {
    expect(isContiguous([3, 2], [1, 3])).toBe(false); // t() of a [2, 3]
    expect(isContiguous([2, 2], [6, 2])).toBe(false); // every other column
    expect(isContiguous([3, 4], [0, 1])).toBe(false); // expand
    expect(isContiguous([4, 3], [6, 1])).toBe(false); // narrow of the columns of a [4, 6]
  });
});

describe('normalizeDim', () => {
  it('maps negative dims to the end', () => {
    expect(normalizeDim('sum', -1, 3)).toBe(2);
    expect(normalizeDim('sum', -3, 3)).toBe(0);
    expect(normalizeDim('sum', 0, 3)).toBe(0);
    expect(normalizeDim('sum', 2, 3)).toBe(2);
  });

  it('treats a 0-d tensor as having one addressable dim (0 or -1), as PyTorch does', () => {
    expect(normalizeDim('sum', 0, 0)).toBe(0);
    expect(normalizeDim('sum', -1, 0)).toBe(0);
    expect(() => normalizeDim('sum', 1, 0)).toThrow(RangeError);
  });

  it('throws a RangeError that names the op, the dim and the rank', () => {
    expect(() => normalizeDim('sum', 2, 2)).toThrow(RangeError);
    expect(() => normalizeDim('sum', 2, 2)).toThrow(/^sum: dim 2 is out of range for a tensor of 2 dimensions \(expected an integer in \[-2, 1\]\)$/);
    expect(() => normalizeDim('softmax', -3, 2)).toThrow(/softmax: dim -3 is out of range/);
    expect(() => normalizeDim('squeeze', 1, 1)).toThrow(/tensor of 1 dimension \(/);
    expect(() => normalizeDim('sum', 0.5, 2)).toThrow(/dim 0\.5 is out of range/);
  });
});

describe('normalizeNewDim (where unsqueeze/stack insert a dim)', () => {
  it('accepts [-ndim-1, ndim]; -1 appends', () => {
    expect(normalizeNewDim('unsqueeze', 0, 2)).toBe(0);
    expect(normalizeNewDim('unsqueeze', 2, 2)).toBe(2);
    expect(normalizeNewDim('unsqueeze', -1, 2)).toBe(2);
    expect(normalizeNewDim('unsqueeze', -3, 2)).toBe(0);
    expect(normalizeNewDim('stack', -1, 0)).toBe(0);
  });

  it('throws a RangeError naming the op and the input rank', () => {
    expect(() => normalizeNewDim('unsqueeze', 3, 2)).toThrow(RangeError);
    expect(() => normalizeNewDim('unsqueeze', 3, 2)).toThrow(
      'unsqueeze: dim 3 is out of range for inserting a dimension into a tensor of 2 dimensions (expected an integer in [-3, 2])',
    );
    expect(() => normalizeNewDim('stack', -4, 2)).toThrow(RangeError);
  });
});

describe('normalizeDims', () => {
  it('returns every axis for undefined', () => {
    expect(normalizeDims('sum', undefined, 3)).toEqual([0, 1, 2]);
    expect(normalizeDims('sum', undefined, 0)).toEqual([]);
  });

  it('normalises, sorts and accepts a single number', () => {
    expect(normalizeDims('sum', -1, 3)).toEqual([2]);
    expect(normalizeDims('sum', [2, -3], 3)).toEqual([0, 2]);
    expect(normalizeDims('sum', [-1, 0, 1], 3)).toEqual([0, 1, 2]);
  });

  it('rejects repeated dims, even when spelled differently', () => {
    expect(() => normalizeDims('sum', [1, -2], 3)).toThrow(RangeError);
    expect(() => normalizeDims('sum', [1, -2], 3)).toThrow(/sum: dim 1 appears more than once in \[1,-2\]/);
  });

  it('rejects an out-of-range dim in the list', () => {
    expect(() => normalizeDims('mean', [0, 3], 3)).toThrow(/mean: dim 3 is out of range for a tensor of 3 dimensions/);
  });
});

describe('broadcastShapes', () => {
  it('aligns from the right and stretches size-1 dims', () => {
    expect(broadcastShapes('add', [2, 3], [3])).toEqual([2, 3]);
    expect(broadcastShapes('add', [2, 1], [1, 3])).toEqual([2, 3]);
    expect(broadcastShapes('add', [4, 1, 3], [5, 1])).toEqual([4, 5, 3]);
    expect(broadcastShapes('add', [], [2, 2])).toEqual([2, 2]);
    expect(broadcastShapes('add', [3], [])).toEqual([3]);
    expect(broadcastShapes('add', [1], [0])).toEqual([0]);
  });

  it('is symmetric', () => {
    expect(broadcastShapes('mul', [5, 1, 4], [3, 1])).toEqual(broadcastShapes('mul', [3, 1], [5, 1, 4]));
  });

  it('throws a ShapeError naming the op, both shapes and the failing dim', () => {
    expect(() => broadcastShapes('add', [2, 3], [4])).toThrow(ShapeError);
    expect(() => broadcastShapes('add', [2, 3], [4])).toThrow('add: shapes [2, 3] and [4] cannot be broadcast (dimension -1: 3 vs 4)');
    expect(() => broadcastShapes('mul', [2, 3, 4], [5, 4])).toThrow('mul: shapes [2, 3, 4] and [5, 4] cannot be broadcast (dimension -2: 3 vs 5)');
  });
});

describe('checkExpandable', () => {
  it('accepts size-1 dims and new leading dims', () => {
    expect(() => checkExpandable('expand', [3, 1], [2, 3, 4])).not.toThrow();
    expect(() => checkExpandable('expand', [], [2])).not.toThrow();
  });

  it('rejects a non-1 dim that differs and a target of lower rank', () => {
    expect(() => checkExpandable('expand', [3, 2], [3, 4])).toThrow(ShapeError);
    expect(() => checkExpandable('expand', [3, 2], [3, 4])).toThrow('expand: cannot expand shape [3, 2] to [3, 4] (dimension -1: 2 is not 1 and differs from 4)');
    expect(() => checkExpandable('expand', [2, 3], [3])).toThrow(/the target has fewer dimensions/);
  });
});

describe('inferShape', () => {
  it('returns the requested shape when it fits', () => {
    expect(inferShape('reshape', [3, 4], 12)).toEqual([3, 4]);
    expect(inferShape('reshape', [], 1)).toEqual([]);
  });

  it('resolves one -1 from the element count', () => {
    expect(inferShape('reshape', [2, -1], 12)).toEqual([2, 6]);
    expect(inferShape('reshape', [-1], 12)).toEqual([12]);
    expect(inferShape('view', [2, -1, 3], 24)).toEqual([2, 4, 3]);
    expect(inferShape('reshape', [-1, 1], 5)).toEqual([5, 1]);
  });

  it('rejects two -1s', () => {
    expect(() => inferShape('reshape', [-1, -1], 4)).toThrow(ShapeError);
    expect(() => inferShape('reshape', [-1, -1], 4)).toThrow('reshape: only one dimension can be -1, got [-1, -1]');
  });

  it('rejects a shape that does not fit, with PyTorch wording', () => {
    expect(() => inferShape('view', [5, -1], 12)).toThrow('view: shape [5, -1] is invalid for input of size 12');
    expect(() => inferShape('reshape', [3, 5], 12)).toThrow('reshape: shape [3, 5] is invalid for input of size 12');
    // -1 next to a zero-size dim is ambiguous
    expect(() => inferShape('reshape', [0, -1], 0)).toThrow(ShapeError);
  });

  it('rejects negative (other than -1) and non-integer sizes', () => {
    expect(() => inferShape('reshape', [-2, 6], 12)).toThrow('reshape: invalid size -2 at dimension 0 of [-2, 6]');
    expect(() => inferShape('reshape', [2.5, 4], 10)).toThrow(/invalid size 2\.5/);
  });
});

describe('viewStrides (PyTorch computeStride)', () => {
  it('reshapes a contiguous layout freely', () => {
    // [2, 3, 4] row-major has strides [12, 4, 1]
    expect(viewStrides([2, 3, 4], [12, 4, 1], [6, 4])).toEqual([4, 1]);
    expect(viewStrides([2, 3, 4], [12, 4, 1], [4, 6])).toEqual([6, 1]);
    expect(viewStrides([2, 3, 4], [12, 4, 1], [24])).toEqual([1]);
    expect(viewStrides([2, 3, 4], [12, 4, 1], [2, 3, 2, 2])).toEqual([12, 4, 2, 1]);
  });

  it('keeps a base offset stride for a strided but internally contiguous chunk', () => {
    // x[:, ::2] of a contiguous [3, 8] has shape [3, 4] and strides [8, 2]. The rows are 4·2 = 8 apart,
    // so the whole thing is one chunk of stride 2: [12] has stride [2], [3, 2, 2] has [8, 4, 2].
    expect(viewStrides([3, 4], [8, 2], [12])).toEqual([2]);
    expect(viewStrides([3, 4], [8, 2], [3, 2, 2])).toEqual([8, 4, 2]);
    // x[:, :4] of a contiguous [3, 8]: shape [3, 4], strides [8, 1]. Rows are 8 apart, not 4·1: merging
    // the rows is impossible, splitting the columns is fine.
    expect(viewStrides([3, 4], [8, 1], [12])).toBeNull();
    expect(viewStrides([3, 4], [8, 1], [3, 2, 2])).toEqual([8, 2, 1]);
  });

  it('refuses to merge dims of a transposed layout, as PyTorch view() does', () => {
    // torch.empty(2, 3).t(): shape [3, 2], strides [1, 3]
    expect(viewStrides([3, 2], [1, 3], [6])).toBeNull();
    expect(viewStrides([3, 2], [1, 3], [2, 3])).toBeNull();
    // adding size-1 dims is always possible: torch.empty(2, 3).t().view(3, 2, 1).stride() == (1, 3, 3)
    expect(viewStrides([3, 2], [1, 3], [3, 2, 1])).toEqual([1, 3, 3]);
  });

  it('merges only the chunks that are contiguous among themselves', () => {
    // torch.empty(2, 3, 4).transpose(0, 1): shape [3, 2, 4], strides [4, 12, 1].
    // Dims 1 and 2 are not mergeable (12 ≠ 4·1), so [3, 8] fails, but splitting the last dim works.
    expect(viewStrides([3, 2, 4], [4, 12, 1], [3, 8])).toBeNull();
    expect(viewStrides([3, 2, 4], [4, 12, 1], [6, 4])).toBeNull();
    expect(viewStrides([3, 2, 4], [4, 12, 1], [3, 2, 2, 2])).toEqual([4, 12, 2, 1]);
    // torch.empty(4, 6)[:, :3]: shape [4, 3], strides [6, 1]: [2, 2, 3] keeps the row stride, [12] is impossible
    expect(viewStrides([4, 3], [6, 1], [2, 2, 3])).toEqual([12, 6, 1]);
    expect(viewStrides([4, 3], [6, 1], [12])).toBeNull();
  });

  it('handles broadcast (stride 0) layouts', () => {
    // torch.empty(4).expand(3, 4): strides [0, 1]; splitting the last dim keeps the 0 stride.
    expect(viewStrides([3, 4], [0, 1], [3, 2, 2])).toEqual([0, 2, 1]);
    expect(viewStrides([3, 4], [0, 1], [12])).toBeNull();
  });

  it('ignores size-1 dims of the source', () => {
    // [2, 1, 3] whose size-1 dim has a junk stride is still contiguous for merging
    expect(viewStrides([2, 1, 3], [3, 77, 1], [6])).toEqual([1]);
  });

  it('uses contiguous strides for empty and 0-d tensors', () => {
    expect(viewStrides([0, 3], [3, 1], [3, 0])).toEqual([0, 1]);
    expect(viewStrides([], [], [1, 1])).toEqual([1, 1]);
  });
});
