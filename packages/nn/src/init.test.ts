// Initialisers and the layers' default initialisation, tested statistically: the draws come from our own
// seeded generator, so they cannot equal PyTorch's, but they must follow the same distributions. Each
// test uses tens of thousands of draws and a Kolmogorov–Smirnov bound at the 0.1% level (1.95/√n), or
// moments within several standard errors, so a wrong bound, scale or fan fails and a correct one passes.
import { describe, expect, test } from 'vitest';
import { DTypeError, Generator, ShapeError, Tensor, erf, manualSeed, tensor, zeros } from '@tensile/tensor';
import * as init from './init.js';
import { Linear } from './layers/linear.js';
import { Conv2d } from './layers/conv.js';
import { Embedding } from './layers/embedding.js';
import { BatchNorm2d } from './layers/batchnorm.js';
import { LayerNorm } from './layers/layer-norm.js';

const values = (t: Tensor): number[] => Array.from(t.toTypedArray() as Float64Array);

/** The KS distance between the sample and a CDF. */
function ks(sample: number[], cdf: (x: number[]) => number[]): number {
  const xs = [...sample].sort((a, b) => a - b);
  const f = cdf(xs);
  const n = xs.length;
  return Math.max(...f.map((v, i) => Math.max(Math.abs((i + 1) / n - v), Math.abs(v - i / n))));
}

const uniformCdf = (a: number, b: number) => (xs: number[]) => xs.map((x) => Math.min(Math.max((x - a) / (b - a), 0), 1));
const normalCdf = (mean: number, std: number) => (xs: number[]) =>
  values(erf(tensor(xs.map((x) => (x - mean) / (std * Math.SQRT2)), { dtype: 'float64' }))).map((e) => 0.5 * (1 + e));
const ksBound = (n: number) => 1.95 / Math.sqrt(n);

function expectUniform(t: Tensor, bound: number, label: string): void {
  const v = values(t);
  expect(Math.max(...v.map(Math.abs)), `${label}: |values| ≤ ${bound}`).toBeLessThanOrEqual(bound);
  expect(ks(v, uniformCdf(-bound, bound)), `${label}: KS distance to U(±${bound})`).toBeLessThan(ksBound(v.length));
}

function expectNormal(t: Tensor, mean: number, std: number, label: string): void {
  const v = values(t);
  expect(ks(v, normalCdf(mean, std)), `${label}: KS distance to N(${mean}, ${std}²)`).toBeLessThan(ksBound(v.length));
}

