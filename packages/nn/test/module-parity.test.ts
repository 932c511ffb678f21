// Module behaviour against PyTorch: a nested model with a Sequential, a ModuleList, a ModuleDict, a
// parameter of its own and a tied weight gives PyTorch's names, order, counts and repr, and after
// loading PyTorch's weights the same outputs, gradients and running stats.
import { describe, expect, test } from 'vitest';
import { full, relu, tanh, type Tensor } from '@tensile/tensor';
import {
  BatchNorm2d, Conv2d, LayerNorm, Linear, MaxPool2d, Module, ModuleDict, ModuleList, Parameter, ReLU, Sequential,
} from '../src/index.js';
import { expectAllClose, fromFixture, loadJson, type FixtureTensor } from './helpers.js';

/** Field for field the `Net` of tools/fixtures/make_nn_fixtures.py. */
class Net extends Module {
  features = new Sequential(new Conv2d(1, 4, 3, { padding: 1 }), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2));
  blocks = new ModuleList([new Linear(36, 16), new Linear(16, 16)]);
  norm = new LayerNorm(16);
  heads = new ModuleDict({ cls: new Linear(16, 5), aux: new Linear(16, 2, { bias: false }) });
  scale = new Parameter(full([1], 1.5));
  enc = new Linear(5, 5);
  dec = new Linear(5, 5);

  constructor() {
    super();
    this.dec.weight = this.enc.weight; // tied
  }

  forward(x: Tensor): Tensor {
    let h = this.features.forward(x).flatten(1);
    for (const b of this.blocks) h = relu(b.forward(h));
    h = this.norm.forward(h);
    let out = this.heads.get('cls')!.forward(h).mul(this.scale);
    out = this.dec.forward(tanh(this.enc.forward(out)));
    return out.add(this.heads.get('aux')!.forward(h).sum(1, true));
  }
}

interface ModuleFixture {
  namedParameters: [string, number[]][];
  namedBuffers: [string, number[]][];
  stateDictKeys: string[];
  namedModules: string[];
  numParameters: number;
  repr: string;
  state: Record<string, FixtureTensor>;
  input: FixtureTensor;
  gradOutput: FixtureTensor;
  trainOutput: FixtureTensor;
  grads: Record<string, FixtureTensor>;
  buffersAfterTrain: Record<string, FixtureTensor>;
  evalOutput: FixtureTensor;
}

const fx = loadJson<ModuleFixture>('module.json');

describe('Module matches PyTorch on a nested model', () => {
  test('names, order, shapes and counts', () => {
    const net = new Net();
    expect(net.namedParameters().map(([n, p]) => [n, [...p.shape]])).toEqual(fx.namedParameters);
    expect(net.namedBuffers().map(([n, b]) => [n, [...b.shape]])).toEqual(fx.namedBuffers);
    expect([...net.stateDict().keys()]).toEqual(fx.stateDictKeys);
    expect(net.namedModules().map(([n]) => n)).toEqual(fx.namedModules);
    expect(net.numParameters()).toBe(fx.numParameters);
    const list = net.parameters();
    expect(list.namedParameters().map(([n]) => n)).toEqual(fx.namedParameters.map(([n]) => n));
    expect(list.namedParameters().map(([, p]) => p)).toEqual([...list]);
  });

  test('toString prints the tree like PyTorch', () => {
    expect(new Net().toString()).toBe(fx.repr);
  });

  test('outputs, gradients and running stats after loading PyTorch weights', () => {
    const net = new Net().to('float64');
    net.loadStateDict(Object.fromEntries(Object.entries(fx.state).map(([k, t]) => [k, fromFixture(t)])));
    const x = fromFixture(fx.input);
    const y = net.forward(x);
    expectAllClose(y, fx.trainOutput, { label: 'train output' });
    y.backward(fromFixture(fx.gradOutput));
    for (const [name, p] of net.namedParameters()) expectAllClose(p.grad, fx.grads[name]!, { label: `gradient of ${name}` });
    for (const [name, b] of net.namedBuffers()) expectAllClose(b, fx.buffersAfterTrain[name]!, { label: `buffer ${name}` });
    expectAllClose(net.eval().forward(x), fx.evalOutput, { label: 'eval output' });
    // The tied weight got the gradient of both uses in one tensor.
    expect(net.dec.weight).toBe(net.enc.weight);
  });
});
