// multinomial draws from Tensile's own generator, so it is checked by its statistics and its guarantees
// (determinism per seed, distinct draws without replacement, zero weights never drawn while others remain).
import { describe, expect, it } from 'vitest';
import { Generator, manualSeed, multinomial, tensor } from '../index.js';

const counts = (values: ArrayLike<number>, n: number): number[] => {
  const c = new Array<number>(n).fill(0);
  for (let i = 0; i < values.length; i++) c[values[i]!]!++;
  return c;
};

describe('multinomial', () => {
  it('draws with replacement in proportion to the weights (chi-square, 3 degrees of freedom)', () => {
    const w = [1, 2, 3, 4];
    const n = 20000;
    const draws = multinomial(tensor(w, { dtype: 'float64' }), n, { replacement: true, generator: new Generator(11) });
    expect(draws.dtype).toBe('int32');
    expect(draws.shape).toEqual([n]);
    const c = counts(draws.toTypedArray(), 4);
    const chi2 = c.reduce((s, k, i) => s + (k - (n * w[i]!) / 10) ** 2 / ((n * w[i]!) / 10), 0);
    // 99.9th percentile of χ²(3) is 16.27.
    expect(chi2).toBeLessThan(16.27);
  });

  it('gives the same draws for the same seed, and a row per input row', () => {
    const p = tensor([[0.1, 0.9, 0], [0.5, 0, 0.5]]);
    const a = multinomial(p, 6, { replacement: true, generator: new Generator(3) });
    const b = multinomial(p, 6, { replacement: true, generator: new Generator(3) });
    expect(a.shape).toEqual([2, 6]);
    expect(Array.from(a.toTypedArray())).toEqual(Array.from(b.toTypedArray()));
    manualSeed(5);
    const c = multinomial(p, 6, { replacement: true });
    manualSeed(5);
    expect(Array.from(multinomial(p, 6, { replacement: true }).toTypedArray())).toEqual(Array.from(c.toTypedArray()));
    // Zero weights are never drawn with replacement.
    const rows = a.toArray() as number[][];
    expect(rows[0]!.every((v) => v !== 2)).toBe(true);
    expect(rows[1]!.every((v) => v !== 1)).toBe(true);
  });

  it('without replacement: distinct draws; the first follows the weights; zero weights only once the rest are used', () => {
    const w = tensor([0, 1, 3, 0, 6], { dtype: 'float64' });
    const g = new Generator(7);
    const first = [0, 0, 0, 0, 0];
    const trials = 4000;
    for (let t = 0; t < trials; t++) {
      const d = Array.from(multinomial(w, 5, { generator: g }).toTypedArray());
      expect(new Set(d).size).toBe(5);
      // PyTorch 1.13's order: the positive weights first, then the zero weights by index.
      expect(d.slice(3)).toEqual([0, 3]);
      first[d[0]!]!++;
    }
    // P(first = i) = wᵢ/10: 0.1, 0.3, 0.6 (binomial standard errors ≈ 0.005–0.008).
    expect(first[1]! / trials).toBeCloseTo(0.1, 1);
    expect(first[2]! / trials).toBeCloseTo(0.3, 1);
    expect(first[4]! / trials).toBeCloseTo(0.6, 1);
  });

  it('without replacement, the second draw follows sequential sampling: P(2nd = j | 1st = i) = wⱼ/(W − wᵢ)', () => {
    const w = [1, 2, 7];
    const g = new Generator(9);
    let firstIs2 = 0;
    let secondIs1GivenFirst2 = 0;
    const trials = 6000;
    for (let t = 0; t < trials; t++) {
      const [a, b] = Array.from(multinomial(tensor(w), 2, { generator: g }).toTypedArray());
      if (a === 2) {
        firstIs2++;
        if (b === 1) secondIs1GivenFirst2++;
      }
    }
    expect(firstIs2 / trials).toBeCloseTo(0.7, 1);
    // 2/(1 + 2) = 0.667
    expect(secondIs1GivenFirst2 / firstIs2).toBeCloseTo(2 / 3, 1);
  });

  it('is also a Tensor method', () => {
    expect(tensor([0, 0, 1]).multinomial(2, { replacement: true, generator: new Generator(1) }).toArray()).toEqual([2, 2]);
  });
});
