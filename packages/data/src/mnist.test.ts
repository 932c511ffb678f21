import { describe, expect, it } from 'vitest';
import { Generator, ShapeError } from '@tensile/tensor';
import { expectAllClose } from '../test/helpers.js';
import { randomPermutation } from './dataset.js';
import { decodeIdx, encodeIdx } from './idx.js';
import { FASHION_MNIST_CLASSES, MNIST_CLASSES, idxImageDataset, mnistFromDigits } from './mnist.js';

// A fake package: digit d has d % 3 + 1 images; pixel p of its image j is the byte (7d + 5j + p) mod 256,
// stored as the package stores it, byte / 255 rounded to 3 decimals.
const byteAt = (d: number, j: number, p: number) => (7 * d + 5 * j + p) % 256;
const counts = Array.from({ length: 10 }, (_, d) => (d % 3) + 1); // 1 2 3 1 2 3 1 2 3 1: 19 images
const digits = counts.map((n, d) => Array.from({ length: n * 784 }, (_, i) => Math.round((byteAt(d, Math.floor(i / 784), i % 784) / 255) * 1000) / 1000));
// The samples in package order: (digit, index within the digit).
const order = counts.flatMap((n, d) => Array.from({ length: n }, (_, j) => [d, j] as const));

describe('mnistFromDigits', () => {
  it('splits the samples by a seeded permutation and snaps pixels back to byte / 255', () => {
    const { train, test, classes } = mnistFromDigits(digits, { trainSize: 12, seed: 4 });
    expect(classes).toBe(MNIST_CLASSES);
    expect([train.length, test.length]).toEqual([12, 7]);
    const perm = randomPermutation(19, new Generator(4));
    const [x, y] = train.tensors;
    expect(x.shape).toEqual([12, 1, 28, 28]);
    expect(x.dtype).toBe('float32');
    expect(y.dtype).toBe('int32');
    for (let k = 0; k < 12; k++) {
      const [d, j] = order[perm[k]!]!;
      expect((y.toArray() as number[])[k]).toBe(d);
      const expected = Array.from({ length: 784 }, (_, p) => Math.fround(byteAt(d, j, p) / 255));
      expectAllClose(x.narrow(0, k, 1), expected);
    }
    const [, yt] = test.tensors;
    expect(yt.toArray()).toEqual(Array.from(perm.subarray(12), (i) => order[i]![0]));
  });

  it('gives the same split for the same seed and a different one for another seed', () => {
    const labels = (seed: number) => mnistFromDigits(digits, { trainSize: 10, seed }).train.tensors[1].toArray();
    expect(labels(1)).toEqual(labels(1));
    expect(labels(1)).not.toEqual(labels(2));
  });

  it('defaults to 8,000 for training (or all, if fewer) and the rest for testing; seed 0', () => {
    const { train, test } = mnistFromDigits(digits);
    expect([train.length, test.length]).toEqual([19, 0]);
    expect(mnistFromDigits(digits, { trainSize: 5 }).test.length).toBe(14);
    expect(mnistFromDigits(digits, { trainSize: 5 }).train.tensors[1].toArray()).toEqual(
      mnistFromDigits(digits, { trainSize: 5, seed: 0 }).train.tensors[1].toArray(),
    );
  });

  it('flattens and gives float64 on request', () => {
    const { train } = mnistFromDigits(digits, { trainSize: 3, testSize: 2, flatten: true, dtype: 'float64' });
    expect(train.tensors[0].shape).toEqual([3, 784]);
    expect(train.tensors[0].dtype).toBe('float64');
    const [d, j] = order[randomPermutation(19, new Generator(0))[0]!]!;
    expect(train.tensors[0].narrow(0, 0, 1).reshape([784]).toArray()).toEqual(Array.from({ length: 784 }, (_, p) => byteAt(d, j, p) / 255));
  });

  it('rejects inputs that are not the package data', () => {
    expect(() => mnistFromDigits(digits.slice(0, 9))).toThrow(/expected 10 arrays of pixels \(one per digit\), got 9/);
    expect(() => mnistFromDigits([...digits.slice(0, 9), [0.5]])).toThrow(/digit 9's array must hold whole 28×28 images \(a multiple of 784 numbers\), got 1 numbers/);
    expect(() => mnistFromDigits([...digits.slice(0, 9), Array(784).fill(1.5)])).toThrow(/digit 9's pixel 0 is 1.5, outside \[0, 1\]/);
    expect(() => mnistFromDigits(digits, { trainSize: 15, testSize: 5 })).toThrow(/trainSize \(15\) and testSize \(5\) must be non-negative integers with a sum of at most the 19 samples/);
  });
});

describe('idxImageDataset', () => {
  const images = decodeIdx(encodeIdx({ type: 'ubyte', shape: [3, 2, 2], data: [0, 255, 51, 102, 1, 2, 3, 4, 5, 6, 7, 8] }));
  const labels = decodeIdx(encodeIdx({ type: 'ubyte', shape: [3], data: [9, 0, 4] }));

  it('makes [N, 1, H, W] floats in [0, 1] and int32 labels, in file order', () => {
    const ds = idxImageDataset(images, labels);
    const [x, y] = ds.tensors;
    expect(x.shape).toEqual([3, 1, 2, 2]);
    expectAllClose(x.narrow(0, 0, 1), [0, 1, 0.2, 0.4], { atol: 1e-7 });
    expect(y.toArray()).toEqual([9, 0, 4]);
    expect(idxImageDataset(images, labels, { flatten: true }).tensors[0].shape).toEqual([3, 4]);
    expect(FASHION_MNIST_CLASSES[9]).toBe('Ankle boot');
  });

  it('rejects files that are not MNIST-style images and labels', () => {
    expect(() => idxImageDataset(labels, labels)).toThrow(ShapeError);
    expect(() => idxImageDataset(labels, labels, { source: 'a' })).toThrow(/idxImageDataset\(a\): images must be ubyte \[N, H, W\], got ubyte \[3\]/);
    expect(() => idxImageDataset(images, images)).toThrow(/labels must be ubyte \[N\], got ubyte \[3, 2, 2\]/);
    const two = decodeIdx(encodeIdx({ type: 'ubyte', shape: [2], data: [1, 2] }));
    expect(() => idxImageDataset(images, two)).toThrow(/3 images but 2 labels/);
  });
});