describe('initialisers', () => {
  test('uniform_ and normal_ follow their distributions and are reproducible from a generator', () => {
    const t = zeros([40000], { dtype: 'float64' });
    expectUniform(init.uniform_(t, -0.3, 0.3, { generator: new Generator(1) }), 0.3, 'uniform_');
    const first = values(t);
    init.uniform_(t, -0.3, 0.3, { generator: new Generator(1) });
    expect(values(t)).toEqual(first);
    init.uniform_(t, 2, 5, { generator: new Generator(2) });
    expect(ks(values(t), uniformCdf(2, 5))).toBeLessThan(ksBound(40000));
    expectNormal(init.normal_(t, 1.5, 0.2, { generator: new Generator(3) }), 1.5, 0.2, 'normal_');
  });

  test('a wrong distribution fails the same checks (the tests can fail)', () => {
    const t = init.uniform_(zeros([40000], { dtype: 'float64' }), -0.29, 0.29, { generator: new Generator(1) });
    expect(ks(values(t), uniformCdf(-0.3, 0.3))).toBeGreaterThan(ksBound(40000));
    init.normal_(t, 0, 1.03, { generator: new Generator(2) });
    expect(ks(values(t), normalCdf(0, 1))).toBeGreaterThan(ksBound(40000));
  });

  test('constant_, zeros_, ones_ write into float32 tensors that require grad', () => {
    const t = zeros([2, 2], { requiresGrad: true });
    expect(values(init.constant_(t, 0.5))).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(values(init.ones_(t))).toEqual([1, 1, 1, 1]);
    expect(values(init.zeros_(t))).toEqual([0, 0, 0, 0]);
    expect(t.requiresGrad).toBe(true);
  });

  test('xavier: U(±gain·√(6/(fanIn+fanOut))) and N(0, gain²·2/(fanIn+fanOut)); fans include the kernel', () => {
    const w = zeros([64, 32, 3, 3], { dtype: 'float64' }); // fanIn 288, fanOut 576
    expectUniform(init.xavierUniform_(w, { gain: 2, generator: new Generator(4) }), 2 * Math.sqrt(6 / 864), 'xavierUniform_');
    expectNormal(init.xavierNormal_(w, { gain: 0.5, generator: new Generator(5) }), 0, 0.5 * Math.sqrt(2 / 864), 'xavierNormal_');
  });

  test('kaiming: gain/√fan with PyTorch defaults (leakyRelu, a = 0 → √2; fanIn)', () => {
    const w = zeros([256, 128], { dtype: 'float64' });
    expectUniform(init.kaimingUniform_(w, { generator: new Generator(6) }), Math.sqrt(2) * Math.sqrt(3 / 128), 'kaimingUniform_');
    expectUniform(init.kaimingUniform_(w, { a: Math.sqrt(5), generator: new Generator(7) }), 1 / Math.sqrt(128), 'kaimingUniform_ a=√5');
    expectNormal(init.kaimingNormal_(w, { mode: 'fanOut', nonlinearity: 'relu', generator: new Generator(8) }), 0, Math.sqrt(2 / 256), 'kaimingNormal_ fanOut');
    expectNormal(init.kaimingNormal_(w, { nonlinearity: 'tanh', generator: new Generator(9) }), 0, (5 / 3) / Math.sqrt(128), 'kaimingNormal_ tanh');
  });

  test('orthogonal_: orthonormal rows (wide) or columns (tall), scaled by the gain', () => {
    for (const shape of [[6, 20], [20, 6], [8, 2, 3]]) {
      const w = init.orthogonal_(zeros(shape, { dtype: 'float64' }), { gain: 3, generator: new Generator(10) });
      const m = w.reshape([shape[0]!, -1]);
      const gram = m.shape[0]! <= m.shape[1]! ? m.matmul(m.t()) : m.t().matmul(m);
      const n = gram.shape[0]!;
      const eye = Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 9 : 0));
      values(gram).forEach((v, i) => expect(v).toBeCloseTo(eye[i]!, 12));
    }
  });

  test('truncNormal_: inside [a, b] with the truncated normal’s moments', () => {
    const t = init.truncNormal_(zeros([40000], { dtype: 'float64' }), { generator: new Generator(11) });
    const v = values(t);
    expect(Math.min(...v)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...v)).toBeLessThanOrEqual(2);
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    const variance = v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length;
    // N(0, 1) truncated to [−2, 2]: var = 1 − 2·2φ(2)/(Φ(2) − Φ(−2)) = 0.773741
    expect(Math.abs(mean)).toBeLessThan(5 * Math.sqrt(0.7737 / v.length));
    expect(variance).toBeCloseTo(0.773741, 2);
    const shifted = values(init.truncNormal_(zeros([2000], { dtype: 'float64' }), { mean: 5, std: 0.5, a: 4.5, b: 7, generator: new Generator(12) }));
    expect(Math.min(...shifted)).toBeGreaterThanOrEqual(4.5);
    expect(init.trunc_normal_).toBe(init.truncNormal_);
  });

  test('calculateGain matches PyTorch', () => {
    expect(init.calculateGain('linear')).toBe(1);
    expect(init.calculateGain('conv2d')).toBe(1);
    expect(init.calculateGain('sigmoid')).toBe(1);
    expect(init.calculateGain('tanh')).toBe(5 / 3);
    expect(init.calculateGain('relu')).toBe(Math.SQRT2);
    expect(init.calculateGain('leakyRelu')).toBeCloseTo(Math.sqrt(2 / 1.0001), 15);
    expect(init.calculateGain('leakyRelu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3), 15);
    expect(init.calculateGain('selu')).toBe(0.75);
    expect(() => init.calculateGain('swish' as never)).toThrow(/calculateGain: unsupported nonlinearity "swish"/);
  });

  test('errors name the initialiser and change nothing', () => {
    const v = zeros([3]);
    expect(() => init.xavierUniform_(v)).toThrow(ShapeError);
    expect(() => init.xavierUniform_(v)).toThrow(/xavierUniform_: fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions \(shape \[3\]\)/);
    expect(() => init.uniform_(zeros([2], { dtype: 'int32' }))).toThrow(DTypeError);
    expect(() => init.uniform_(v, 1, 0)).toThrow(/uniform_: expected a ≤ b, got a=1, b=0/);
    expect(() => init.normal_(v, 0, -1)).toThrow(/normal_: std must be non-negative, got -1/);
    expect(() => init.kaimingUniform_(zeros([2, 2]), { mode: 'fan_in' as never })).toThrow(/kaimingUniform_: mode must be 'fanIn' or 'fanOut', got "fan_in"/);
    expect(() => init.truncNormal_(v, { a: 50, b: 60 })).toThrow(/truncNormal_: \[50, 60\] holds too little of N\(0, 1²\)/);
    expect(values(v)).toEqual([0, 0, 0]);
  });
});

