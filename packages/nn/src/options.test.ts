// Every options object of @tensile/nn rejects keys it does not know, naming the function or class, the key,
// a hint where one fits, and the keys it does know; nothing is built or changed.
import { describe, expect, test } from 'vitest';
import { Generator, randn, tensor, zeros } from '@tensile/tensor';
import * as F from './functional.js';
import * as init from './init.js';
import {
  AvgPool2d, BatchNorm1d, BatchNorm2d, BCELoss, BCEWithLogitsLoss, Conv2d, CrossEntropyLoss, Dropout, Embedding, GELU, HuberLoss,
  KLDivLoss, L1Loss, LayerNorm, Linear, MaxPool2d, MSELoss, NLLLoss, SmoothL1Loss, Softplus,
} from './index.js';

const unknown = (where: string, key: string, hint: string | null, known: string) =>
  new RegExp(`^${esc(where)}: unknown option "${esc(key)}"${hint === null ? '' : ` \\(did you mean ${esc(hint)}\\?\\)`}; the options are ${esc(known)}$`);
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('layer options', () => {
  const cases: [string, () => unknown, string, string | null, string][] = [
    ['Linear', () => new Linear(2, 3, { bais: false } as never), 'bais', 'bias', 'bias, dtype, generator'],
    ['Linear', () => new Linear(2, 3, { in_features: 2 } as never), 'in_features', 'the inFeatures argument', 'bias, dtype, generator'],
    ['Conv2d', () => new Conv2d(1, 2, 3, { kernel_size: 3 } as never), 'kernel_size', 'the kernelSize argument', 'stride, padding, dilation, groups, bias, dtype, generator'],
    ['Conv2d', () => new Conv2d(1, 2, 3, { padding_mode: 'zeros' } as never), 'padding_mode', null, 'stride, padding, dilation, groups, bias, dtype, generator'],
    ['MaxPool2d', () => new MaxPool2d(2, { strides: 2 } as never), 'strides', 'stride', 'stride, padding, dilation, ceilMode'],
    ['AvgPool2d', () => new AvgPool2d(2, { dilation: 2 } as never), 'dilation', null, 'stride, padding, ceilMode, countIncludePad, divisorOverride'],
    ['Dropout', () => new Dropout(0.5, { inplace: true } as never), 'inplace', null, 'generator'],
    ['BatchNorm2d', () => new BatchNorm2d(4, { track_running_stats: false } as never), 'track_running_stats', 'trackRunningStats', 'eps, momentum, affine, trackRunningStats, dtype'],
    ['BatchNorm1d', () => new BatchNorm1d(4, { generator: new Generator(0) } as never), 'generator', null, 'eps, momentum, affine, trackRunningStats, dtype'],
    ['LayerNorm', () => new LayerNorm(4, { elementwise_affine: false } as never), 'elementwise_affine', 'elementwiseAffine', 'eps, elementwiseAffine, bias, dtype'],
    ['Embedding', () => new Embedding(10, 4, { padding_idx: 0 } as never), 'padding_idx', 'paddingIdx', 'paddingIdx, dtype, generator'],
    ['Embedding', () => new Embedding(10, 4, { maxNorm: 1 } as never), 'maxNorm', null, 'paddingIdx, dtype, generator'],
    ['GELU', () => new GELU({ approx: 'tanh' } as never), 'approx', null, 'approximate'],
    ['Softplus', () => new Softplus({ betta: 2 } as never), 'betta', 'beta', 'beta, threshold'],
  ];
  test.each(cases)('%s', (where, make, key, hint, known) => {
    expect(make).toThrow(TypeError);
    expect(make).toThrow(unknown(where, key, hint, known));
  });

  test('known keys with undefined values are accepted, and options must be an object', () => {
    expect(new Linear(2, 3, { bias: undefined }).bias).not.toBeNull();
    expect(() => new Linear(2, 3, 'float64' as never)).toThrow(/^Linear: options must be an object, got a string \("float64"\)$/);
  });

  test('boolean options must be booleans, not truthy or falsy values', () => {
    expect(() => new Linear(2, 3, { bias: 0 } as never)).toThrow(/^Linear: bias must be true or false, got 0$/);
    expect(() => new Conv2d(1, 2, 3, { bias: 'false' } as never)).toThrow(/^Conv2d: bias must be true or false, got a string \("false"\)$/);
    expect(() => new BatchNorm2d(3, { affine: null } as never)).toThrow(/^BatchNorm2d: affine must be true or false, got null$/);
    expect(() => new LayerNorm(3, { elementwiseAffine: 1 } as never)).toThrow(/^LayerNorm: elementwiseAffine must be true or false, got 1$/);
  });
});

