// State dicts: keyed by qualified name, all or nothing, and a round trip mid-training continues in
// lockstep with an uninterrupted run.
import { describe, expect, it } from 'vitest';
import { StateDictError as ModelStateDictError } from '@tensile/nn';
import { Tensor, matmul, tensor } from '@tensile/tensor';
import {
  AdaGrad, Adam, AdamW, KingScheduler, ReduceLROnPlateau, RMSProp, SGD, StateDictError, StepLR, type Optimizer, type OptimizerStateDict,
} from '../src/index.js';

/** A module-like object: named parameters in a chosen order, walked on every call. */
function model(entries: [string, number[], number[]][]) {
  const params = entries.map(([n, shape, v]): [string, Tensor] => [n, tensor(v, { dtype: 'float64', shape, requiresGrad: true })]);
  return { params, namedParameters: () => params };
}

const X = tensor([[1, 2], [0.5, -1], [-1.5, 0.3], [2, 1]], { dtype: 'float64' });
const Y = tensor([[1], [0], [-1], [2]], { dtype: 'float64' });

/** Loss of a 2 → 1 linear layer whose parameters are looked up by name, so order never matters. */
function loss(m: ReturnType<typeof model>): Tensor {
  const p = Object.fromEntries(m.params);
  return matmul(X, p['fc.weight']!.t()).add(p['fc.bias']!).sub(Y).square().mean();
}

const layer = (order: 'wb' | 'bw' = 'wb') => {
  const w: [string, number[], number[]] = ['fc.weight', [1, 2], [0.3, -0.2]];
  const b: [string, number[], number[]] = ['fc.bias', [1], [0.1]];
  return model(order === 'wb' ? [w, b] : [b, w]);
};

function train(m: ReturnType<typeof model>, opt: { zeroGrad(): void; step(loss?: Tensor): unknown }, steps: number): void {
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    const l = loss(m);
    l.backward();
    opt.step(l);
  }
}

function values(m: ReturnType<typeof model>): Record<string, number[]> {
  return Object.fromEntries(m.params.map(([n, p]) => [n, [...p.toTypedArray()]]));
}

type Make = (m: ReturnType<typeof model>) => Optimizer<{ lr: number }, never>;
const CASES: [string, Make][] = [
  ['SGD momentum + StepLR', (m) => new SGD(m, { lr: 0.05, momentum: 0.9, scheduler: new StepLR({ lr: 0.05, stepSize: 7, gamma: 0.5 }) }) as never],
  ['SGD torch nesterov', (m) => new SGD(m, { lr: 0.05, momentum: 0.9, nesterov: true, dialect: 'torch' }) as never],
  ['AdaGrad lrDecay', (m) => new AdaGrad(m, { lr: 0.1, lrDecay: 0.01 }) as never],
  ['RMSProp centered momentum + ReduceLROnPlateau', (m) => new RMSProp(m, { centered: true, momentum: 0.5, scheduler: new ReduceLROnPlateau({ lr: 0.001, patience: 2 }) }) as never],
  ['Adam amsgrad clipNorm + KingScheduler', (m) => new Adam(m, { lr: 0.02, amsgrad: true, clipNorm: 0.5, scheduler: new KingScheduler({ initialLr: 0.02, patience: 5, decay: 0.5 }) }) as never],
  ['AdamW torch', (m) => new AdamW(m, { lr: 0.02, dialect: 'torch' }) as never],
];

describe('a state-dict round trip in the middle of training continues in lockstep', () => {
  for (const [label, make] of CASES) {
    it(label, () => {
      const ref = layer();
      const refOpt = make(ref);
      train(ref, refOpt, 40);

      const a = layer();
      const optA = make(a);
      train(a, optA, 20);
      const sd = optA.stateDict();
      const saved = JSON.stringify(sd, (_k, v) => (v instanceof Tensor ? [...v.toTypedArray()] : v));
      train(a, optA, 5); // the snapshot must not follow the optimizer
      expect(JSON.stringify(sd, (_k, v) => (v instanceof Tensor ? [...v.toTypedArray()] : v))).toBe(saved);

      // A fresh model with the parameters of step 20, listed in the other order, and a fresh optimizer.
      const b = layer('bw');
      const mid = layer();
      train(mid, make(mid), 20);
      for (const [n, p] of b.params) p.data.set(Object.fromEntries(mid.params)[n]!.toTypedArray());
      const optB = make(b);
      optB.loadStateDict(sd);
      expect(optB.stepCount).toBe(20);
      train(b, optB, 20);
      expect(values(b)).toEqual(values(ref));
      expect(optB.stateDict().state).toEqual(refOpt.stateDict().state);
    });
  }
});