describe('layers start like their PyTorch twins', () => {
  test('Linear: weight and bias U(±1/√in)', () => {
    const fc = new Linear(400, 100, { dtype: 'float64', generator: new Generator(20) });
    expectUniform(fc.weight, 1 / 20, 'Linear weight');
    const biases = new Linear(400, 20000, { dtype: 'float64', generator: new Generator(21) }).bias!;
    expectUniform(biases, 1 / 20, 'Linear bias');
  });

  test('Conv2d: weight and bias U(±1/√(in/groups·kh·kw))', () => {
    const conv = new Conv2d(16, 64, 3, { dtype: 'float64', generator: new Generator(22) });
    expectUniform(conv.weight, 1 / 12, 'Conv2d weight');
    const grouped = new Conv2d(16, 256, [3, 2], { groups: 4, dtype: 'float64', generator: new Generator(23) });
    expectUniform(grouped.weight, 1 / Math.sqrt(24), 'grouped Conv2d weight');
  });

  test('Embedding: N(0, 1), with the padding row zero', () => {
    const emb = new Embedding(5000, 8, { paddingIdx: 3, dtype: 'float64', generator: new Generator(24) });
    expect(values(emb.weight.narrow(0, 3, 1))).toEqual(new Array(8).fill(0));
    expectNormal(emb.weight.narrow(0, 4, 4996), 0, 1, 'Embedding weight');
  });

  test('BatchNorm2d and LayerNorm: weight 1, bias 0, running mean 0 and variance 1', () => {
    const bn = new BatchNorm2d(3);
    expect(values(bn.weight!)).toEqual([1, 1, 1]);
    expect(values(bn.bias!)).toEqual([0, 0, 0]);
    expect(values(bn.runningMean!)).toEqual([0, 0, 0]);
    expect(values(bn.runningVar!)).toEqual([1, 1, 1]);
    expect(bn.numBatchesTracked!.item()).toBe(0);
    const ln = new LayerNorm([2, 2]);
    expect(values(ln.weight!)).toEqual([1, 1, 1, 1]);
    expect(values(ln.bias!)).toEqual([0, 0, 0, 0]);
  });

  test('a model initialised from a seed is reproducible; manualSeed drives the default', () => {
    const a = new Linear(10, 10, { generator: new Generator(7) });
    const b = new Linear(10, 10, { generator: new Generator(7) });
    expect(values(a.weight)).toEqual(values(b.weight));
    expect(values(a.bias!)).toEqual(values(b.bias!));
    manualSeed(99);
    const c = new Linear(10, 10);
    manualSeed(99);
    const d = new Linear(10, 10);
    expect(values(c.weight)).toEqual(values(d.weight));
    expect(values(c.weight)).not.toEqual(values(a.weight));
  });
});
