import { describe, expect, it } from 'vitest';
import { DTypeError, ShapeError } from './errors.js';
import {
  Generator,
  Tensor,
  arange,
  eye,
  full,
  fullLike,
  linspace,
  ones,
  onesLike,
  rand,
  randint,
  randn,
  tensor,
  zeros,
  zerosLike,
} from './index.js';

describe('tensor()', () => {
  it('makes a 0-d float32 tensor of shape [] from a JS number', () => {
    const x = tensor(2.5);
    expect(x.shape).toEqual([]);
    expect(x.ndim).toBe(0);
    expect(x.numel).toBe(1);
    expect(x.dtype).toBe('float32');
    expect(x.item()).toBe(2.5);
    expect(x.toArray()).toBe(2.5);
  });

  it('makes a bool tensor from booleans', () => {
    const x = tensor([[true, false], [false, true]]);
    expect(x.dtype).toBe('bool');
    expect(x.shape).toEqual([2, 2]);
    expect(x.toArray()).toEqual([[true, false], [false, true]]);
    expect(tensor(true).toArray()).toBe(true);
  });

  it('takes the shape of nested arrays, row-major', () => {
    const x = tensor([[[1, 2, 3], [4, 5, 6]]]);
    expect(x.shape).toEqual([1, 2, 3]);
    expect(x.strides).toEqual([6, 3, 1]);
    expect(Array.from(x.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(x.toArray()).toEqual([[[1, 2, 3], [4, 5, 6]]]);
  });

  it('rounds into the requested dtype', () => {
    expect(tensor([0.1], { dtype: 'float64' }).item()).toBe(0.1);
    expect(tensor([0.1]).item()).toBe(Math.fround(0.1));
    expect(tensor([2.7, -2.7], { dtype: 'int32' }).toArray()).toEqual([2, -2]); // truncation, as a C cast
    expect(tensor([0, 3, -1], { dtype: 'bool' }).toArray()).toEqual([false, true, true]);
  });

  it('handles empty arrays', () => {
    expect(tensor([]).shape).toEqual([0]);
    expect(tensor([[], []]).shape).toEqual([2, 0]);
    expect(tensor([[], []]).numel).toBe(0);
  });

  it('copies a typed array (flat by default, or with a shape) and keeps its dtype', () => {
    const src = new Float64Array([1, 2, 3, 4, 5, 6]);
    const x = tensor(src, { shape: [2, 3] });
    expect(x.dtype).toBe('float64');
    expect(x.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    src[0] = 100;
    expect(x.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(tensor(new Int32Array([7, 8])).shape).toEqual([2]);
    expect(tensor(new Int32Array([7, 8])).dtype).toBe('int32');
    expect(tensor(new Float32Array([1.5]), { dtype: 'float64' }).dtype).toBe('float64');
  });

  it('refuses a shape that does not hold the data', () => {
    expect(() => tensor(new Float32Array(6), { shape: [4, 2] })).toThrow(ShapeError);
    expect(() => tensor(new Float32Array(6), { shape: [4, 2] })).toThrow('tensor: shape [4, 2] holds 8 elements but the data has 6');
    expect(tensor([1, 2, 3, 4], { shape: [2, 2] }).toArray()).toEqual([[1, 2], [3, 4]]);
  });

  it('refuses a ragged nested array with a ShapeError that says where', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(ShapeError);
    expect(() => tensor([[1, 2], [3]])).toThrow(/ragged nested array: expected 2 elements at depth 1 \(index \[1\]\), got 1/);
    expect(() => tensor([[1, 2], 3] as never)).toThrow(/ragged nested array/);
    expect(() => tensor([1, [2]] as never)).toThrow(/element at \[1\] is an array, expected a number/);
  });

  it('refuses a non-number element and an unknown dtype', () => {
    expect(() => tensor(['a'] as never)).toThrow(TypeError);
    expect(() => tensor([1], { dtype: 'int64' as never })).toThrow(DTypeError);
  });

  it('sets requiresGrad, and refuses it on an int tensor', () => {
    expect(tensor([1], { requiresGrad: true }).requiresGrad).toBe(true);
    expect(tensor([1]).requiresGrad).toBe(false);
    expect(() => tensor([1], { dtype: 'int32', requiresGrad: true })).toThrow(DTypeError);
  });
});

describe('filled tensors', () => {
  it('zeros, ones and full with shape and dtype', () => {
    expect(zeros([2, 2]).toArray()).toEqual([[0, 0], [0, 0]]);
    expect(zeros([2, 2]).dtype).toBe('float32');
    expect(ones([3], { dtype: 'int32' }).toArray()).toEqual([1, 1, 1]);
    expect(ones([3], { dtype: 'int32' }).dtype).toBe('int32');
    expect(full([2], 7.5, { dtype: 'float64' }).toArray()).toEqual([7.5, 7.5]);
    expect(full([], 3).shape).toEqual([]);
    expect(full([], 3).item()).toBe(3);
    expect(zeros([0, 4]).numel).toBe(0);
  });

  it('refuses a bad shape', () => {
    expect(() => zeros([2, -1])).toThrow(ShapeError);
    expect(() => zeros([2, -1])).toThrow('zeros: sizes must be non-negative integers, got shape [2, -1]');
    expect(() => ones([1.5])).toThrow(ShapeError);
    expect(() => zeros(3 as never)).toThrow(TypeError);
    // each function names itself, not the helper it shares
    expect(() => ones([-2])).toThrow(/^ones: /);
    expect(() => zerosLike({ shape: [-1], dtype: 'float32' } as never)).toThrow(/^zerosLike: /);
    expect(() => eye(-1)).toThrow(/^eye: /);
  });

  it('…Like copies shape and dtype, with overrides', () => {
    const like = tensor([[1, 2, 3]], { dtype: 'float64' });
    const z = zerosLike(like);
    expect([z.shape, z.dtype, z.toArray()]).toEqual([[1, 3], 'float64', [[0, 0, 0]]]);
    const o = onesLike(like, { dtype: 'int32' });
    expect([o.dtype, o.toArray()]).toEqual(['int32', [[1, 1, 1]]]);
    const f = fullLike(like, -2);
    expect([f.dtype, f.toArray()]).toEqual(['float64', [[-2, -2, -2]]]);
    expect(zerosLike(like, { requiresGrad: true }).requiresGrad).toBe(true);
    // a fresh tensor, not a view of `like`
    expect(z.data).not.toBe(like.data);
  });

  it('eye puts ones on the diagonal, also for rectangles', () => {
    expect(eye(3).toArray()).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    expect(eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(eye(3, 2, { dtype: 'int32' }).toArray()).toEqual([[1, 0], [0, 1], [0, 0]]);
  });
});

describe('ranges', () => {
  it('arange(n) is 0…n−1 in int32', () => {
    const x = arange(5);
    expect(x.dtype).toBe('int32');
    expect(x.toArray()).toEqual([0, 1, 2, 3, 4]);
    expect(arange(0).shape).toEqual([0]);
  });

  it('arange with start, end, step (negative too); fractional arguments give float32', () => {
    expect(arange(2, 5).toArray()).toEqual([2, 3, 4]);
    expect(arange(5, 0, -2).toArray()).toEqual([5, 3, 1]);
    const f = arange(1, 2, 0.25);
    expect(f.dtype).toBe('float32');
    expect(f.toArray()).toEqual([1, 1.25, 1.5, 1.75]);
    // ceil((1 − 0) / 0.3) = 4 values: 0, 0.3, 0.6, 0.9
    expect(arange(0, 1, 0.3, { dtype: 'float64' }).toArray()).toEqual([0, 0.3, 0.6, 0.8999999999999999]);
    expect(arange(3, undefined, 1, { dtype: 'float64' }).dtype).toBe('float64');
  });

  it('arange refuses a zero step and a step pointing away from the end', () => {
    expect(() => arange(0, 5, 0)).toThrow(RangeError);
    expect(() => arange(0, 5, -1)).toThrow('arange: the range [0, 5) cannot be walked with step -1');
  });

  it('linspace includes both endpoints exactly', () => {
    expect(linspace(0, 1, 5).toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(linspace(-1, 1, 3, { dtype: 'float64' }).toArray()).toEqual([-1, 0, 1]);
    const l = linspace(0, 0.3, 4, { dtype: 'float64' }).toArray() as number[];
    expect(l[0]).toBe(0);
    expect(l[3]).toBe(0.3);
    expect(l[1]).toBeCloseTo(0.1, 15);
    expect(linspace(2, 3, 1).toArray()).toEqual([2]);
    expect(linspace(2, 3, 0).shape).toEqual([0]);
    expect(() => linspace(0, 1, -1)).toThrow(RangeError);
  });
});

describe('random tensors', () => {
  it('rand and randn are float32 by default, float64 on request, and seeded', () => {
    const g = () => new Generator(5);
    const r = rand([2, 3], { generator: g() });
    expect([r.shape, r.dtype]).toEqual([[2, 3], 'float32']);
    expect(Array.from(rand([2, 3], { generator: g(), dtype: 'float64' }).data).map(Math.fround)).toEqual(Array.from(r.data));
    const n = randn([4], { generator: g(), dtype: 'float64' });
    expect(n.dtype).toBe('float64');
    expect(Array.from(n.data)).toEqual(Array.from(randn([4], { generator: g(), dtype: 'float64' }).data));
    expect(randn([2], { requiresGrad: true }).requiresGrad).toBe(true);
  });

  it('rand/randn refuse an int dtype; randint makes int32 in range', () => {
    expect(() => rand([2], { dtype: 'int32' })).toThrow(DTypeError);
    expect(() => randn([2], { dtype: 'int32' })).toThrow('randn: dtype must be float32 or float64, got int32');
    const k = randint(5, 8, [50], { generator: new Generator(1) });
    expect(k.dtype).toBe('int32');
    expect(Array.from(k.data).every((v) => v >= 5 && v < 8)).toBe(true);
  });
});

describe('reading', () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64' });

  it('shape, dtype, ndim, numel', () => {
    expect(x.shape).toEqual([2, 3]);
    expect(x.dtype).toBe('float64');
    expect(x.ndim).toBe(2);
    expect(x.numel).toBe(6);
    expect(x.isContiguous).toBe(true);
    expect(x).toBeInstanceOf(Tensor);
  });

  it('toArray gives nested arrays in logical order, also for views', () => {
    expect(x.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(x.t().toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(x.slice(1, 0, 3, 2).toArray()).toEqual([[1, 3], [4, 6]]);
  });

  it('toTypedArray is a contiguous copy, also of a view', () => {
    const a = x.toTypedArray();
    expect(a).toBeInstanceOf(Float64Array);
    expect(Array.from(a)).toEqual([1, 2, 3, 4, 5, 6]);
    a[0] = 99;
    expect(x.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(a).not.toBe(x.data);
    const tv = x.t().toTypedArray();
    expect(Array.from(tv)).toEqual([1, 4, 2, 5, 3, 6]);
    // a narrowed view copies just its own elements
    expect(Array.from(x.narrow(0, 1, 1).toTypedArray())).toEqual([4, 5, 6]);
  });

  it('item reads a one-element tensor, also a view with an offset', () => {
    expect(tensor([[7]]).item()).toBe(7);
    expect(x.narrow(0, 1, 1).narrow(1, 2, 1).item()).toBe(6);
    expect(tensor([3], { dtype: 'int32' }).item()).toBe(3);
    expect(() => x.item()).toThrow(RangeError);
    expect(() => x.item()).toThrow('item: only a one-element tensor can be converted to a number, got shape [2, 3]');
  });
});
