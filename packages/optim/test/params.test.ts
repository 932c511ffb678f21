// What `params` may be, how names are derived, per-group hyperparameters, and the step / scheduler /
// zeroGrad contract.
import { describe, expect, it } from 'vitest';
import { DTypeError, Tensor, tensor } from '@tensile/tensor';
import { Adam, ParameterError, SGD, StepLR, type Scheduler } from '../src/index.js';

const p64 = (v: number[]) => tensor(v, { dtype: 'float64', requiresGrad: true });
const withGrad = (t: Tensor, g: number[]) => ((t.grad = tensor(g, { dtype: t.dtype })), t);

/** What nn's `parameters()` returns: an array that also carries its names (non-enumerable). */
function parametersArray(pairs: [string, Tensor][]): Tensor[] {
  const arr = pairs.map(([, t]) => t);
  Object.defineProperty(arr, 'namedParameters', { value: () => pairs, enumerable: false });
  return arr;
}

describe('params forms, all keyed by qualified name', () => {
  const pairs = (): [string, Tensor][] => [['0.weight', withGrad(p64([1, 2]), [1, 1])], ['0.bias', withGrad(p64([3]), [1])]];

  it('a Module (anything with namedParameters())', () => {
    const ps = pairs();
    const opt = new SGD({ namedParameters: () => ps });
    opt.step();
    expect([...opt.state.keys()]).toEqual(['0.weight', '0.bias']);
  });

  it('model.parameters() written the PyTorch way keeps the qualified names', () => {
    const opt = new SGD(parametersArray(pairs()));
    opt.step();
    expect([...opt.state.keys()]).toEqual(['0.weight', '0.bias']);
  });

  it('[name, tensor] pairs', () => {
    const opt = new SGD(pairs());
    opt.step();
    expect([...opt.state.keys()]).toEqual(['0.weight', '0.bias']);
  });

  it('bare tensors are named by position, across groups as PyTorch numbers them', () => {
    const [a, b, c] = [withGrad(p64([1]), [1]), withGrad(p64([2]), [1]), withGrad(p64([3]), [1])];
    const opt = new SGD([a, b]);
    opt.step();
    expect([...opt.state.keys()]).toEqual(['0', '1']);
    const grouped = new SGD([{ params: [a] }, { params: [b, c] }]);
    expect(grouped.paramGroups.map((g) => g.names)).toEqual([['0'], ['1', '2']]);
  });

  it('parameter groups override hyperparameters; a prefix keeps sub-module names apart', () => {
    const enc = pairs(), head = pairs();
    expect(() => new SGD([{ params: enc }, { params: head }])).toThrow(
      `SGD: the parameter name "0.weight" appears in parameter groups 0 and 1; give the groups distinct \`prefix\`es, e.g. { params: model.encoder.parameters(), prefix: 'encoder' }`,
    );
    const opt = new SGD([{ params: enc, prefix: 'encoder' }, { params: head, prefix: 'head', lr: 1 }], { lr: 0.1 });
    opt.step();
    expect([...opt.state.keys()]).toEqual(['encoder.0.weight', 'encoder.0.bias', 'head.0.weight', 'head.0.bias']);
    expect([...enc[0]![1].toTypedArray()]).toEqual([1 - 0.1, 2 - 0.1]);
    expect([...head[0]![1].toTypedArray()]).toEqual([0, 1]);
    expect(opt.lastLr).toEqual([0.1, 1]);
  });

  it('a Module is walked at every step, so a parameter added later is optimized', () => {
    const ps: [string, Tensor][] = [['a', withGrad(p64([1]), [1])]];
    const opt = new SGD({ namedParameters: () => ps }, { lr: 1 });
    ps.push(['b', withGrad(p64([5]), [2])]);
    opt.step();
    expect(ps.map(([, t]) => t.item())).toEqual([0, 3]);
  });

  it('rejects duplicates, non-leaves, int tensors, empty lists and junk', () => {
    const t = p64([1]);
    expect(() => new SGD([['a', t], ['a', p64([2])]])).toThrow(ParameterError);
    expect(() => new SGD([['a', t], ['a', p64([2])]])).toThrow('SGD: the parameter name "a" appears twice');
    expect(() => new SGD([['a', t], ['b', t]])).toThrow('SGD: the same tensor appears as "a" and "b"; list each parameter once');
    expect(() => new SGD([['y', t.mul(2)]])).toThrow('SGD: parameter "y" is not a leaf tensor (it was computed by mul); optimize the tensor it came from');
    expect(() => new SGD([tensor([1], { dtype: 'int32' })])).toThrow(DTypeError);
    expect(() => new SGD([])).toThrow('SGD: got an empty parameter list');
    expect(() => new SGD([[t]] as never)).toThrow(TypeError);
    expect(() => new SGD(42 as never)).toThrow(/SGD: params must be a Module/);
    expect(() => new SGD([{ params: [t] }, t] as never)).toThrow(/parameter group 1 must be an object \{ params, … \}/);
  });
});