describe('loss options', () => {
  test.each([
    ['CrossEntropyLoss', () => new CrossEntropyLoss({ label_smoothing: 0.1 } as never), 'label_smoothing', 'labelSmoothing', 'reduction, weight, ignoreIndex, labelSmoothing'],
    ['CrossEntropyLoss', () => new CrossEntropyLoss({ size_average: false } as never), 'size_average', 'reduction', 'reduction, weight, ignoreIndex, labelSmoothing'],
    ['NLLLoss', () => new NLLLoss({ ignore_index: 0 } as never), 'ignore_index', 'ignoreIndex', 'reduction, weight, ignoreIndex'],
    ['MSELoss', () => new MSELoss({ reduce: false } as never), 'reduce', 'reduction', 'reduction'],
    ['L1Loss', () => new L1Loss({ weight: tensor([1]) } as never), 'weight', null, 'reduction'],
    ['HuberLoss', () => new HuberLoss({ beta: 1 } as never), 'beta', 'delta', 'reduction, delta'],
    ['SmoothL1Loss', () => new SmoothL1Loss({ delta: 1 } as never), 'delta', 'beta', 'reduction, beta'],
    ['BCELoss', () => new BCELoss({ posWeight: tensor([1]) } as never), 'posWeight', null, 'reduction, weight'],
    ['BCEWithLogitsLoss', () => new BCEWithLogitsLoss({ pos_weight: tensor([1]) } as never), 'pos_weight', 'posWeight', 'reduction, weight, posWeight'],
    ['KLDivLoss', () => new KLDivLoss({ log_target: true } as never), 'log_target', 'logTarget', 'reduction, logTarget'],
  ] as const)('%s', (where, make, key, hint, known) => {
    expect(make).toThrow(TypeError);
    expect(make).toThrow(unknown(where, key, hint, known));
  });

  test('a loss module checks reduction when it is built, not at the first forward', () => {
    expect(() => new MSELoss({ reduction: 'avg' as never })).toThrow(/^MSELoss: reduction must be 'mean', 'sum', 'none', got a string \("avg"\)$/);
    expect(() => new KLDivLoss({ reduction: 'avg' as never })).toThrow(/^KLDivLoss: reduction must be 'mean', 'sum', 'none', 'batchmean', got a string/);
    expect(new KLDivLoss({ reduction: 'batchmean' }).reduction).toBe('batchmean');
  });

  const x = randn([4, 3]);
  const p = x.sigmoid();
  const labels = tensor([0, 2, 1, 0], { dtype: 'int32' });
  test.each([
    ['crossEntropy', () => F.crossEntropy(x, labels, { labelSmoothing: 0.1, label_smooth: 0.1 } as never), 'label_smooth', null, 'reduction, weight, ignoreIndex, labelSmoothing'],
    ['nllLoss', () => F.nllLoss(x, labels, { ignore_index: 1 } as never), 'ignore_index', 'ignoreIndex', 'reduction, weight, ignoreIndex'],
    ['mseLoss', () => F.mseLoss(x, x, { reductions: 'sum' } as never), 'reductions', 'reduction', 'reduction'],
    ['l1Loss', () => F.l1Loss(x, x, { size_average: true } as never), 'size_average', 'reduction', 'reduction'],
    ['huberLoss', () => F.huberLoss(x, x, { beta: 1 } as never), 'beta', 'delta', 'reduction, delta'],
    ['smoothL1Loss', () => F.smoothL1Loss(x, x, { delta: 1 } as never), 'delta', 'beta', 'reduction, beta'],
    ['binaryCrossEntropy', () => F.binaryCrossEntropy(p, p, { weights: p } as never), 'weights', 'weight', 'reduction, weight'],
    ['binaryCrossEntropyWithLogits', () => F.binaryCrossEntropyWithLogits(x, p, { pos_weight: p } as never), 'pos_weight', 'posWeight', 'reduction, weight, posWeight'],
    ['klDiv', () => F.klDiv(x, p, { log_target: true } as never), 'log_target', 'logTarget', 'reduction, logTarget'],
  ] as const)('functional %s', (where, call, key, hint, known) => {
    expect(call).toThrow(TypeError);
    expect(call).toThrow(unknown(where, key, hint, known));
  });

  test('ignoreIndex must be an integer (a float would never match an int32 target)', () => {
    expect(() => F.crossEntropy(x, labels, { ignoreIndex: 0.5 })).toThrow(/^crossEntropy: ignoreIndex must be an integer, got 0\.5$/);
  });
});

