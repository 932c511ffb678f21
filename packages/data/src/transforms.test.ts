import { describe, expect, it } from 'vitest';
import { Generator, ShapeError, arange, pad, tensor, type Tensor } from '@tensile/tensor';
import { expectAllClose } from '../test/helpers.js';
import { compose, flatten, normalize, oneHot, randomShift } from './transforms.js';

describe('normalize', () => {
  it('(x − mean) / std with numbers', () => {
    const y = normalize(0.5, 0.25)(tensor([0, 0.5, 1, 0.75]));
    expectAllClose(y, [-2, 0, 2, 1], { shape: [4] });
    expect(y.dtype).toBe('float32');
    const d = normalize(0.1307, 0.3081)(tensor([0, 1], { dtype: 'float64' }));
    expect(d.dtype).toBe('float64');
    expectAllClose(d, [-0.1307 / 0.3081, (1 - 0.1307) / 0.3081], { rtol: 1e-15 });
  });

  it('per channel, on one image and on a batch', () => {
    // channel 0: (x − 1) / 1, channel 1: (x − 3) / 2
    const img = tensor([[[1, 2]], [[3, 4]]]); // [2, 1, 2]
    const t = normalize([1, 3], [1, 2]);
    expectAllClose(t(img), [0, 1, 0, 0.5], { shape: [2, 1, 2] });
    expectAllClose(t(img.unsqueeze(0)), [0, 1, 0, 0.5], { shape: [1, 2, 1, 2] });
    expectAllClose(normalize([1, 3], 2)(img), [0, 0.5, 0, 0.5], { shape: [2, 1, 2] });
  });

  it('turns integer inputs into float32', () => {
    const y = normalize([0, 0], [2, 4])(tensor([[[2]], [[2]]], { dtype: 'int32' }));
    expect(y.dtype).toBe('float32');
    expectAllClose(y, [1, 0.5]);
  });

  it('rejects bad constants and inputs with the wrong channel count', () => {
    expect(() => normalize(0, 0)).toThrow(/std must be positive, got 0/);
    expect(() => normalize([0, 1], [1, 1, 1])).toThrow(/mean has 2 channels but std has 3/);
    expect(() => normalize(NaN, 1)).toThrow(/mean must be a finite number/);
    expect(() => normalize([0, 0, 0], 1)(tensor([[[1]]]))).toThrow(ShapeError);
    expect(() => normalize([0, 0, 0], 1)(tensor([[[1]]]))).toThrow(/3 per-channel values need inputs shaped \[C, H, W\] or \[N, C, H, W\] with C = 3, got \[1, 1, 1\]/);
  });
});

describe('flatten and oneHot', () => {
  it('flatten keeps the batch dimension by default', () => {
    const x = arange(8).reshape([2, 1, 2, 2]);
    expect(flatten()(x).toArray()).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
    expect(flatten(0)(x.narrow(0, 1, 1).reshape([1, 2, 2])).toArray()).toEqual([4, 5, 6, 7]);
    expect(() => flatten(0.5)).toThrow(RangeError);
  });

  it('oneHot gives float32 rows by default, int32 on request', () => {
    const labels = tensor([2, 0, 1], { dtype: 'int32' });
    const y = oneHot(3)(labels);
    expect(y.dtype).toBe('float32');
    expect(y.toArray()).toEqual([[0, 0, 1], [1, 0, 0], [0, 1, 0]]);
    expect(oneHot(4, { dtype: 'int32' })(labels).toArray()).toEqual([[0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0]]);
    expect(() => oneHot(2)(labels)).toThrow(/index 2 .* out of range/);
    expect(() => oneHot(0)).toThrow(/numClasses must be a positive integer, got 0/);
  });
});

