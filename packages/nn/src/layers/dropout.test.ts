import { describe, expect, test } from 'vitest';
import { Generator, ones } from '@tensile/tensor';
import { Dropout } from './dropout.js';

describe('Dropout', () => {
  test('train mode: about p of the elements dropped, the mean kept; eval mode: the input itself', () => {
    const n = 50000;
    const p = 0.25;
    const drop = new Dropout(p, { generator: new Generator(3) });
    const x = ones([n], { dtype: 'float64' });
    const v = Array.from(drop.forward(x).toTypedArray());
    const zeros = v.filter((a) => a === 0).length;
    expect(Math.abs(zeros - p * n)).toBeLessThan(5 * Math.sqrt(n * p * (1 - p)));
    const mean = v.reduce((s, a) => s + a, 0) / n;
    // Each element is 0 or 4/3: mean 1, standard deviation √(p/(1 − p)) ≈ 0.577 per element
    expect(Math.abs(mean - 1)).toBeLessThan(5 * Math.sqrt(p / (1 - p) / n));
    expect(drop.eval().forward(x)).toBe(x);
  });

  test('two masks differ; the same seed gives the same masks', () => {
    const x = ones([64]);
    const a = new Dropout(0.5, { generator: new Generator(8) });
    const b = new Dropout(0.5, { generator: new Generator(8) });
    const a1 = a.forward(x).toArray();
    expect(a.forward(x).toArray()).not.toEqual(a1);
    expect(b.forward(x).toArray()).toEqual(a1);
  });

  test('p must be a probability; prints like PyTorch', () => {
    expect(() => new Dropout(-0.1)).toThrow(/Dropout: p must be in \[0, 1\], got -0\.1/);
    expect(new Dropout().toString()).toBe('Dropout(p=0.5, inplace=false)');
  });
});
