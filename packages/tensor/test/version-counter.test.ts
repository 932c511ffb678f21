// Version counters (PyTorch's `_version`): every in-place write bumps the storage's version, ops note the
// version of what they save, and backward refuses a saved tensor that was written in place since. Also the
// refusal of in-place writes into views whose elements share memory, and the Tensor constructor's checks.
import { describe, expect, it } from 'vitest';
import {
  AutogradError,
  cat,
  ShapeError,
  Tensor,
  defineElementwise,
  elementwise_,
  grad,
  listBackends,
  noGrad,
  ones,
  tensor,
  zeros,
} from '../src/index.js';
import { hasInternalOverlap } from '../src/shape.js';
import { useBackend } from './helpers.js';

const f64 = (v: number[] | number[][], requiresGrad = false): Tensor => tensor(v, { dtype: 'float64', requiresGrad });

describe.each(listBackends())('backend %s: version counters', (backend) => {
  useBackend(backend);

  it('the issue\'s first case: a saved intermediate written in place under noGrad makes backward throw', () => {
    // Without the check a.grad came out [20, 40, 60]; the true gradient of Σ(a·1)² is 2a = [2, 4, 6].
    const a = f64([1, 2, 3], true);
    const b = a.mul(1);
    const y = b.mul(b).sum();
    noGrad(() => b.mul_(10));
    expect(() => y.backward()).toThrow(AutogradError);
    expect(() => y.backward()).toThrow(
      /backward: a float64 tensor of shape \[3\] that mul saved for its backward was modified in place \(last by mul_\): it is at version 1, but mul saved it at version 0\. Clone it before modifying it in place \(x\.clone\(\)\), or modify it after backward\(\)\./,
    );
    expect(a.grad).toBeNull();
  });

  it('the issue\'s second case: an input that needs no grad, written in place after matmul saved it', () => {
    const x = f64([[1, 2], [3, 4]]);
    const w = f64([[1, 0], [0, 1]], true);
    const y = x.matmul(w).sum();
    x.mul_(100); // x needs no grad, so this is legal in grad mode; matmul still needs x for w's gradient
    expect(() => y.backward()).toThrow(/that matmul saved for its backward was modified in place \(last by mul_\): it is at version 1, but matmul saved it at version 0/);
    expect(w.grad).toBeNull();
  });

  it('the fix the message suggests works: clone before modifying, or modify after backward', () => {
    const a = f64([1, 2, 3], true);
    const b = a.mul(1);
    const y = b.mul(b).sum();
    const c = noGrad(() => b.clone().mul_(10));
    expect(c.toArray()).toEqual([10, 20, 30]);
    y.backward();
    expect(a.grad!.toArray()).toEqual([2, 4, 6]);
    noGrad(() => b.mul_(10)); // after backward: nothing left needs b
    expect(b.toArray()).toEqual([10, 20, 30]);
  });

  it('writing through a view, or copying into a view, bumps the base\'s version (views share it)', () => {
    const x = f64([[1, 2, 3], [4, 5, 6]]);
    const v = x.slice(1, 1, 3);
    const tr = x.t();
    expect([x.version, v.version, tr.version]).toEqual([0, 0, 0]);
    v.mul_(2);
    expect([x.version, v.version, tr.version, x.detach().version]).toEqual([1, 1, 1, 1]);
    x.narrow(0, 1, 1).copy_(f64([[7, 8, 9]]));
    expect(tr.version).toBe(2);
    expect(x.toArray()).toEqual([[1, 4, 6], [7, 8, 9]]);

    const w = f64([[1, 2], [3, 4]], true);
    const base = f64([[1, 1], [1, 1]]);
    const y = base.matmul(w).sum();
    base.t().slice(0, 0, 1).fill_(5); // writes a column of base through a transposed slice
    expect(() => y.backward()).toThrow(/matmul saved for its backward was modified in place \(last by fill_\)/);
  });

  it('every in-place op bumps once; an in-place op that fails bumps nothing and writes nothing', () => {
    const t = f64([1, 2, 3]);
    const ops: [string, () => unknown][] = [
      ['add_', () => t.add_(1)], ['sub_', () => t.sub_(f64([1, 1, 1]), 2)], ['mul_', () => t.mul_(2)], ['div_', () => t.div_(2)],
      ['addcmul_', () => t.addcmul_(f64([1, 2, 3]), f64([1, 1, 1]))], ['addcdiv_', () => t.addcdiv_(f64([1, 2, 3]), f64([1, 1, 1]))],
      ['copy_', () => t.copy_(f64([4, 5, 6]))], ['zero_', () => t.zero_()], ['fill_', () => t.fill_(2)], ['clamp_', () => t.clamp_(0, 1)],
      ['sqrt_', () => t.sqrt_()],
    ];
    ops.forEach(([name, run], i) => {
      run();
      expect(t.version, name).toBe(i + 1);
      expect(t.versionCounter.lastWrite).toBe(name);
    });
    const before = t.toArray();
    expect(() => t.add_(f64([1, 2]))).toThrow(ShapeError);
    expect(() => t.copy_(f64([[1, 2, 3], [4, 5, 6]]))).toThrow(ShapeError);
    expect(t.version).toBe(ops.length);
    expect(t.toArray()).toEqual(before);
  });

  it('an optimizer step (a fused elementwise update) between forward and backward makes backward throw', () => {
    const w = f64([1, 2, 3], true);
    const x = f64([1, 1, 1]);
    const y = w.mul(x).sum(); // mul saves w for x's gradient and x for w's
    const yw = w.mul(w).sum();
    w.grad = f64([1, 1, 1]);
    const mean = zeros([3], { dtype: 'float64' });
    const variance = zeros([3], { dtype: 'float64' });
    const adam = defineElementwise({
      name: 'adam', write: ['w', 'm', 'v'], read: ['g'], scalars: ['lr'],
      body: 'm = m * 0.9 + g * 0.1; v = v * 0.999 + g * g * 0.001; w = w - lr * m / (sqrt(v) + 1e-8)',
    });
    noGrad(() => elementwise_(adam, { w, m: mean, v: variance, g: w.grad! }, { lr: 0.1 }));
    expect([w.version, mean.version, variance.version, w.grad!.version]).toEqual([1, 1, 1, 0]);
    expect(w.versionCounter.lastWrite).toBe('elementwise_(adam)');
    expect(() => yw.backward()).toThrow(/mul saved for its backward was modified in place \(last by elementwise_\(adam\)\): it is at version 1, but mul saved it at version 0/);
    // In y = w·x only w needs a gradient, which reads x, not w: writing w is harmless there, as in PyTorch
    // (MulBackward saves `other` only when `self` requires grad).
    y.backward();
    expect(w.grad!.toArray()).toEqual([2, 2, 2]); // the [1, 1, 1] set above plus x
  });

  it('a saved tensor is checked only when a wanted gradient reads it, as in PyTorch', () => {
    const x = f64([[1, 2], [3, 4]], true);
    const w = f64([[1, 0], [0, 1]]);
    const y = x.matmul(w).sum(); // x's gradient reads w, not x
    noGrad(() => x.mul_(100));
    y.backward();
    expect(x.grad!.toArray()).toEqual([[1, 1], [1, 1]]);
    const y2 = x.matmul(w).sum();
    w.add_(1); // but w is read
    expect(() => y2.backward()).toThrow(/matmul saved for its backward was modified in place \(last by add_\)/);
  });

  it('only what backward reads is saved: writing to the output of mul, add or a view is legal, as in PyTorch', () => {
    const a = f64([1, 2, 3], true);
    const b = f64([4, 5, 6], true);
    const y = a.mul(b);
    noGrad(() => y.mul_(2)); // mul's backward reads a and b, not y
    y.sum().backward();
    expect(a.grad!.toArray()).toEqual([4, 5, 6]);
    expect(b.grad!.toArray()).toEqual([1, 2, 3]);

    // exp saves its output (d/dx eˣ = eˣ): writing to it is caught, as PyTorch catches it.
    const x = f64([0, 1], true);
    const e = x.exp();
    noGrad(() => e.add_(1));
    expect(() => e.sum().backward()).toThrow(/exp saved for its backward was modified in place \(last by add_\)/);

    // cat and pad keep sizes, not their inputs: their inputs may be written after the forward pass.
    const p = f64([1, 2], true);
    const q = f64([3], true);
    const pc = p.mul(1);
    const joined = cat([pc, q], 0);
    noGrad(() => pc.fill_(0));
    joined.sum().backward();
    expect(p.grad!.toArray()).toEqual([1, 1]);
  });

  it('backward twice with retainGraph sees a write made in between', () => {
    const a = f64([1, 2], true);
    const b = a.mul(1);
    const y = b.mul(b).sum();
    y.backward(null, { retainGraph: true });
    expect(a.grad!.toArray()).toEqual([2, 4]);
    noGrad(() => b.add_(1));
    expect(() => y.backward()).toThrow(/mul saved for its backward was modified in place/);
    expect(a.grad!.toArray()).toEqual([2, 4]);
  });

  it('grad() checks versions too, and a double backward through a written tensor is refused', () => {
    const x = f64([1, 2], true);
    const s = x.sigmoid(); // saves its output
    const [g] = grad(s.sum(), x, { createGraph: true });
    noGrad(() => s.mul_(3));
    expect(() => grad(g!.sum(), x)).toThrow(/saved for its backward was modified in place/);
  });

  it('an in-place write into a view whose elements share memory throws and writes nothing (fill_ and zero_ excepted, as PyTorch)', () => {
    const base = ones([1, 3], { dtype: 'float64' });
    const e = base.expand([2, 3]);
    const writes: [string, () => unknown][] = [
      ['mul_', () => e.mul_(2)], ['add_', () => e.add_(1)], ['copy_', () => e.copy_(f64([[1, 2, 3], [4, 5, 6]]))],
      ['clamp_', () => e.clamp_(0, 0.5)], ['sqrt_', () => e.sqrt_()], ['addcmul_', () => e.addcmul_(e, e)],
    ];
    for (const [name, run] of writes) {
      expect(run, name).toThrow(ShapeError);
      expect(run, name).toThrow(new RegExp(`^${name.replace('_', '\\_')}: more than one element of the target \\(shape \\[2, 3\\], strides \\[0, 1\\]\\) refers to the same memory location`));
    }
    expect(base.toArray()).toEqual([[1, 1, 1]]);
    expect(base.version).toBe(0);
    // a fused elementwise update refuses such a view too
    const g = zeros([2, 3], { dtype: 'float64' });
    const step = defineElementwise({ name: 'step', write: ['p', 'c'], read: ['g'], body: 'c = c + g * g; p = p - g / sqrt(c)' });
    expect(() => elementwise_(step, { p: e, c: zeros([2, 3], { dtype: 'float64' }), g })).toThrow(/refers to the same memory location/);
    // a strided view without shared elements is fine
    const m = f64([[1, 2], [3, 4]]);
    m.t().mul_(2);
    expect(m.toArray()).toEqual([[2, 4], [6, 8]]);
    // an expand of a size-1 dim to size 1 shares nothing
    ones([1, 3]).expand([1, 3]).mul_(2);
    // fill_ and zero_ store one value everywhere, which PyTorch allows on such a view
    e.fill_(2);
    expect(base.toArray()).toEqual([[2, 2, 2]]);
    e.zero_();
    expect(base.toArray()).toEqual([[0, 0, 0]]);
    expect(base.version).toBe(2);
  });
});

