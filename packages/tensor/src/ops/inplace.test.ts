import { describe, expect, it } from 'vitest';
import { AutogradError, DTypeError, ShapeError } from '../errors.js';
import { add_, addcdiv_, addcmul_, clamp_, copy_, div_, fill_, mul_, noGrad, sub_, tensor, zeros, type Tensor } from '../index.js';
import { zero_ } from './inplace.js';

const f64 = (v: number[] | number[][]): Tensor => tensor(v, { dtype: 'float64' });

describe('in-place arithmetic', () => {
  it('add_ and sub_ with alpha, tensor and number operands', () => {
    const x = f64([1, 2, 3]);
    x.add_(f64([10, 20, 30]));
    expect(x.toArray()).toEqual([11, 22, 33]);
    x.sub_(f64([1, 2, 3]), 2); // x − 2·[1, 2, 3]
    expect(x.toArray()).toEqual([9, 18, 27]);
    x.add_(1);
    expect(x.toArray()).toEqual([10, 19, 28]);
    add_(x, 2, 3); // + 2·3
    expect(x.toArray()).toEqual([16, 25, 34]);
    sub_(x, 6);
    expect(x.toArray()).toEqual([10, 19, 28]);
  });

  it('mul_ and div_, broadcasting the operand', () => {
    const x = f64([[1, 2], [3, 4]]);
    x.mul_(f64([10, 100]));
    expect(x.toArray()).toEqual([[10, 200], [30, 400]]);
    x.div_(f64([[10], [2]]));
    expect(x.toArray()).toEqual([[1, 20], [15, 200]]);
    mul_(x, 0.5);
    div_(x, 0.5);
    expect(x.toArray()).toEqual([[1, 20], [15, 200]]);
  });

  it('addcmul_ and addcdiv_: x += value·t1·t2 and x += value·t1/t2', () => {
    const x = f64([1, 1]);
    x.addcmul_(f64([2, 3]), f64([4, 5]), 0.5); // 1 + 0.5·[8, 15]
    expect(x.toArray()).toEqual([5, 8.5]);
    x.addcdiv_(f64([3, 1]), f64([2, 4]), -2); // [5, 8.5] − 2·[1.5, 0.25]
    expect(x.toArray()).toEqual([2, 8]);
    addcmul_(x, f64([1, 1]), f64([1, 2]));
    addcdiv_(x, f64([1, 1]), f64([1, 2]));
    expect(x.toArray()).toEqual([4, 10.5]);
  });

  it('copy_ broadcasts and converts dtype; a number fills', () => {
    const x = zeros([2, 3]);
    x.copy_(f64([1.5, 2.5, 3.5]));
    expect(x.toArray()).toEqual([[1.5, 2.5, 3.5], [1.5, 2.5, 3.5]]);
    const i = zeros([2], { dtype: 'int32' });
    copy_(i, f64([7.9, -1.2]));
    expect(i.toArray()).toEqual([7, -1]);
    x.copy_(4);
    expect(x.toArray()).toEqual([[4, 4, 4], [4, 4, 4]]);
  });

  it('zero_, fill_ and clamp_', () => {
    const x = f64([-3, -1, 0, 2, 5]);
    x.clamp_(-2, 3);
    expect(x.toArray()).toEqual([-2, -1, 0, 2, 3]);
    clamp_(x, 0);
    expect(x.toArray()).toEqual([0, 0, 0, 2, 3]);
    clamp_(x, null, 1);
    expect(x.toArray()).toEqual([0, 0, 0, 1, 1]);
    x.fill_(7);
    expect(x.toArray()).toEqual([7, 7, 7, 7, 7]);
    fill_(x, -1);
    expect(x.toArray()).toEqual([-1, -1, -1, -1, -1]);
    expect(x.zero_().toArray()).toEqual([0, 0, 0, 0, 0]);
    x.fill_(2);
    zero_(x);
    expect(x.toArray()).toEqual([0, 0, 0, 0, 0]);
  });

  it('methods return the tensor itself, so they chain', () => {
    const x = f64([1]);
    expect(x.add_(1)).toBe(x);
    expect(x.mul_(3).sub_(1).div_(5).item()).toBe(1);
  });

  it('writes through a view into its base, as in PyTorch', () => {
    const base = f64([[1, 2, 3], [4, 5, 6]]);
    base.t().narrow(0, 1, 2).mul_(10); // columns 1 and 2
    expect(base.toArray()).toEqual([[1, 20, 30], [4, 50, 60]]);
    base.slice(1, 0, 3, 2).zero_(); // columns 0 and 2
    expect(base.toArray()).toEqual([[0, 20, 0], [0, 50, 0]]);
  });

  it('reads an operand that aliases the target before writing (x += xᵀ)', () => {
    // [[1, 2], [3, 4]] + [[1, 3], [2, 4]] = [[2, 5], [5, 8]]; a naive in-order loop would read the
    // already-updated x[0][1] when computing x[1][0] and give 3 + 5 = 8 there.
    const x = f64([[1, 2], [3, 4]]);
    x.add_(x.t());
    expect(x.toArray()).toEqual([[2, 5], [5, 8]]);
    const y = f64([[1, 2], [3, 4]]);
    y.copy_(y.t());
    expect(y.toArray()).toEqual([[1, 3], [2, 4]]);
  });
});