describe('step, scheduler, zeroGrad', () => {
  it('asks the scheduler once per step, with the step count and the loss, and scales group lrs by group.lr / lr', () => {
    const calls: [number, number | undefined][] = [];
    const scheduler: Scheduler = { name: 'Spy', lr: (k, loss) => (calls.push([k, loss]), 0.5 / k), stateDict: () => ({ name: 'Spy' }), loadStateDict: () => {} };
    const a = p64([0]), b = p64([0]), c = p64([0]);
    const opt = new SGD([{ params: [a, b] }, { params: [c], lr: 0.2 }], { lr: 0.1, scheduler });
    for (let k = 1; k <= 3; k++) {
      for (const t of [a, b, c]) t.grad = tensor([1], { dtype: 'float64' });
      opt.step(10 * k);
    }
    expect(calls).toEqual([[1, 10], [2, 20], [3, 30]]);
    expect(opt.lastLr).toEqual([0.5 / 3, (0.5 / 3) * 2]);
    expect(a.item()).toBeCloseTo(-(0.5 + 0.25 + 0.5 / 3), 14);
    expect(c.item()).toBeCloseTo(-2 * (0.5 + 0.25 + 0.5 / 3), 14);
  });

  it('step(closure) runs the closure with grad enabled, uses its loss and returns it', () => {
    const x = p64([3]);
    const opt = new SGD([['x', x]], { lr: 0.25, scheduler: new StepLR({ lr: 0.25, stepSize: 1, gamma: 0.5 }) });
    const closure = () => {
      opt.zeroGrad();
      const loss = x.square().sum();
      loss.backward();
      return loss;
    };
    const returned = opt.step(closure) as Tensor;
    expect(returned.item()).toBe(9);
    expect(x.item()).toBe(3 - 0.25 * 6);
  });

  it('only parameters with a gradient are updated (and get state)', () => {
    const a = withGrad(p64([1]), [1]), b = p64([2]);
    const opt = new Adam([['a', a], ['b', b]] as [string, Tensor][]);
    opt.step();
    expect(b.item()).toBe(2);
    expect([...opt.state.keys()]).toEqual(['a']);
  });

  it('zeroGrad sets gradients to null by default, or fills them with zeros', () => {
    const a = withGrad(p64([1, 2]), [3, 4]);
    const opt = new SGD([a]);
    opt.zeroGrad({ setToNone: false });
    expect([...a.grad!.toTypedArray()]).toEqual([0, 0]);
    opt.zeroGrad();
    expect(a.grad).toBeNull();
  });

  it('float64 parameters keep float64 state and results; float32 keep float32', () => {
    for (const dtype of ['float64', 'float32'] as const) {
      const a = tensor([1, 2], { dtype, requiresGrad: true });
      a.grad = tensor([0.5, -0.5], { dtype });
      const opt = new Adam([['a', a]] as [string, Tensor][], { amsgrad: true });
      opt.step();
      expect(a.dtype).toBe(dtype);
      const s = opt.state.get('a')!;
      expect([s.mean.dtype, s.var.dtype, s.maxVar!.dtype]).toEqual([dtype, dtype, dtype]);
    }
  });

  it("the notebook's functional form: an optimizer without parameters, used through update()", () => {
    const opt = new Adam({ lr: 0.1 });
    const w = tensor([1, 2], { dtype: 'float64' });
    const w1 = opt.update(w, tensor([1, 1], { dtype: 'float64' }), 'W');
    expect([...w.toTypedArray()]).toEqual([1, 2]);
    expect(w1).not.toBe(w);
    expect(opt.state.get('W')!.t).toBe(1);
    expect(opt.stepCount).toBe(0);
    expect(() => new Adam({ lr: 0.1 }, {})).toThrow(/params must be a Module/);
  });
});
