import { describe, expect, test } from 'vitest';
import { DTypeError, Generator, ShapeError, enableGrad, grad, gradcheck, ones, randn, tensor, zeros, type Tensor } from '@tensile/tensor';
import * as F from './functional.js';

const f64 = (shape: number[], seed: number, requiresGrad = true) => randn(shape, { dtype: 'float64', generator: new Generator(seed), requiresGrad });

describe('gradients of the compositions agree with finite differences', () => {
  test('linear, batchNorm (train and eval), layerNorm', () => {
    expect(gradcheck((x, w, b) => F.linear(x, w, b), [f64([3, 4], 1), f64([2, 4], 2), f64([2], 3)])).toBe(true);
    const rm = f64([3], 4, false);
    const rv = f64([3], 5, false).abs();
    expect(gradcheck((x, w, b) => F.batchNorm(x, null, null, { weight: w, bias: b, training: true }), [f64([4, 3, 2], 6), f64([3], 7), f64([3], 8)])).toBe(true);
    expect(gradcheck((x, w) => F.batchNorm(x, rm, rv, { weight: w, training: false }), [f64([4, 3], 9), f64([3], 10)])).toBe(true);
    expect(gradcheck((x, w, b) => F.layerNorm(x, [2, 3], { weight: w, bias: b }), [f64([2, 2, 3], 11), f64([2, 3], 12), f64([2, 3], 13)])).toBe(true);
  });

  test('layerNorm (one fused op): a non-contiguous input, and second-order gradients through its recomputing backward', () => {
    expect(gradcheck((x) => F.layerNorm(x.transpose(0, 1), [3], { eps: 1e-3 }), [f64([5, 2, 3], 21)])).toBe(true);
    const r = f64([4, 5], 22, false);
    // The gradient of Σ r ⊙ layerNorm(x) with createGraph, itself checked against finite differences.
    const dx = (x: Tensor, w: Tensor) => enableGrad(() => grad([F.layerNorm(x, [5], { weight: w }).mul(r).sum()], [x, w], { createGraph: true }) as Tensor[]);
    expect(gradcheck((x, w) => dx(x, w), [f64([4, 5], 23), f64([5], 24)])).toBe(true);
    // …and that gradient equals the kernel's (no graph), which the first-order gradcheck covers.
    const [x, w] = [f64([4, 5], 23), f64([5], 24)];
    const fast = grad([F.layerNorm(x, [5], { weight: w }).mul(r).sum()], [x, w]) as Tensor[];
    dx(x, w).forEach((g, i) => expect(g.sub(fast[i]!).abs().max().item()).toBeLessThan(1e-12));
  });

  test('adaptiveAvgPool2d (uneven windows), embedding, gelu tanh, softplus with β', () => {
    expect(gradcheck((x) => F.adaptiveAvgPool2d(x, [2, 3]), [f64([1, 2, 5, 7], 14)])).toBe(true);
    const idx = tensor([[1, 0], [3, 1]], { dtype: 'int32' });
    expect(gradcheck((w) => F.embedding(idx, w), [f64([4, 3], 15)])).toBe(true);
    expect(gradcheck((x) => F.gelu(x, { approximate: 'tanh' }), [f64([6], 16)])).toBe(true);
    expect(gradcheck((x) => F.softplus(x, { beta: 2, threshold: 50 }), [f64([6], 17)])).toBe(true);
  });
});

describe('dropout', () => {
  const n = 100000;

  test('drops a fraction p and scales the rest by 1/(1 − p): the mean is kept', () => {
    const p = 0.3;
    const y = F.dropout(ones([n], { dtype: 'float64' }), p, { generator: new Generator(1) });
    const v = Array.from(y.toTypedArray());
    const dropped = v.filter((x) => x === 0).length;
    // Binomial(n, p): standard deviation √(np(1 − p)) ≈ 145; allow 5 of them.
    expect(Math.abs(dropped - p * n)).toBeLessThan(5 * Math.sqrt(n * p * (1 - p)));
    expect(new Set(v.filter((x) => x !== 0))).toEqual(new Set([1 / (1 - p)]));
  });

  test('the gradient is the same mask and scale', () => {
    const x = ones([1000], { requiresGrad: true, dtype: 'float64' });
    const y = F.dropout(x, 0.5, { generator: new Generator(2) });
    y.sum().backward();
    expect(Array.from(x.grad!.toTypedArray())).toEqual(Array.from(y.toTypedArray()));
  });

  test('is seeded, is the identity when not training or p = 0, and gives zeros at p = 1', () => {
    const x = randn([50], { generator: new Generator(3) });
    const a = F.dropout(x, 0.5, { generator: new Generator(4) });
    const b = F.dropout(x, 0.5, { generator: new Generator(4) });
    expect(a.toArray()).toEqual(b.toArray());
    expect(F.dropout(x, 0.5, { training: false })).toBe(x);
    expect(F.dropout(x, 0)).toBe(x);
    expect(Array.from(F.dropout(x, 1).toTypedArray()).every((v) => v === 0)).toBe(true);
  });

  test('rejects p outside [0, 1] and int inputs', () => {
    expect(() => F.dropout(ones([2]), 1.5)).toThrow(/dropout: p must be in \[0, 1\], got 1\.5/);
    expect(() => F.dropout(ones([2]), NaN)).toThrow(RangeError);
    expect(() => F.dropout(ones([2], { dtype: 'int32' }), 0.5)).toThrow(DTypeError);
  });
});

