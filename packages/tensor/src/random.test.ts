import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { Generator, getDefaultGenerator, manualSeed } from './random.js';
import { rand, randint, randn } from './index.js';

function draws(g: Generator, n: number): number[] {
  return Array.from({ length: n }, () => g.random());
}

describe('Generator', () => {
  it('is seedrandom’s Alea keyed by the seed string, so Node and browsers agree', () => {
    const ref = seedrandom.alea('42');
    const g = new Generator(42);
    for (let i = 0; i < 5; i++) expect(g.random()).toBe(ref.double());
    expect(g.seed).toBe(42);
  });

  it('pins the first numbers of seed 0 (a change here breaks every saved run)', () => {
    // seedrandom.alea('0').double() × 3, recorded once
    const expected = [0.5945264335737063, 0.12979769093792703, 0.479257016189522];
    expect(draws(new Generator(), 3)).toEqual(expected);
    expect(draws(new Generator(0), 3)).toEqual(expected);
  });

  it('gives the same stream for the same seed and different streams for different seeds', () => {
    const a = draws(new Generator(7), 20);
    const b = draws(new Generator(7), 20);
    const c = draws(new Generator(8), 20);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    // a string seed and the number with the same digits are the same seed
    expect(draws(new Generator('7'), 20)).toEqual(a);
  });

  it('manualSeed restarts the stream', () => {
    const g = new Generator(3);
    const first = draws(g, 10);
    g.manualSeed(3);
    expect(draws(g, 10)).toEqual(first);
    expect(g.manualSeed(4)).toBe(g);
    expect(g.seed).toBe(4);
  });

  it('draws uniforms in [0, 1) and ints in [low, high)', () => {
    const g = new Generator(11);
    for (let i = 0; i < 2000; i++) {
      const u = g.random();
      expect(u >= 0 && u < 1).toBe(true);
      const k = g.int(-3, 4);
      expect(Number.isInteger(k) && k >= -3 && k < 4).toBe(true);
    }
  });

  it('getState/setState resumes bit-exactly in the middle of a stream', () => {
    const g = new Generator(123);
    draws(g, 5);
    g.normal();
    const state = g.getState();
    const after = [...draws(g, 10), g.normal(), g.int(0, 1000), ...Array.from(randn([7], { generator: g, dtype: 'float64' }).data)];

    // through JSON, as a checkpoint would be stored
    const restored = new Generator(999).setState(JSON.parse(JSON.stringify(state)));
    const again = [...draws(restored, 10), restored.normal(), restored.int(0, 1000), ...Array.from(randn([7], { generator: restored, dtype: 'float64' }).data)];
    expect(again).toEqual(after);
    expect(restored.seed).toBe(123);

    // the state object is a snapshot: drawing more does not change it, and it can be loaded twice
    const twice = new Generator().setState(state);
    expect(draws(twice, 10)).toEqual(after.slice(0, 10));
  });

  it('setState refuses something that is not a state', () => {
    const g = new Generator(1);
    expect(() => g.setState(null as never)).toThrow(TypeError);
    expect(() => g.setState({ seed: 1 } as never)).toThrow('Generator.setState: expected an object from getState()');
  });
});

describe('the default generator', () => {
  it('manualSeed makes rand/randn/randint reproducible', () => {
    manualSeed(2024);
    const a = [rand([3]).toArray(), randn([2, 2]).toArray(), randint(0, 10, [5]).toArray()];
    manualSeed(2024);
    const b = [rand([3]).toArray(), randn([2, 2]).toArray(), randint(0, 10, [5]).toArray()];
    expect(b).toEqual(a);
  });

  it('manualSeed returns the new default generator', () => {
    const g = manualSeed(5);
    expect(getDefaultGenerator()).toBe(g);
    expect(g.seed).toBe(5);
    expect(rand([1], { dtype: 'float64' }).item()).toBe(new Generator(5).random());
  });

  it('an explicit generator leaves the default stream alone', () => {
    manualSeed(77);
    const expected = rand([4]).toArray();
    manualSeed(77);
    randn([100], { generator: new Generator(1) });
    expect(rand([4]).toArray()).toEqual(expected);
  });
});

describe('distributions', () => {
  const n = 100_000;

  it('randn has mean 0, std 1 and kurtosis 3', () => {
    const x = randn([n], { dtype: 'float64', generator: new Generator(31337) }).data as Float64Array;
    let m = 0;
    for (const v of x) m += v;
    m /= n;
    let m2 = 0;
    let m4 = 0;
    for (const v of x) {
      const d = (v - m) ** 2;
      m2 += d;
      m4 += d * d;
    }
    const variance = m2 / (n - 1);
    const kurtosis = m4 / n / (m2 / n) ** 2;
    // Standard errors for n = 1e5: mean 1/√n ≈ 0.0032, std 1/√(2n) ≈ 0.0022, kurtosis √(24/n) ≈ 0.015.
    // The bounds are about 6 standard errors, so the test does not flake yet catches a wrong scale or shape
    // (a uniform on [−√3, √3] has std 1 but kurtosis 1.8).
    expect(Math.abs(m)).toBeLessThan(0.02);
    expect(Math.abs(Math.sqrt(variance) - 1)).toBeLessThan(0.015);
    expect(Math.abs(kurtosis - 3)).toBeLessThan(0.1);
    // about 68.27% of the mass within one std (binomial std error ≈ 0.0015)
    let inside = 0;
    for (const v of x) if (Math.abs(v) < 1) inside++;
    expect(Math.abs(inside / n - 0.6827)).toBeLessThan(0.01);
  });

  it('rand is uniform on [0, 1): mean 1/2, variance 1/12', () => {
    const x = rand([n], { dtype: 'float64', generator: new Generator(9) }).data as Float64Array;
    let m = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of x) {
      m += v;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    m /= n;
    let v2 = 0;
    for (const v of x) v2 += (v - m) ** 2;
    v2 /= n - 1;
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    // std error of the mean: √(1/12)/√n ≈ 0.0009
    expect(Math.abs(m - 0.5)).toBeLessThan(0.006);
    expect(Math.abs(v2 - 1 / 12)).toBeLessThan(0.002);
  });

  it('randint stays in [low, high), hits every value, and is roughly uniform', () => {
    const r = randint(-2, 3, [n], { generator: new Generator(4) });
    expect(r.dtype).toBe('int32');
    const counts = new Map<number, number>();
    for (const v of r.data) counts.set(v, (counts.get(v) ?? 0) + 1);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2]);
    // each of the 5 values: expected 20000, binomial std ≈ 126
    for (const c of counts.values()) expect(Math.abs(c - n / 5)).toBeLessThan(800);
  });

  it('randint rejects an empty or non-integer range', () => {
    expect(() => randint(3, 3, [2])).toThrow(RangeError);
    expect(() => randint(3, 3, [2])).toThrow('randint: expected integers low < high, got low=3, high=3');
    expect(() => randint(0, 2.5, [2])).toThrow(RangeError);
  });
});
