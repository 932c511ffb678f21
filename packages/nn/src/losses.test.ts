// Unit tests of the losses beyond the PyTorch parity suite (test/losses-parity.test.ts): hand-computed
// values, numerical stability, finite-difference gradients and the error messages.
import { describe, expect, test } from 'vitest';
import { DTypeError, Generator, ShapeError, gradcheck, randn, softmax, tensor } from '@tensile/tensor';
import * as L from './losses.js';

const f64 = (shape: number[], seed: number) => randn(shape, { dtype: 'float64', generator: new Generator(seed), requiresGrad: true });
const idx = (v: number[]) => tensor(v, { dtype: 'int32' });

describe('values by hand', () => {
  test('crossEntropy of uniform logits is ln C', () => {
    expect(L.crossEntropy(tensor([[0, 0, 0, 0]], { dtype: 'float64' }), idx([2])).item()).toBeCloseTo(Math.log(4), 15);
  });

  test('mse, l1, huber and smoothL1 on d = [−3, −0.5, 0.25, 2]', () => {
    const x = tensor([-3, -0.5, 0.25, 2], { dtype: 'float64' });
    const y = tensor([0, 0, 0, 0], { dtype: 'float64' });
    expect(L.mseLoss(x, y, { reduction: 'sum' }).item()).toBe(9 + 0.25 + 0.0625 + 4);
    expect(L.l1Loss(x, y).item()).toBe(5.75 / 4);
    // Huber δ = 1: 1·(3 − ½), ½·0.25, ½·0.0625, 1·(2 − ½)
    expect(L.huberLoss(x, y, { reduction: 'none' }).toArray()).toEqual([2.5, 0.125, 0.03125, 1.5]);
    // Smooth L1 β = 2: |d| − 1 beyond 2, d²/4 inside
    expect(L.smoothL1Loss(x, y, { beta: 2, reduction: 'none' }).toArray()).toEqual([2, 0.0625, 0.015625, 1]);
  });
});

describe('numerical stability', () => {
  test('a logit of 1000 gives a finite loss and gradient', () => {
    const x = tensor([[1000, -1000, 0]], { dtype: 'float32', requiresGrad: true });
    const ce = L.crossEntropy(x, idx([1]));
    expect(ce.item()).toBe(2000);
    ce.backward();
    expect(x.grad!.toArray()).toEqual([[1, -1, 0]]);
    const z = tensor([1000, -1000], { requiresGrad: true });
    const bce = L.binaryCrossEntropyWithLogits(z, tensor([0, 1]), { reduction: 'sum' });
    expect(bce.item()).toBe(2000);
    bce.backward();
    expect(z.grad!.toArray()).toEqual([1, -1]);
  });

  test('binaryCrossEntropy clamps the log at −100 and keeps a finite gradient at 0 and 1', () => {
    const p = tensor([0, 1], { dtype: 'float64', requiresGrad: true });
    const loss = L.binaryCrossEntropy(p, tensor([1, 0], { dtype: 'float64' }), { reduction: 'none' });
    expect(loss.toArray()).toEqual([100, 100]);
    loss.sum().backward();
    expect(Array.from(p.grad!.toTypedArray()).every(Number.isFinite)).toBe(true);
  });

  test('klDiv treats 0·log 0 as 0', () => {
    const q = tensor([Math.log(0.5), Math.log(0.5)], { dtype: 'float64' });
    expect(L.klDiv(q, tensor([1, 0], { dtype: 'float64' }), { reduction: 'sum' }).item()).toBeCloseTo(Math.log(2), 15);
  });
});

describe('gradients agree with finite differences, for inputs and float targets', () => {
  const t = idx([0, 2, 1, 2]);
  test.each([
    ['crossEntropy, weighted, smoothed, ignoring', (x: never) => L.crossEntropy(x, idx([0, -100, 1, 2]), { weight: tensor([1, 2, 0.5], { dtype: 'float64' }), labelSmoothing: 0.2 })],
    ['nllLoss', (x: never) => L.nllLoss(x, t, { reduction: 'sum' })],
    ['huberLoss', (x: never) => L.huberLoss(x, tensor([[0.1, 2, -1], [0, 0, 0], [3, 1, 1], [-2, 0.5, 0]], { dtype: 'float64' }), { delta: 0.7 })],
  ])('%s', (_n, fn) => {
    expect(gradcheck(fn as never, [f64([4, 3], 1)])).toBe(true);
  });

  test('probability targets get gradients too', () => {
    const target = softmax(randn([4, 3], { dtype: 'float64', generator: new Generator(2) }), 1).detach().requiresGrad_();
    expect(gradcheck((x, y) => L.crossEntropy(x, y, { labelSmoothing: 0.1 }), [f64([4, 3], 3), target])).toBe(true);
    const p = f64([5], 4).sigmoid().detach().requiresGrad_();
    const y = f64([5], 5).sigmoid().detach().requiresGrad_();
    expect(gradcheck((a, b) => L.binaryCrossEntropy(a, b), [p, y])).toBe(true);
    expect(gradcheck((a, b) => L.binaryCrossEntropyWithLogits(a, b, { posWeight: tensor([2], { dtype: 'float64' }) }), [f64([5], 6), y])).toBe(true);
    expect(gradcheck((a, b) => L.klDiv(a, b, { reduction: 'batchmean' }), [f64([2, 3], 7), p.narrow(0, 0, 3).reshape([1, 3]).expand([2, 3]).contiguous().detach().requiresGrad_()])).toBe(true);
  });
});