describe('batchNorm', () => {
  test('updates the running stats with the unbiased variance, in place, outside the graph', () => {
    const x = tensor([[1, 10], [3, 20], [5, 60]], { dtype: 'float64', requiresGrad: true });
    const rm = zeros([2], { dtype: 'float64' });
    const rv = ones([2], { dtype: 'float64' });
    F.batchNorm(x, rm, rv, { training: true, momentum: 0.5 });
    // means 3 and 30; unbiased variances 4 and 700
    expect(rm.toArray()).toEqual([1.5, 15]);
    expect(rv.toArray()).toEqual([2.5, 350.5]);
    expect(rm.requiresGrad).toBe(false);
  });

  test('errors name the argument and shapes', () => {
    const x = zeros([4, 3]);
    expect(() => F.batchNorm(zeros([1, 3]), null, null, { training: true })).toThrow(/batchNorm: expected more than 1 value per channel when training, got input of shape \[1, 3\]/);
    expect(() => F.batchNorm(x, zeros([2]), ones([3]))).toThrow(/batchNorm: runningMean must have shape \[3\] for an input of shape \[4, 3\], got \[2\]/);
    expect(() => F.batchNorm(x, null, null)).toThrow(/batchNorm: running statistics are needed when not training/);
    expect(() => F.batchNorm(x, zeros([3], { dtype: 'float64' }), ones([3]))).toThrow(/batchNorm: runningMean is float64 but the input is float32/);
    expect(() => F.batchNorm(zeros([3]), null, null)).toThrow(ShapeError);
  });
});

describe('shape errors', () => {
  test('linear names both shapes', () => {
    expect(() => F.linear(zeros([32, 512]), zeros([128, 784]))).toThrow(
      /linear: expected the last dimension of the input to be 784 \(weight of shape \[128, 784\]\), got input of shape \[32, 512\]/,
    );
    expect(() => F.linear(zeros([2, 3]), zeros([3]))).toThrow(/linear: weight must be 2-d \[out, in\], got shape \[3\]/);
    expect(() => F.linear(zeros([2, 3]), zeros([4, 3]), zeros([3]))).toThrow(/linear: bias must have shape \[4\], got \[3\]/);
  });

  test('layerNorm, unflatten, adaptiveAvgPool2d, embedding', () => {
    expect(() => F.layerNorm(zeros([2, 5]), [4])).toThrow(/layerNorm: expected the input's last 1 dimension to be \[4\], got input of shape \[2, 5\]/);
    expect(() => F.unflatten(zeros([2, 6]), 1, [4, 2])).toThrow(/unflatten: sizes \[4, 2\] do not multiply to 6, the size of dimension 1/);
    expect(F.unflatten(zeros([2, 6]), 1, [3, -1]).shape).toEqual([2, 3, 2]);
    expect(() => F.adaptiveAvgPool2d(zeros([2, 4, 4]), 2)).toThrow(/adaptiveAvgPool2d: expected a 4-d input \[N, C, H, W\], got shape \[2, 4, 4\]/);
    expect(() => F.adaptiveAvgPool2d(zeros([1, 1, 4, 4]), 0)).toThrow(/output size must be positive integers/);
    expect(() => F.embedding(tensor([0, 4], { dtype: 'int32' }), zeros([4, 2]))).toThrow(/embedding: index 4 \(element 1 of the input of shape \[2\]\) is out of range for 4 embeddings/);
    expect(() => F.embedding(tensor([0, 1]), zeros([4, 2]))).toThrow(/embedding: the indices must be an int32 tensor, got float32/);
  });
});

test('embedding: the padding row gets no gradient but keeps its value', () => {
  const w = tensor([[1, 2], [3, 4], [5, 6]], { dtype: 'float64', requiresGrad: true });
  const y = F.embedding(tensor([0, 1, 1, 2], { dtype: 'int32' }), w, { paddingIdx: 1 });
  expect(y.toArray()).toEqual([[1, 2], [3, 4], [3, 4], [5, 6]]);
  y.sum().backward();
  expect(w.grad!.toArray()).toEqual([[1, 1], [0, 0], [1, 1]]);
});
