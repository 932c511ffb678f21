// Expected strings follow PyTorch's `_tensor_str` (4 decimals, scientific when the printed values span more
// than 1e3, exceed 1e8 or go below 1e-4, elision past 1000 elements with 3 edge items, 80-column lines),
// spelled the Tensile way: `dtype=float64`, `requiresGrad=true`, `gradFn=<mul>`, shapes as `[2, 0]`.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { arange, tensor, zeros } from './index.js';

describe('toString', () => {
  it('prints a float64 matrix that requires grad like PyTorch', () => {
    const x = tensor([[1, 2]], { dtype: 'float64', requiresGrad: true });
    expect(x.toString()).toBe('tensor([[1.0000, 2.0000]], dtype=float64, requiresGrad=true)');
  });

  it('omits the dtype for float32, the default', () => {
    expect(tensor([0.1, -2.5]).toString()).toBe('tensor([ 0.1000, -2.5000])');
  });

  it('prints a 0-d tensor without brackets', () => {
    expect(tensor(3.5).toString()).toBe('tensor(3.5000)');
    expect(tensor(-7, { dtype: 'int32' }).toString()).toBe('tensor(-7, dtype=int32)');
    expect(tensor(2, { dtype: 'float64', requiresGrad: true }).toString()).toBe('tensor(2.0000, dtype=float64, requiresGrad=true)');
  });

  it('prints int32 right-aligned with its dtype', () => {
    expect(tensor([1, -22, 3], { dtype: 'int32' }).toString()).toBe('tensor([  1, -22,   3], dtype=int32)');
  });

  it('prints bool as true/false, right-aligned, without a dtype (it is implied)', () => {
    expect(tensor([true, false]).toString()).toBe('tensor([ true, false])');
    expect(tensor([[true], [true]]).toString()).toBe('tensor([[true],\n        [true]])');
  });

  it('lays out rows under each other, with a blank line between 2-d blocks', () => {
    expect(tensor([[1, 2, 3], [4, 5, 6]]).toString()).toBe('tensor([[1.0000, 2.0000, 3.0000],\n        [4.0000, 5.0000, 6.0000]])');
    expect(zeros([2, 1, 2], { dtype: 'float64' }).toString()).toBe(
      'tensor([[[0.0000, 0.0000]],\n\n        [[0.0000, 0.0000]]], dtype=float64)',
    );
  });

  it('switches to scientific notation when the range asks for it', () => {
    // min nonzero |x| < 1e-4
    expect(tensor([1e-5, 1]).toString()).toBe('tensor([1.0000e-05, 1.0000e+00])');
    // max > 1e8
    expect(tensor([1e9, 1]).toString()).toBe('tensor([1.0000e+09, 1.0000e+00])');
    // max/min > 1000, one negative
    expect(tensor([-2000, 1.5], { dtype: 'float64' }).toString()).toBe('tensor([-2.0000e+03,  1.5000e+00], dtype=float64)');
    // exactly 1000 apart is still fixed point
    expect(tensor([1, 1000]).toString()).toBe('tensor([   1.0000, 1000.0000])');
    // zeros are ignored when choosing
    expect(tensor([0, 0.5]).toString()).toBe('tensor([0.0000, 0.5000])');
  });

  it('prints nan and inf like PyTorch, aligned with the other values', () => {
    expect(tensor([NaN, Infinity, -1.5]).toString()).toBe('tensor([    nan,     inf, -1.5000])');
    expect(tensor([-Infinity]).toString()).toBe('tensor([-inf])');
  });

  it('wraps long rows at 80 columns', () => {
    // width 7 + ", " = 9 per value; (80 − 8) / 9 = 8 values per line
    const s = arange(12).float().toString();
    expect(s).toBe(
      'tensor([ 0.0000,  1.0000,  2.0000,  3.0000,  4.0000,  5.0000,  6.0000,  7.0000,\n' +
        '         8.0000,  9.0000, 10.0000, 11.0000])',
    );
  });

  it('prints empty tensors with their size', () => {
    expect(zeros([0]).toString()).toBe('tensor([])');
    expect(zeros([2, 0]).toString()).toBe('tensor([], size=[2, 0])');
  });

  it('names the op of a non-leaf instead of requiresGrad', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(x.mul(2).toString()).toBe('tensor([2.0000, 4.0000], gradFn=<mul>)');
    expect(x.detach().toString()).toBe('tensor([1.0000, 2.0000])');
  });

  it('prints views in logical order', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(x.t().toString()).toBe('tensor([[1.0000, 4.0000],\n        [2.0000, 5.0000],\n        [3.0000, 6.0000]])');
    expect(x.slice(1, 1, undefined, 1).slice(0, 1).toString()).toBe('tensor([[5.0000, 6.0000]])');
    expect(tensor([7]).expand(3).toString()).toBe('tensor([7.0000, 7.0000, 7.0000])');
  });
});

