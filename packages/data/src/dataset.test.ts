import { describe, expect, it } from 'vitest';
import { Generator, ShapeError, arange, manualSeed, tensor } from '@tensile/tensor';
import { Subset, TensorDataset, randomPermutation, randomSplit, type Dataset } from './dataset.js';

const range = (n: number): Dataset<number> => ({ length: n, get: (i) => i });
const all = <T>(ds: Dataset<T>): T[] => Array.from({ length: ds.length }, (_, i) => ds.get(i));

describe('TensorDataset', () => {
  it('returns the i-th slice of every tensor', () => {
    const x = arange(12).reshape([4, 3]);
    const y = tensor([10, 11, 12, 13], { dtype: 'int32' });
    const ds = new TensorDataset(x, y);
    expect(ds.length).toBe(4);
    const [xi, yi] = ds.get(2);
    expect(xi.shape).toEqual([3]);
    expect(xi.toArray()).toEqual([6, 7, 8]);
    expect(yi.shape).toEqual([]);
    expect(yi.item()).toBe(12);
    expect(xi.data).toBe(x.data); // a view, no copy
  });

  it('rejects tensors of different lengths, 0-d tensors and bad indices', () => {
    expect(() => new TensorDataset(arange(4), arange(5))).toThrow(ShapeError);
    expect(() => new TensorDataset(arange(4), arange(5))).toThrow(/tensor 0 has shape \[4\] and tensor 1 has shape \[5\]/);
    expect(() => new TensorDataset(tensor(1))).toThrow(/tensor 0 is 0-d/);
    expect(() => new TensorDataset()).toThrow(/at least one tensor/);
    const ds = new TensorDataset(arange(3));
    expect(() => ds.get(3)).toThrow(/TensorDataset.get: index 3 is out of range for a dataset of 3 samples/);
    expect(() => ds.get(-1)).toThrow(RangeError);
    expect(() => ds.get(1.5)).toThrow(RangeError);
  });
});

describe('Subset', () => {
  it('maps indices through, in the given order', () => {
    const s = new Subset(range(10), [7, 2, 2, 9]);
    expect(s.length).toBe(4);
    expect(all(s)).toEqual([7, 2, 2, 9]);
    expect(all(new Subset(s, [3, 0]))).toEqual([9, 7]);
  });

  it('rejects indices outside the dataset', () => {
    expect(() => new Subset(range(3), [0, 3])).toThrow(/Subset: indices\[1\] = 3 is out of range for a dataset of 3 samples/);
    expect(() => new Subset(range(3), [0.5])).toThrow(RangeError);
    expect(() => new Subset(range(3), [1]).get(1)).toThrow(/Subset.get: index 1 is out of range/);
  });
});

describe('randomPermutation', () => {
  it('is a permutation, fixed by the generator state', () => {
    const p = randomPermutation(100, new Generator(3));
    expect([...p].sort((a, b) => a - b)).toEqual([...Array(100).keys()]);
    expect(p).toEqual(randomPermutation(100, new Generator(3)));
    expect(p).not.toEqual(randomPermutation(100, new Generator(4)));
    expect(randomPermutation(0, new Generator(3))).toEqual(new Int32Array(0));
  });

  it('is Fisher–Yates: swap position i with generator.int(0, i + 1), from the end', () => {
    const g = new Generator(11);
    const expected = [0, 1, 2, 3, 4];
    for (let i = 4; i > 0; i--) {
      const j = g.int(0, i + 1);
      [expected[i], expected[j]] = [expected[j]!, expected[i]!];
    }
    expect(Array.from(randomPermutation(5, new Generator(11)))).toEqual(expected);
  });
});

describe('randomSplit', () => {
  it('splits into disjoint subsets covering the dataset, the same for the same seed', () => {
    const [a, b, c] = randomSplit(range(20), [10, 6, 4], { generator: new Generator(1) });
    expect([a!.length, b!.length, c!.length]).toEqual([10, 6, 4]);
    const seen = [...all(a!), ...all(b!), ...all(c!)];
    expect([...seen].sort((x, y) => x - y)).toEqual([...Array(20).keys()]);
    const again = randomSplit(range(20), [10, 6, 4], { generator: new Generator(1) });
    expect(again.map(all)).toEqual([all(a!), all(b!), all(c!)]);
    const other = randomSplit(range(20), [10, 6, 4], { generator: new Generator(2) });
    expect(all(other[0]!)).not.toEqual(all(a!));
    // The split is the generator's permutation cut in order.
    expect(seen).toEqual(Array.from(randomPermutation(20, new Generator(1))));
  });

  it('takes fractions the way PyTorch does: floor, then the remainder round-robin', () => {
    // 10 · [0.33, 0.33, 0.34] floors to [3, 3, 3]; the 1 left over goes to the first split.
    expect(randomSplit(range(10), [0.33, 0.33, 0.34], { generator: new Generator(0) }).map((s) => s.length)).toEqual([4, 3, 3]);
    // 7 · [0.5, 0.5] = [3, 3] + 1 → [4, 3]
    expect(randomSplit(range(7), [0.5, 0.5], { generator: new Generator(0) }).map((s) => s.length)).toEqual([4, 3]);
    expect(randomSplit(range(10), [0.8, 0.2], { generator: new Generator(0) }).map((s) => s.length)).toEqual([8, 2]);
  });

  it('uses the default generator when none is given', () => {
    manualSeed(5);
    const a = randomSplit(range(30), [15, 15]).map(all);
    manualSeed(5);
    expect(randomSplit(range(30), [15, 15]).map(all)).toEqual(a);
    expect(a[0]).toEqual(Array.from(randomPermutation(30, new Generator(5)).subarray(0, 15)));
  });

  it('rejects lengths that are neither counts nor fractions of the dataset', () => {
    expect(() => randomSplit(range(10), [3, 4])).toThrow(/lengths \[3, 4\] sum to 7, but they must be sample counts summing to the dataset's 10 samples or fractions summing to 1/);
    expect(() => randomSplit(range(10), [0.5, 0.6])).toThrow(RangeError);
    expect(() => randomSplit(range(10), [-2, 12])).toThrow(/non-negative/);
    expect(() => randomSplit(range(10), [])).toThrow(RangeError);
  });
});