describe('refusals (and nothing changes)', () => {
  it('refuses a leaf that requires grad while grad mode is on', () => {
    const w = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const ops: [string, () => unknown][] = [
      ['add_', () => w.add_(1)],
      ['sub_', () => w.sub_(1)],
      ['mul_', () => w.mul_(2)],
      ['div_', () => w.div_(2)],
      ['addcmul_', () => w.addcmul_(f64([1, 1]), f64([1, 1]))],
      ['addcdiv_', () => w.addcdiv_(f64([1, 1]), f64([1, 1]))],
      ['copy_', () => w.copy_(f64([5, 5]))],
      ['zero_', () => w.zero_()],
      ['fill_', () => w.fill_(3)],
      ['clamp_', () => w.clamp_(0, 1)],
    ];
    for (const [name, run] of ops) {
      expect(run).toThrow(AutogradError);
      expect(run).toThrow(
        `${name}: cannot modify a tensor that requires grad (shape [2]) in place while grad mode is on; wrap the update in noGrad(() => …)`,
      );
    }
    expect(w.toArray()).toEqual([1, 2]);
  });

  it('refuses a non-leaf that requires grad too (its saved values would silently change)', () => {
    const w = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const y = w.mul(2);
    expect(() => y.add_(1)).toThrow(AutogradError);
    expect(y.toArray()).toEqual([2, 4]);
  });

  it('works under noGrad and keeps requiresGrad and .grad', () => {
    const w = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    w.mul(w).sum().backward(); // grad = 2w = [2, 4]
    noGrad(() => {
      w.sub_(w.grad!, 0.25); // SGD step with lr 0.25: [1, 2] − 0.25·[2, 4]
      w.grad!.zero_();
    });
    expect(w.toArray()).toEqual([0.5, 1]);
    expect(w.requiresGrad).toBe(true);
    expect(w.grad!.toArray()).toEqual([0, 0]);
    // the next backward sees the updated values: d/dw Σw² = 2w = [1, 2]
    w.mul(w).sum().backward();
    expect(w.grad!.toArray()).toEqual([1, 2]);
    noGrad(() => {
      w.addcmul_(f64([1, 1]), f64([1, 1]));
      w.addcdiv_(f64([1, 1]), f64([1, 1]));
      w.mul_(2).div_(2).clamp_(0, 100).copy_(f64([9, 9]));
      w.fill_(1).zero_();
    });
    expect(w.toArray()).toEqual([0, 0]);
  });

  it('refuses an operand that does not broadcast to the target', () => {
    const x = f64([[1, 2, 3]]);
    expect(() => x.add_(f64([[1], [2]]))).toThrow(ShapeError);
    expect(() => x.add_(f64([[1], [2]]))).toThrow('add_: an operand of shape [2, 1] cannot be broadcast to the target\'s shape [1, 3]');
    expect(() => x.mul_(f64([1, 2]))).toThrow(ShapeError);
    expect(() => x.copy_(f64([1, 2]))).toThrow(ShapeError);
    expect(x.toArray()).toEqual([[1, 2, 3]]);
  });

  it('refuses to write floats into an int tensor', () => {
    const i = tensor([1, 2], { dtype: 'int32' });
    expect(() => i.add_(0.5)).toThrow(DTypeError);
    expect(() => i.add_(0.5)).toThrow('add_: cannot write the non-integer 0.5 into a int32 tensor in place');
    expect(() => i.mul_(f64([1, 1]))).toThrow(DTypeError);
    expect(() => i.div_(2)).toThrow(DTypeError);
    expect(i.toArray()).toEqual([1, 2]);
    i.add_(3);
    expect(i.toArray()).toEqual([4, 5]);
  });
});
