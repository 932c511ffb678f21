import { describe, expect, test } from 'vitest';
import { AutogradError, grad, groupForBackward, tensor, Tensor, type Tensor as T } from '../index.js';

const isTensor = (v: unknown): v is T => v instanceof Tensor;
const values = (t: T | null): number[] => Array.from(t!.toTypedArray() as Float32Array);

describe('tensor.registerHook', () => {
  test('a leaf’s hooks see its gradient before .grad, in registration order; a returned tensor replaces it', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const seen: number[][] = [];
    x.registerHook((g) => void seen.push(values(g)));
    x.registerHook((g) => g.mul(10));
    x.registerHook((g) => void seen.push(values(g)));
    x.mul(x).sum().backward(); // d/dx Σx² = 2x
    expect(seen).toEqual([[2, 4, 6], [20, 40, 60]]);
    expect(values(x.grad)).toEqual([20, 40, 60]);
  });

  test('a non-leaf’s hook changes what flows to its inputs; remove() unregisters it', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(3);
    const h = y.registerHook((g) => g.add(1));
    y.sum().backward(); // dy = 1 → 2 after the hook; dx = 3·2
    expect(values(x.grad)).toEqual([6, 6]);
    h.remove();
    h.remove();
    x.grad = null;
    x.mul(3).sum().backward();
    expect(values(x.grad)).toEqual([3, 3]);
  });

  test('grad() runs the hooks of the tensors on the way', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(2);
    y.registerHook((g) => g.mul(-1));
    expect(values(grad(y.sum(), x)[0]!)).toEqual([-2, -2]);
  });

  test('errors: no gradient, not a function, a changed shape', () => {
    expect(() => tensor([1]).registerHook((g) => g)).toThrow(AutogradError);
    expect(() => tensor([1], { requiresGrad: true }).registerHook(null as never)).toThrow(/registerHook: expected a function, got null/);
    const x = tensor([1, 2], { requiresGrad: true });
    x.registerHook((g) => g.sum());
    expect(() => x.mul(2).sum().backward()).toThrow(/registerHook: a hook changed the gradient's shape from \[2\] to \[\]/);
  });
});

describe('groupForBackward', () => {
  test('hands the gradients of all members to one callback once all are known; its result flows on', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3], { requiresGrad: true });
    const calls: number[][][] = [];
    const [ga, n, gb] = groupForBackward('G', [a, 5, b], (gs) => {
      calls.push(gs.map(values));
      return [gs[0]!.mul(2), null];
    }, isTensor) as [T, number, T];
    expect(n).toBe(5);
    // a is used twice (two paths), b once; the callback sees the summed gradient of a.
    ga.mul(3).add(ga).sum().add(gb.mul(7).sum()).backward();
    expect(calls).toEqual([[[4, 4], [7]]]);
    expect(values(a.grad)).toEqual([8, 8]);
    expect(b.grad).toBeNull();
  });

  test('returns the values unchanged when none requires grad', () => {
    const a = tensor([1]);
    expect(groupForBackward('G', [a], () => undefined, isTensor)[0]).toBe(a);
  });
});