describe('elision past 1000 elements', () => {
  it('shows 1000 elements in full', () => {
    const s = arange(1000).toString();
    expect(s).not.toContain('...');
    expect(s).toContain(' 500,');
    expect(s.startsWith('tensor([  0,   1,   2,')).toBe(true);
    expect(s.endsWith('997, 998, 999], dtype=int32)')).toBe(true);
  });

  it('elides a long vector to three items at each end', () => {
    expect(arange(2000).toString()).toBe('tensor([   0,    1,    2,  ..., 1997, 1998, 1999], dtype=int32)');
  });

  it('elides rows and columns of a large matrix, choosing the notation from the shown values only', () => {
    // shown values span 0…1999 (ratio 1999 > 1000) → scientific, width 10: (80 − 8) / 12 = 6 items per line,
    // and the 7 items of a summarised row (3 + ' ...' + 3) wrap after the sixth, as in PyTorch.
    const row = (a: number, b: number, c: number, d: number, e: number, f: number): string =>
      `[${[a, b, c].map(sci).join(', ')},  ..., ${[d, e].map(sci).join(', ')},\n         ${sci(f)}]`;
    const expected =
      'tensor([' +
      [row(0, 1, 2, 47, 48, 49), row(50, 51, 52, 97, 98, 99), row(100, 101, 102, 147, 148, 149), '...',
        row(1850, 1851, 1852, 1897, 1898, 1899), row(1900, 1901, 1902, 1947, 1948, 1949), row(1950, 1951, 1952, 1997, 1998, 1999)].join(',\n        ') +
      '])';
    expect(arange(2000).float().reshape(40, 50).toString()).toBe(expected);
  });

  it('keeps elided output short for a big tensor', () => {
    const s = zeros([100, 100, 100]).toString();
    // 3 + 3 shown entries per dim: 6³ = 216 values out of a million
    expect(s.match(/0\.0000/g)?.length).toBe(216);
    expect(s.length).toBeLessThan(3000);
    expect(s.split('\n').filter((l) => l.trim() === '...,').length).toBeGreaterThan(0);
  });
});

function sci(v: number): string {
  const [m, e] = v.toExponential(4).split('e') as [string, string];
  return `${m}e${e.startsWith('-') ? '-' : '+'}${e.replace(/^[-+]/, '').padStart(2, '0')}`;
}

describe("Node's inspector", () => {
  it('shows the same text as toString, alone and nested', () => {
    const x = tensor([[1, 2]], { dtype: 'float64', requiresGrad: true });
    expect(inspect(x)).toBe(x.toString());
    expect(inspect({ w: tensor([1, 2]) })).toBe('{ w: tensor([1.0000, 2.0000]) }');
    expect(`${tensor([3])}`).toBe('tensor([3.0000])');
    expect(Object.prototype.toString.call(tensor([1]))).toBe('[object Tensor]');
  });

  it('uses Symbol.for, so no node: import is needed in the library', () => {
    const x = tensor([1]);
    const custom = (x as unknown as Record<symbol, () => string>)[Symbol.for('nodejs.util.inspect.custom')];
    expect(typeof custom).toBe('function');
    expect(custom!.call(x)).toBe('tensor([1.0000])');
  });
});
