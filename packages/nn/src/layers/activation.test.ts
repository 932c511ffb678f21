import { describe, expect, test } from 'vitest';
import { tensor } from '@tensile/tensor';
import { ELU, GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Softplus, Tanh } from './activation.js';

describe('activations', () => {
  const x = tensor([-2, 0, 3], { dtype: 'float64' });
  test('values', () => {
    expect(new ReLU().forward(x).toArray()).toEqual([0, 0, 3]);
    expect(new LeakyReLU(0.5).forward(x).toArray()).toEqual([-1, 0, 3]);
    expect(new ELU(2).forward(x).toArray()).toEqual([2 * (Math.exp(-2) - 1), 0, 3]);
    expect(new Sigmoid().forward(tensor([0], { dtype: 'float64' })).toArray()).toEqual([0.5]);
    expect(new Tanh().forward(tensor([0], { dtype: 'float64' })).toArray()).toEqual([0]);
    expect(new GELU().forward(tensor([0], { dtype: 'float64' })).toArray()).toEqual([0]);
    // Above β·x > threshold, softplus is x itself.
    expect(new Softplus({ beta: 2, threshold: 4 }).forward(x).toArray()).toEqual([Math.log1p(Math.exp(-4)) / 2, Math.log(2) / 2, 3]);
    expect(new Softmax(0).forward(tensor([1, 1], { dtype: 'float64' })).toArray()).toEqual([0.5, 0.5]);
    const ls = new LogSoftmax(0).forward(tensor([1, 1], { dtype: 'float64' })).toArray() as number[];
    ls.forEach((v) => expect(v).toBeCloseTo(-Math.LN2, 15));
  });

  test('argument checks and messages', () => {
    expect(() => new GELU({ approximate: 'erf' as never })).toThrow(/GELU: approximate must be 'none' or 'tanh', got "erf"/);
    expect(() => new Softmax(0.5)).toThrow(/Softmax: dim must be an integer, got 0\.5/);
    expect(() => new ReLU().forward(3 as never)).toThrow(/ReLU: expected a Tensor input, got 3$/);
    expect(() => new Softmax(2).forward(x)).toThrow(/softmax: dim 2 is out of range/);
  });
});