describe('hasInternalOverlap', () => {
  it('finds stride-0 dims and hand-made overlapping strides, and passes every layout tensor ops make', () => {
    expect(hasInternalOverlap([2, 3], [0, 1])).toBe(true);
    expect(hasInternalOverlap([1, 3], [0, 1])).toBe(false);
    expect(hasInternalOverlap([2, 3], [3, 1])).toBe(false);
    expect(hasInternalOverlap([3, 2], [1, 3])).toBe(false);
    expect(hasInternalOverlap([2, 2], [1, 1])).toBe(true); // offsets 0,1,1,2
    expect(hasInternalOverlap([3, 3], [3, 4])).toBe(false); // 3i + 4j: the sorted test fails, the exact one finds 9 distinct offsets
    expect(hasInternalOverlap([3, 3], [2, 4])).toBe(true); // 2·2 + 4·0 = 2·0 + 4·1
    expect(hasInternalOverlap([0, 3], [0, 0])).toBe(false); // empty
    expect(hasInternalOverlap([2, 0], [0, 1])).toBe(false); // empty, with a stride-0 dim before the empty one
  });
});

describe('the Tensor constructor', () => {
  it('checks that the buffer covers the shape, strides and offset', () => {
    expect(() => new Tensor(new Float32Array(2), [3])).toThrow(
      /^Tensor: a buffer of 2 elements cannot hold shape \[3\] with strides \[1\] at offset 0 \(it reaches element 2\)$/,
    );
    expect(() => new Tensor(new Float32Array(6), [2, 3], [3, 1], 1)).toThrow(/it reaches element 6/);
    expect(() => new Tensor(new Float32Array(6), [2, 3], [4, 1])).toThrow(/strides \[4, 1\]/);
    expect(() => new Tensor(new Float32Array(6), [2, 3], [3])).toThrow(/strides must be 2 non-negative integers for shape \[2, 3\], got \[3\]/);
    expect(() => new Tensor(new Float32Array(6), [2, 3], [3, -1])).toThrow(ShapeError);
    expect(() => new Tensor(new Float32Array(6), [2, 1.5])).toThrow(/shape must be an array of non-negative integers, got \[2, 1\.5\]/);
    expect(() => new Tensor(new Float32Array(6), [-1, 3])).toThrow(ShapeError);
    expect(() => new Tensor(new Float32Array(6), [6], [1], -1)).toThrow(/offset must be a non-negative integer, got -1/);
    expect(() => new Tensor([1, 2, 3] as never, [3])).toThrow(/data must be a Float32Array, Float64Array, Int32Array or Uint8Array \(bool\), or a device backend.s storage, got Array/);
    // layouts that fit
    expect(new Tensor(new Float64Array([1, 2, 3, 4, 5, 6]), [2, 3]).toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(new Tensor(new Float64Array([1, 2, 3, 4, 5, 6]), [3, 2], [1, 3]).toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(new Tensor(new Float64Array([1, 2, 3, 4, 5, 6]), [2], [2], 3).toArray()).toEqual([4, 6]);
    expect(new Tensor(new Float64Array(0), [0, 3], [3, 1], 5).numel).toBe(0); // an empty view reaches nothing
    expect(new Tensor(new Float64Array([7]), [2, 2], [0, 0]).toArray()).toEqual([[7, 7], [7, 7]]);
  });

  it('gives each tensor built from a buffer its own version counter, as torch.frombuffer does', () => {
    const buf = new Float64Array([1, 2, 3]);
    const a = new Tensor(buf, [3]);
    const b = new Tensor(buf, [3]);
    a.add_(1);
    expect([a.version, b.version]).toEqual([1, 0]);
    expect(b.toArray()).toEqual([2, 3, 4]);
  });
});