describe('errors', () => {
  test('elementwise losses need equal shapes (no silent [N, 1] × [N] broadcast)', () => {
    expect(() => L.mseLoss(tensor([[1], [2]]), tensor([1, 2]))).toThrow(ShapeError);
    expect(() => L.mseLoss(tensor([[1], [2]]), tensor([1, 2]))).toThrow(/mseLoss: the input has shape \[2, 1\] but the target has shape \[2\]; they must be equal/);
  });

  test('class targets: dtype, shape and range', () => {
    const x = tensor([[0, 0, 0], [0, 0, 0]]);
    expect(() => L.crossEntropy(x, idx([0, 3]))).toThrow(/crossEntropy: target 3 \(element 1 of the target\) is out of range for 3 classes \(ignoreIndex is -100\)/);
    expect(() => L.crossEntropy(x, idx([0, 1, 2]))).toThrow(/crossEntropy: for an input of shape \[2, 3\] the class-index target must have shape \[2\], got \[3\]/);
    // Float labels of the class-index shape: the common mistake, answered with how to make int32 indices.
    expect(() => L.crossEntropy(x, tensor([0, 1]))).toThrow(DTypeError);
    expect(() => L.crossEntropy(x, tensor([0, 1]))).toThrow(
      "crossEntropy: got a float32 target of shape [2] for an input of shape [2, 3]; class indices must be an int32 tensor: convert with target.int() " +
        "or build them with tensor(labels, { dtype: 'int32' }). A float target must have the input's shape [2, 3]: class probabilities",
    );
    expect(() => L.crossEntropy(tensor([[[0.5]]]), tensor([[1.5]], { dtype: 'float64' }))).toThrow(/^crossEntropy: got a float64 target of shape \[1, 1\] for an input of shape \[1, 1, 1\]; class indices/);
    expect(() => L.crossEntropy(x, tensor([true, false]))).toThrow(/^crossEntropy: got a bool target of shape \[2\]/);
    expect(() => L.crossEntropy(x, tensor([[0, 1]]))).toThrow(/crossEntropy: a probability target must have the input's shape \[2, 3\], got \[1, 2\]/);
    expect(() => L.nllLoss(x, tensor([0, 1]))).toThrow(/^nllLoss: the target must be int32 class indices, got a float32 tensor of shape \[2\]; class indices must be an int32 tensor: convert with target\.int\(\)/);
    expect(() => L.crossEntropy(x, idx([0, 1]), { weight: tensor([1, 1]) })).toThrow(/crossEntropy: weight must have one entry per class, shape \[3\], got \[2\]/);
    expect(() => L.crossEntropy(x, x, { ignoreIndex: 0 })).toThrow(/ignoreIndex applies to class-index targets only/);
  });

  test('options', () => {
    const x = tensor([0.5]);
    expect(() => L.mseLoss(x, x, { reduction: 'avg' as never })).toThrow(/mseLoss: reduction must be 'mean', 'sum', 'none', got "avg"/);
    expect(() => L.klDiv(x, x, { reduction: 'batch' as never })).toThrow(/klDiv: reduction must be 'mean', 'sum', 'none', 'batchmean', got "batch"/);
    expect(() => L.huberLoss(x, x, { delta: 0 })).toThrow(/huberLoss: delta must be positive, got 0/);
    expect(() => L.crossEntropy(tensor([[1, 2]]), idx([0]), { labelSmoothing: 1.5 })).toThrow(/labelSmoothing must be in \[0, 1\], got 1\.5/);
    expect(() => L.binaryCrossEntropy(tensor([1.5]), tensor([1]))).toThrow(/binaryCrossEntropy: every input must be a probability in \[0, 1\], but element 0 is 1\.5; did you mean binaryCrossEntropyWithLogits\?/);
  });
});
