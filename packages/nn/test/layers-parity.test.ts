// Every layer against PyTorch (tools/fixtures/make_nn_fixtures.py): the same weights and inputs give the
// same outputs, input gradients, parameter gradients and buffers, step after step (BatchNorm's train
// steps update the running stats that its eval step then uses). The printed form matches PyTorch's repr.
import { describe, expect, test } from 'vitest';
import type { Tensor } from '@tensile/tensor';
import {
  AdaptiveAvgPool2d, AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, ELU, Embedding, Flatten, GELU, Identity, LayerNorm, LeakyReLU,
  Linear, LogSoftmax, MaxPool2d, ReLU, Sigmoid, Softmax, Softplus, Tanh, Unflatten, type AnyModule,
} from '../src/index.js';
import { expectAllClose, fromFixture, loadJson, type FixtureTensor } from './helpers.js';

interface Step {
  mode: 'train' | 'eval';
  input: FixtureTensor;
  gradOutput: FixtureTensor;
  output: FixtureTensor;
  gradInput: FixtureTensor | null;
  gradParams: Record<string, FixtureTensor>;
  buffers: Record<string, FixtureTensor>;
}

interface LayerCase {
  layer: string;
  args: any[];
  opts: any;
  repr: string;
  state: Record<string, FixtureTensor>;
  steps: Step[];
}

const dtype = 'float64';
const make: Record<string, (a: any[], o: any) => AnyModule> = {
  Linear: (a, o) => new Linear(a[0], a[1], { ...o, dtype }),
  Conv2d: (a, o) => new Conv2d(a[0], a[1], a[2], { ...o, dtype }),
  MaxPool2d: (a, o) => new MaxPool2d(a[0], o),
  AvgPool2d: (a, o) => new AvgPool2d(a[0], o),
  AdaptiveAvgPool2d: (a) => new AdaptiveAvgPool2d(a[0]),
  Flatten: (a) => new Flatten(...a),
  Unflatten: (a) => new Unflatten(a[0], a[1]),
  Identity: () => new Identity(),
  BatchNorm1d: (a, o) => new BatchNorm1d(a[0], { ...o, dtype }),
  BatchNorm2d: (a, o) => new BatchNorm2d(a[0], { ...o, dtype }),
  LayerNorm: (a, o) => new LayerNorm(a[0], { ...o, dtype }),
  Embedding: (a, o) => new Embedding(a[0], a[1], { ...o, dtype }),
  ReLU: () => new ReLU(),
  LeakyReLU: (a) => new LeakyReLU(...a),
  ELU: (a) => new ELU(...a),
  GELU: (a) => new GELU(a[0]),
  Sigmoid: () => new Sigmoid(),
  Tanh: () => new Tanh(),
  Softplus: (a) => new Softplus(a[0]),
  Softmax: (a) => new Softmax(a[0]),
  LogSoftmax: (a) => new LogSoftmax(a[0]),
};

const cases = loadJson<Record<string, LayerCase>>('layers.json');

describe('layers match PyTorch', () => {
  test('the fixtures cover every layer', () => {
    expect(new Set(Object.values(cases).map((c) => c.layer))).toEqual(new Set(Object.keys(make)));
  });

  test.each(Object.entries(cases))('%s', (_name, c) => {
    const layer = make[c.layer]!(c.args, c.opts);
    expect(layer.toString()).toBe(c.repr);
    const state = Object.fromEntries(Object.entries(c.state).map(([k, t]) => [k, fromFixture(t)]));
    layer.loadStateDict(state); // strict: the names, shapes and dtypes are PyTorch's
    c.steps.forEach((s, i) => {
      const at = `step ${i} (${s.mode})`;
      layer.train(s.mode === 'train');
      layer.zeroGrad();
      const x = fromFixture(s.input, { requiresGrad: s.gradInput !== null });
      const y = (layer as unknown as { forward(x: Tensor): Tensor }).forward(x);
      expectAllClose(y, s.output, { label: `${at} output` });
      y.backward(fromFixture(s.gradOutput));
      if (s.gradInput !== null) expectAllClose(x.grad, s.gradInput, { label: `${at} input gradient` });
      const grads = Object.fromEntries(layer.namedParameters().filter(([, p]) => p.grad !== null).map(([n, p]) => [n, p.grad!]));
      expect(Object.keys(grads).sort(), `${at} parameters with gradients`).toEqual(Object.keys(s.gradParams).sort());
      for (const [n, g] of Object.entries(s.gradParams)) expectAllClose(grads[n], g, { label: `${at} gradient of ${n}` });
      const buffers = new Map(layer.namedBuffers());
      expect([...buffers.keys()].sort(), `${at} buffers`).toEqual(Object.keys(s.buffers).sort());
      for (const [n, b] of Object.entries(s.buffers)) expectAllClose(buffers.get(n), b, { label: `${at} buffer ${n}` });
    });
  });
});
