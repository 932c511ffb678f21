// With real @tensile/nn modules: state keyed by the qualified names a Module yields, the same through
// model.parameters(), and a checkpoint of model + optimizer that resumes in lockstep.
import { describe, expect, it } from 'vitest';
import { Tensor, manualSeed, randn } from '@tensile/tensor';
import { Linear, Module, ReLU, Sequential, mseLoss } from '@tensile/nn';
import { Adam, SGD, StepLR } from '../src/index.js';

manualSeed(7);
const X = randn([32, 3], { dtype: 'float64' });
const Y = X.matmul(randn([3, 2], { dtype: 'float64' })).tanh();

const mlp = () => new Sequential(new Linear(3, 8, { dtype: 'float64' }), new ReLU(), new Linear(8, 2, { dtype: 'float64' }));

function train(model: Sequential, opt: { zeroGrad(): void; step(l?: Tensor): unknown }, steps: number): number {
  let last = NaN;
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    const loss = mseLoss(model.forward(X), Y);
    loss.backward();
    opt.step(loss);
    last = loss.item();
  }
  return last;
}

describe('with @tensile/nn', () => {
  it('keys state by the dotted names of a Sequential, given the module or model.parameters()', () => {
    const model = mlp();
    const a = new Adam(model, { lr: 0.01 });
    const b = new Adam(model.parameters(), { lr: 0.01 });
    const start = mseLoss(model.forward(X), Y).item();
    const end = train(model, { zeroGrad: () => a.zeroGrad(), step: (l) => (a.step(l), b.step(l)) }, 1);
    expect([...a.state.keys()]).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect([...b.state.keys()]).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(end).toBeCloseTo(start, 12);
    expect(train(model, a, 300)).toBeLessThan(start / 10);
  });

  it('model and optimizer checkpoints resume in lockstep', () => {
    manualSeed(1);
    const ref = mlp();
    const a = mlp();
    a.loadStateDict(ref.stateDict());
    const make = (m: Sequential) => new SGD(m, { lr: 0.05, momentum: 0.9, scheduler: new StepLR({ lr: 0.05, stepSize: 10, gamma: 0.5 }) });
    train(ref, make(ref), 40);
    const optA = make(a);
    train(a, optA, 25);
    const [modelSd, optSd] = [a.stateDict(), optA.stateDict()];

    const b = mlp();
    b.loadStateDict(modelSd);
    const optB = make(b);
    optB.loadStateDict(optSd);
    train(b, optB, 15);
    for (const [[n, p], [, q]] of b.namedParameters().map((e, i) => [e, ref.namedParameters()[i]!] as const)) {
      expect([...p.toTypedArray()], n).toEqual([...q.toTypedArray()]);
    }
  });

  it('a layer inserted in the middle of a model does not scramble the others', () => {
    class Before extends Module {
      encoder = new Linear(3, 4, { dtype: 'float64' });
      head = new Linear(4, 2, { dtype: 'float64' });
      forward(x: Tensor): Tensor { return this.head.forward(this.encoder.forward(x).relu()); }
    }
    class After extends Module {
      encoder = new Linear(3, 4, { dtype: 'float64' });
      middle = new Linear(4, 4, { dtype: 'float64' });
      head = new Linear(4, 2, { dtype: 'float64' });
      forward(x: Tensor): Tensor { return this.head.forward(this.middle.forward(this.encoder.forward(x).relu())); }
    }
    const before = new Before();
    const opt = new Adam(before, { lr: 0.01 });
    for (let i = 0; i < 3; i++) {
      opt.zeroGrad();
      mseLoss(before.forward(X), Y).backward();
      opt.step();
    }
    const after = new After();
    const opt2 = new Adam(after, { lr: 0.01 });
    expect(() => opt2.loadStateDict(opt.stateDict())).toThrow(/missing "middle.weight", "middle.bias"/);
    opt2.loadStateDict(opt.stateDict(), { strict: false });
    expect(after.namedParameters().map(([n]) => n)).toEqual(['encoder.weight', 'encoder.bias', 'middle.weight', 'middle.bias', 'head.weight', 'head.bias']);
    for (const name of ['encoder.weight', 'encoder.bias', 'head.weight', 'head.bias']) {
      expect([...opt2.state.get(name)!.var.toTypedArray()]).toEqual([...opt.state.get(name)!.var.toTypedArray()]);
      expect(opt2.state.get(name)!.var.shape).toEqual(after.namedParameters().find(([n]) => n === name)![1].shape);
    }
    expect(opt2.state.has('middle.weight')).toBe(false);
  });
});