describe('functional and init options', () => {
  const x = randn([2, 3, 4]);
  test.each([
    ['dropout', () => F.dropout(x, 0.5, { train: false } as never), 'train', null, 'training, generator'],
    ['batchNorm', () => F.batchNorm(x, null, null, { training: true, running_mean: zeros([3]) } as never), 'running_mean', 'the runningMean argument', 'weight, bias, training, momentum, eps'],
    ['layerNorm', () => F.layerNorm(x, [4], { epsilon: 1e-5 } as never), 'epsilon', null, 'weight, bias, eps'],
    ['embedding', () => F.embedding(tensor([0], { dtype: 'int32' }), zeros([2, 2]), { padding_idx: 0 } as never), 'padding_idx', 'paddingIdx', 'paddingIdx'],
    ['gelu', () => F.gelu(x, { approximation: 'tanh' } as never), 'approximation', null, 'approximate'],
    ['softplus', () => F.softplus(x, { threshhold: 10 } as never), 'threshhold', 'threshold', 'beta, threshold'],
    ['uniform_', () => init.uniform_(zeros([2]), 0, 1, { seed: 1 } as never), 'seed', null, 'generator'],
    ['normal_', () => init.normal_(zeros([2]), 0, 1, { std: 1 } as never), 'std', null, 'generator'],
    ['xavierUniform_', () => init.xavierUniform_(zeros([2, 2]), { gian: 1 } as never), 'gian', 'gain', 'gain, generator'],
    ['xavierNormal_', () => init.xavierNormal_(zeros([2, 2]), { a: 1 } as never), 'a', null, 'gain, generator'],
    ['kaimingUniform_', () => init.kaimingUniform_(zeros([2, 2]), { mode: 'fanIn', negative_slope: 0.1 } as never), 'negative_slope', 'a', 'a, mode, nonlinearity, generator'],
    ['kaimingNormal_', () => init.kaimingNormal_(zeros([2, 2]), { fan_mode: 'fanIn' } as never), 'fan_mode', null, 'a, mode, nonlinearity, generator'],
    ['orthogonal_', () => init.orthogonal_(zeros([2, 2]), { scale: 2 } as never), 'scale', null, 'gain, generator'],
    ['truncNormal_', () => init.truncNormal_(zeros([2]), { low: -1 } as never), 'low', null, 'mean, std, a, b, generator'],
  ] as const)('%s', (where, call, key, hint, known) => {
    expect(call).toThrow(TypeError);
    expect(call).toThrow(unknown(where, key, hint, known));
  });

  test('an init that rejects its options leaves the tensor as it was', () => {
    const t = tensor([1, 2, 3]);
    expect(() => init.normal_(t, 0, 1, { generater: new Generator(0) } as never)).toThrow(/did you mean generator\?/);
    expect(t.toArray()).toEqual([1, 2, 3]);
  });
});

describe('module options', () => {
  test('loadStateDict: unknown keys and a non-boolean strict are errors, and nothing is loaded', () => {
    const fc = new Linear(2, 1, { dtype: 'float64' });
    const before = fc.weight.toArray();
    const sd = { weight: tensor([[5, 6]], { dtype: 'float64' }), bias: tensor([7], { dtype: 'float64' }) };
    expect(() => fc.loadStateDict(sd, { stict: false } as never)).toThrow(unknown('loadStateDict(Linear)', 'stict', 'strict', 'strict'));
    expect(() => fc.loadStateDict(sd, { strict: 'false' } as never)).toThrow(/^loadStateDict\(Linear\): strict must be true or false, got a string \("false"\)$/);
    expect(fc.weight.toArray()).toEqual(before);
  });

  test('numParameters', () => {
    expect(() => new Linear(2, 1).numParameters({ trainable_only: true } as never)).toThrow(
      unknown('Linear.numParameters', 'trainable_only', 'trainableOnly', 'trainableOnly'),
    );
  });
});
