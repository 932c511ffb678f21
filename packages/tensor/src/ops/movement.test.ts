// Which movement ops share storage, checked against PyTorch's rules: reshape of a viewable layout, view,
// permute/transpose/t, expand (stride 0), squeeze/unsqueeze, narrow, slice and flatten are views;
// reshape/flatten of a layout that cannot be viewed copy; contiguous() copies only when needed.
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../errors.js';
import { arange, contiguous, expand, flatten, narrow, permute, reshape, slice, squeeze, t, tensor, transpose, unsqueeze, view, type Tensor } from '../index.js';

/** A fresh float64 0…n−1 of `shape`. */
function iota(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return arange(n).double().reshape(shape);
}

/** Asserts `v` is a view of `base` (the same storage) with the given layout. */
function expectView(v: Tensor, base: Tensor, shape: number[], strides: number[], offset: number): void {
  expect(v.data).toBe(base.data);
  expect(v.shape).toEqual(shape);
  expect(v.strides).toEqual(strides);
  expect(v.offset).toBe(offset);
}

describe('views share storage', () => {
  it('reshape of a contiguous tensor, with -1', () => {
    const x = iota([2, 3, 4]);
    const y = reshape(x, [4, -1]);
    expectView(y, x, [4, 6], [6, 1], 0);
    x.data[7] = -1; // element (1, 1) of the [4, 6] view
    expect((y.toArray() as number[][])[1]![1]).toBe(-1);
    expect(x.reshape(24).strides).toEqual([1]);
    expect(x.reshape(2, 12).shape).toEqual([2, 12]); // varargs form
  });

  it('reshape of a layout that can be viewed is still a view (PyTorch computeStride)', () => {
    // transpose(0, 1) of [2, 3, 4] keeps the last dim contiguous, so splitting it is a view
    const x = iota([2, 3, 4]).transpose(0, 1);
    expectView(x.reshape(3, 2, 2, 2), x, [3, 2, 2, 2], [4, 12, 2, 1], 0);
  });

  it('reshape of a non-viewable layout copies, with the right values', () => {
    const x = iota([2, 3]);
    const y = reshape(x.t(), [6]);
    expect(y.data).not.toBe(x.data);
    expect(y.toArray()).toEqual([0, 3, 1, 4, 2, 5]);
    x.data[0] = 100;
    expect(y.toArray()).toEqual([0, 3, 1, 4, 2, 5]);
  });

  it('reshape to the same shape returns the tensor itself', () => {
    const x = iota([2, 3]);
    expect(reshape(x, [2, 3])).toBe(x);
  });

  it('view shares storage and refuses what would need a copy', () => {
    const x = iota([4, 6]);
    expectView(view(x, [2, 2, 6]), x, [2, 2, 6], [12, 6, 1], 0);
    expectView(x.view(-1), x, [24], [1], 0);
    expect(() => view(x.t(), [24])).toThrow(ShapeError);
    expect(() => view(x.t(), [24])).toThrow(
      'view: a tensor of shape [6, 4] with strides [1, 6] cannot be viewed as [24]; use reshape(), which copies when it must',
    );
    expect(() => view(x, [5, -1])).toThrow('view: shape [5, -1] is invalid for input of size 24');
  });

  it('permute, transpose and t permute the strides', () => {
    const x = iota([2, 3, 4]);
    expectView(permute(x, [2, 0, 1]), x, [4, 2, 3], [1, 12, 4], 0);
    expectView(x.permute(-1, 1, 0), x, [4, 3, 2], [1, 4, 12], 0);
    expectView(transpose(x, 0, 2), x, [4, 3, 2], [1, 4, 12], 0);
    const m = iota([2, 3]);
    expectView(t(m), m, [3, 2], [1, 3], 0);
    expect(t(m).toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
    expect(m.T.toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
    // permute(x, [2, 0, 1])[i][j][k] = x[j][k][i]: element [1][1][2] is x[1][2][1] = 12 + 8 + 1
    expect((permute(x, [2, 0, 1]).toArray() as number[][][])[1]![1]![2]).toBe(21);
  });

  it('permute refuses a wrong count or a repeated dim; t refuses 3-d', () => {
    const x = iota([2, 3, 4]);
    expect(() => permute(x, [0, 1])).toThrow(ShapeError);
    expect(() => permute(x, [0, 1])).toThrow('permute: got 2 dims [0, 1] for a tensor of 3 dimensions (shape [2, 3, 4])');
    expect(() => permute(x, [0, 0, 1])).toThrow(RangeError);
    expect(() => t(x)).toThrow(/t: expects a tensor with at most 2 dimensions, got shape \[2, 3, 4\]/);
    const v = iota([3]);
    expect(t(v)).toBe(v);
  });

  it('expand uses stride 0 for broadcast dims and new leading dims', () => {
    const x = iota([3, 1]);
    const y = expand(x, [2, 3, 4]);
    expectView(y, x, [2, 3, 4], [0, 1, 0], 0);
    expect(y.toArray()).toEqual([
      [[0, 0, 0, 0], [1, 1, 1, 1], [2, 2, 2, 2]],
      [[0, 0, 0, 0], [1, 1, 1, 1], [2, 2, 2, 2]],
    ]);
    expectView(x.expand(-1, 5), x, [3, 5], [1, 0], 0);
    x.data[2] = 9;
    expect((y.toArray() as number[][][])[1]![2]).toEqual([9, 9, 9, 9]);
    expect(x.expandAs(iota([3, 2])).shape).toEqual([3, 2]);
    expect(() => expand(x, [3, 2, 2])).toThrow(ShapeError);
  });

  it('squeeze and unsqueeze', () => {
    const x = iota([1, 3, 1, 2]);
    expectView(squeeze(x), x, [3, 2], [2, 1], 0);
    expectView(squeeze(x, 2), x, [1, 3, 2], [6, 2, 1], 0);
    expectView(squeeze(x, [0, 2]), x, [3, 2], [2, 1], 0);
    expect(squeeze(x, 1)).toBe(x); // dim 1 has size 3: nothing to squeeze
    const y = iota([2, 3]);
    expectView(unsqueeze(y, 0), y, [1, 2, 3], [6, 3, 1], 0);
    expectView(unsqueeze(y, 1), y, [2, 1, 3], [3, 3, 1], 0);
    expectView(unsqueeze(y, -1), y, [2, 3, 1], [3, 1, 1], 0);
    expect(() => unsqueeze(y, 3)).toThrow(RangeError);
    // of a transposed view: the inserted dim takes a stride that keeps the layout walkable
    expect(unsqueeze(y.t(), 1).toArray()).toEqual([[[0, 3]], [[1, 4]], [[2, 5]]]);
  });

  it('narrow moves the offset', () => {
    const x = iota([4, 5]);
    const y = narrow(x, 0, 1, 2);
    expectView(y, x, [2, 5], [5, 1], 5);
    expect(y.toArray()).toEqual([[5, 6, 7, 8, 9], [10, 11, 12, 13, 14]]);
    expectView(narrow(x, 1, -2, 2), x, [4, 2], [5, 1], 3);
    expect(() => narrow(x, 1, 4, 2)).toThrow(RangeError);
    expect(() => narrow(x, 1, 4, 2)).toThrow('narrow: start 4 and length 2 fall outside dimension 1 of size 5 (shape [4, 5])');
  });

  it('slice with a step multiplies the stride', () => {
    const x = iota([3, 10]);
    const y = slice(x, 1, 1, 8, 3); // columns 1, 4, 7
    expectView(y, x, [3, 3], [10, 3], 1);
    expect(y.toArray()).toEqual([[1, 4, 7], [11, 14, 17], [21, 24, 27]]);
    // Python clamping of out-of-range and negative bounds
    expect(slice(x, 1, -3).toArray()).toEqual([[7, 8, 9], [17, 18, 19], [27, 28, 29]]);
    expect(slice(x, 1, 8, 100).shape).toEqual([3, 2]);
    expect(slice(x, 1, 5, 2).shape).toEqual([3, 0]);
    // slices of slices compose: every second of every third column → columns 0, 6
    expect(slice(slice(x, 1, 0, undefined, 3), 1, 0, undefined, 2).toArray()).toEqual([[0, 6], [10, 16], [20, 26]]);
    expect(slice(x, 1, 0, 10, 1)).toBe(x);
    expect(() => slice(x, 1, 0, 10, 0)).toThrow('slice: step must be a positive integer, got 0');
  });

  it('flatten is a view of a contiguous tensor and a copy of a transposed one', () => {
    const x = iota([2, 3, 4]);
    expectView(flatten(x), x, [24], [1], 0);
    expectView(flatten(x, 1), x, [2, 12], [12, 1], 0);
    expectView(x.flatten(0, 1), x, [6, 4], [4, 1], 0);
    const tr = x.transpose(1, 2);
    const f = flatten(tr, 1);
    expect(f.data).not.toBe(x.data);
    expect((f.toArray() as number[][])[0]!.slice(0, 4)).toEqual([0, 4, 8, 1]);
    expect(flatten(tensor(5)).shape).toEqual([1]);
  });

  it('contiguous() returns the tensor itself when it already is, and copies otherwise', () => {
    const x = iota([2, 3]);
    expect(contiguous(x)).toBe(x);
    expect(x.narrow(0, 1, 1).contiguous().data).toBe(x.data); // one row of a row-major matrix is contiguous
    const c = x.t().contiguous();
    expect(c.data).not.toBe(x.data);
    expect(c.strides).toEqual([2, 1]);
    expect(c.isContiguous).toBe(true);
    expect(Array.from(c.data)).toEqual([0, 3, 1, 4, 2, 5]);
    const e = tensor([1, 2]).expand(3, 2).contiguous();
    expect(Array.from(e.data)).toEqual([1, 2, 1, 2, 1, 2]);
  });

  it('clone always copies', () => {
    const x = iota([2]);
    const c = x.clone();
    expect(c.data).not.toBe(x.data);
    expect(c.toArray()).toEqual([0, 1]);
  });

  it('views of views keep tracking the same storage', () => {
    const x = iota([4, 4]);
    const v = x.t().narrow(0, 1, 2).slice(1, 0, undefined, 2).unsqueeze(0);
    // x.t()[1:3, ::2] = x[::2, 1:3].T = [[x01, x21], [x02, x22]] = [[1, 9], [2, 10]]
    expect(v.toArray()).toEqual([[[1, 9], [2, 10]]]);
    expect(v.data).toBe(x.data);
    x.data[9] = -9;
    expect(v.toArray()).toEqual([[[1, -9], [2, 10]]]);
  });
});

describe('gradients through views', () => {
  it('route back to the viewed elements', () => {
    const x = iota([3, 4]).requiresGrad_();
    // y = Σ w ⊙ slice(x.t(), 0, 1, 4, 2): uses x columns 1 and 3, weighted by w
    const w = tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64' });
    x.t().slice(0, 1, 4, 2).mul(w).sum().backward();
    expect(x.grad!.toArray()).toEqual([
      [0, 1, 0, 4],
      [0, 2, 0, 5],
      [0, 3, 0, 6],
    ]);
  });

  it('expand sums the gradient over the broadcast dims', () => {
    const x = tensor([[1], [2]], { dtype: 'float64', requiresGrad: true });
    // y = Σ_ij x_i · c_ij with c = [[1, 2, 3], [4, 5, 6]] → dy/dx_i = Σ_j c_ij = [6, 15]
    x.expand(2, 3).mul(tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64' })).sum().backward();
    expect(x.grad!.toArray()).toEqual([[6], [15]]);
  });

  it('reshape, squeeze, permute map the gradient back to the input shape', () => {
    const x = iota([2, 1, 3]).requiresGrad_();
    const c = tensor([[10, 20], [30, 40], [50, 60]], { dtype: 'float64' });
    // squeeze → [2, 3], permute → [3, 2]: y = Σ x[j][0][i] c[i][j], so dy/dx[j][0][i] = c[i][j]
    x.squeeze(1).permute(1, 0).mul(c).sum().backward();
    expect(x.grad!.toArray()).toEqual([[[10, 30, 50]], [[20, 40, 60]]]);
  });
});