describe('loadStateDict reports problems by name and loads nothing', () => {
  function trained() {
    const m = layer();
    const opt = new Adam(m, { lr: 0.01 });
    train(m, opt, 3);
    return { m, opt, sd: opt.stateDict() };
  }

  it('a renamed parameter: missing and unexpected, by name', () => {
    const { sd } = trained();
    const m = model([['fc.weight', [1, 2], [0, 0]], ['fc.b', [1], [0]]]);
    const opt = new Adam(m, { lr: 0.01 });
    for (const [, p] of m.params) p.grad = p.detach().add(1);
    opt.step();
    const before = opt.stateDict();
    expect(() => opt.loadStateDict(sd)).toThrow(StateDictError);
    // One class for every checkpoint error: catching nn's StateDictError catches the optimizer's too.
    expect(StateDictError).toBe(ModelStateDictError);
    expect(() => opt.loadStateDict(sd)).toThrow(ModelStateDictError);
    expect(() => opt.loadStateDict(sd)).toThrow(
      'loadStateDict(Adam): missing "fc.b"; unexpected "fc.bias"; (renamed parameters? { strict: false } loads the names that match). Nothing was loaded.',
    );
    expect(opt.stateDict()).toEqual(before);
    expect(opt.stepCount).toBe(1);
  });

  it('a reshaped parameter: its name, the state entry and both shapes', () => {
    const { sd } = trained();
    const m = model([['fc.weight', [2, 1], [0, 0]], ['fc.bias', [1], [0]]]);
    const opt = new Adam(m, { lr: 0.01 });
    expect(() => opt.loadStateDict(sd)).toThrow(/"fc.weight" state "mean" is \[1, 2\] in the checkpoint but the parameter is \[2, 1\]/);
    expect(opt.state.size).toBe(0);
    expect(opt.stepCount).toBe(0);
  });

  it('every problem in one message', () => {
    const { sd } = trained();
    const bad: OptimizerStateDict = {
      ...sd,
      step: -1,
      groups: [{ ...sd.groups[0]!, options: { ...sd.groups[0]!.options, decay1: 1 } }],
      state: { ...sd.state, 'fc.bias': { ...sd.state['fc.bias']!, t: Number.NaN } },
    };
    const opt = new Adam(layer(), { lr: 0.01 });
    expect(() => opt.loadStateDict(bad)).toThrow(/step must be an integer ≥ 0, got -1; group 0: decay1 must be in \[0, 1\), got 1. Nothing was loaded./);
  });

  it('state that does not fit the hyperparameters (amsgrad keeps maxVar) or the optimizer', () => {
    const { sd } = trained();
    const withAms = { ...sd, groups: [{ ...sd.groups[0]!, options: { ...sd.groups[0]!.options, amsgrad: true } }] };
    expect(() => new Adam(layer()).loadStateDict(withAms)).toThrow(/"fc.weight" state "maxVar" is null, expected a tensor; "fc.bias" state "maxVar" is null, expected a tensor/);
    const { mean: _, ...noMean } = sd.state['fc.weight']!;
    const missingKey = { ...sd, state: { ...sd.state, 'fc.weight': noMean } };
    expect(() => new Adam(layer()).loadStateDict(missingKey)).toThrow(/the state of "fc.weight" has keys \[maxVar, t, var\] but Adam with these hyperparameters keeps \[maxVar, mean, t, var\]/);
  });

  it('another optimizer, another scheduler, another number of groups', () => {
    const { sd } = trained();
    expect(() => new SGD(layer()).loadStateDict(sd)).toThrow('loadStateDict(SGD): the checkpoint is from "Adam", not SGD. Nothing was loaded.');
    const withSched = { ...sd, scheduler: { name: 'StepLR' } };
    expect(() => new Adam(layer()).loadStateDict(withSched)).toThrow(/the checkpoint has state for a "StepLR" scheduler but this optimizer has none/);
    expect(() => new Adam(layer(), { scheduler: new KingScheduler() }).loadStateDict(withSched)).toThrow(/the checkpoint's scheduler is "StepLR", this optimizer's is KingScheduler/);
    const m = layer();
    const two = new Adam([{ params: [m.params[0]!] }, { params: [m.params[1]!], lr: 0.1 }]);
    expect(() => two.loadStateDict(sd)).toThrow(/the checkpoint has 1 parameter groups, the optimizer has 2/);
  });

  it('restores hyperparameters and casts state to the parameter dtype', () => {
    const { sd } = trained();
    const m = model([['fc.weight', [1, 2], [0, 0]], ['fc.bias', [1], [0]]]);
    const m32 = { params: m.params.map(([n, p]): [string, Tensor] => [n, p.float().detach().requiresGrad_()]) };
    const opt = new Adam({ namedParameters: () => m32.params }, { lr: 0.5 });
    opt.loadStateDict(sd);
    expect(opt.paramGroups[0]!.options.lr).toBe(0.01);
    expect(opt.state.get('fc.weight')!.mean.dtype).toBe('float32');
  });
});

describe('namedParameters() order changes do not scramble state', () => {
  it('a layer inserted in the middle: strict reports it, strict: false loads every other name to its own parameter', () => {
    const before = model([['encoder.weight', [2], [1, 2]], ['head.weight', [3], [3, 4, 5]]]);
    const opt = new Adam(before, { lr: 0.1 });
    for (const [, p] of before.params) p.grad = tensor(p.shape[0] === 2 ? [1, -1] : [0.5, 0.25, -2], { dtype: 'float64' });
    opt.step();
    const sd = opt.stateDict();

    const after = model([['encoder.weight', [2], [1, 2]], ['middle.weight', [4], [0, 0, 0, 0]], ['head.weight', [3], [3, 4, 5]]]);
    const opt2 = new Adam(after, { lr: 0.1 });
    expect(() => opt2.loadStateDict(sd)).toThrow(/missing "middle.weight". Nothing was loaded/);
    opt2.loadStateDict(sd, { strict: false });
    expect([...opt2.state.get('head.weight')!.mean.toTypedArray()]).toEqual([...opt.state.get('head.weight')!.mean.toTypedArray()]);
    expect([...opt2.state.get('encoder.weight')!.var.toTypedArray()]).toEqual([...opt.state.get('encoder.weight')!.var.toTypedArray()]);
    expect(opt2.state.has('middle.weight')).toBe(false);
  });
});