describe('randomShift', () => {
  const img = tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);

  /** The crop offsets a generator with this seed gives the first image: vertical, then horizontal. */
  const offsets = (seed: number, k: number) => {
    const g = new Generator(seed);
    return [g.int(0, 2 * k + 1), g.int(0, 2 * k + 1)];
  };
  const seedWith = (oy: number, ox: number, k: number) => {
    for (let s = 0; ; s++) {
      const [a, b] = offsets(s, k);
      if (a === oy && b === ox) return s;
    }
  };

  it('moves the image by whole pixels, filling the gap', () => {
    // crop offset (2, 0) of the 1-padded image: out[y][x] = in[y + 1][x − 1]
    const s = seedWith(2, 0, 1);
    expect(randomShift(1, { generator: new Generator(s) })(img).toArray()).toEqual([
      [0, 4, 5],
      [0, 7, 8],
      [0, 0, 0],
    ]);
    // crop offset (0, 1): out[y][x] = in[y − 1][x], the top row is fill
    const t = seedWith(0, 1, 1);
    expect(randomShift(1, { generator: new Generator(t), fill: -1 })(img).toArray()).toEqual([
      [-1, -1, -1],
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const c = seedWith(1, 1, 1);
    expect(randomShift(1, { generator: new Generator(c) })(img).toArray()).toEqual(img.toArray());
  });

  /** Reference: pad by k, crop H × W at the generator's offsets, image by image. */
  const padCrop = (x: Tensor, k: number, g: Generator): unknown[] => {
    const [n, c, h, w] = x.shape as [number, number, number, number];
    return Array.from({ length: n }, (_, i) => {
      const oy = g.int(0, 2 * k + 1);
      const ox = g.int(0, 2 * k + 1);
      return pad(x.narrow(0, i, 1).reshape([c, h, w]), [k, k, k, k]).slice(1, oy, oy + h).slice(2, ox, ox + w).toArray();
    });
  };

  it('shifts each image of a batch on its own, all channels together, as pad + random crop does', () => {
    const x = arange(2 * 2 * 4 * 5, undefined, 1, { dtype: 'float32' }).reshape([2, 2, 4, 5]).add(1);
    for (const k of [1, 2, 3, 6]) {
      const y = randomShift(k, { generator: new Generator(k) })(x);
      expect(y.shape).toEqual([2, 2, 4, 5]);
      expect(y.dtype).toBe('float32');
      expect(y.toArray()).toEqual(padCrop(x, k, new Generator(k)));
    }
  });

  it('is deterministic per seed, keeps float64, and advances the generator two draws per image', () => {
    const x = arange(32, undefined, 1, { dtype: 'float64' }).reshape([2, 1, 4, 4]);
    const g = new Generator(3);
    const t = randomShift(2, { generator: g });
    const a = t(x);
    expect(a.dtype).toBe('float64');
    const b = t(x);
    expect(randomShift(2, { generator: new Generator(3) })(x).toArray()).toEqual(a.toArray());
    const replay = new Generator(3);
    for (let i = 0; i < 4; i++) replay.int(0, 5);
    expect(b.toArray()).toEqual(padCrop(x, 2, replay));
    expect(g.getState()).toEqual(replay.getState());
  });

  it('maxShift 0 is the identity; rejects bad arguments', () => {
    expect(randomShift(0)(img)).toBe(img);
    expect(() => randomShift(-1)).toThrow(/maxShift must be a non-negative integer, got -1/);
    expect(() => randomShift(1)(tensor([1, 2, 3]))).toThrow(/expected images shaped \[H, W\], \[C, H, W\] or \[N, C, H, W\], got \[3\]/);
  });
});

describe('compose', () => {
  it('applies transforms left to right', () => {
    const t = compose(normalize(1, 2), flatten());
    expect(t(tensor([[[[1, 3]], [[5, 7]]]])).toArray()).toEqual([[0, 1, 2, 3]]);
    const u = compose(flatten(), normalize(1, 2));
    expect(u(tensor([[[1, 3]]])).toArray()).toEqual([[0, 1]]);
    const one = tensor([1]);
    expect(compose()(one)).toBe(one);
    expect(() => compose(normalize(0, 1), 3 as never)).toThrow(/transform 1 is number, not a function/);
  });
});
