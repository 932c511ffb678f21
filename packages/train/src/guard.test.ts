// The NaN guard end to end: a model makes a NaN or an Inf in a chosen layer, in the forward pass, in the
// backward pass and in the optimizer step; each time the NonFiniteError names that layer's path, its class,
// the op, the pass and (for gradients and updates) the parameter. Then fit: on by default, it stops the run
// with the guard's message. And profileSteps, the callback that profiles a window of a fit.
import { describe, expect, it } from 'vitest';
import { Linear, Module, ModuleList, crossEntropy } from '@tensile/nn';
import { Adam } from '@tensile/optim';
import { DataLoader, TensorDataset } from '@tensile/data';
import { NonFiniteError, fill_, isNanGuardEnabled, isProfiling, manualSeed, nanGuard, noGrad, randn, relu, tensor, type Profile, type Tensor } from '@tensile/tensor';
import { fit } from './fit.js';
import { profileSteps } from './profile-steps.js';

class Block extends Module {
  fc1 = new Linear(4, 4);
  fc2 = new Linear(4, 4);
  /** fc2's output is scaled by this (0 cuts it off: its parameters then get zero gradients). */
  gate = 1;
  forward(x: Tensor): Tensor {
    return relu(this.fc1.forward(x)).add(this.fc2.forward(x).mul(this.gate));
  }
}

class Encoder extends Module {
  layers = new ModuleList([new Block(), new Block()]);
  forward(x: Tensor): Tensor {
    for (const l of this.layers) x = (l as Block).forward(x);
    return x;
  }
}

class Model extends Module {
  encoder = new Encoder();
  head = new Linear(4, 3);
  /** The loss is multiplied by this inside the model (a huge value overflows the gradients in float32). */
  scale = 1;
  forward(x: Tensor): Tensor {
    return this.head.forward(this.encoder.forward(x)).mul(this.scale);
  }
}

function setup(): { model: Model; target: Block; x: Tensor; y: Tensor } {
  manualSeed(1);
  const model = new Model();
  return { model, target: model.encoder.layers.at(1) as Block, x: randn([8, 4]), y: tensor([0, 1, 2, 0, 1, 2, 0, 1], { dtype: 'int32' }) };
}

/** fc1 biases of 10: no ReLU unit is dead, so only the gated fc2 gets exact zero gradients. */
function keepReluAlive(model: Model): void {
  noGrad(() => {
    for (const l of model.encoder.layers) fill_((l as Block).fc1.bias!, 10);
  });
}

function caught(fn: () => void): NonFiniteError {
  try {
    nanGuard(fn);
  } catch (err) {
    expect(err).toBeInstanceOf(NonFiniteError);
    return err as NonFiniteError;
  }
  throw new Error('expected a NonFiniteError');
}

describe('the NaN guard names the layer', () => {
  it('forward: an overflow to Inf in encoder.layers.1.fc2', () => {
    const { model, target, x, y } = setup();
    const first = model.encoder.layers.at(0) as Block;
    noGrad(() => {
      fill_(first.fc2.weight, 0);
      fill_(first.fc2.bias!, 10); // layers.0 puts out values ≥ 10
      fill_(target.fc2.weight, 3e38); // finite, but 4 · 10 · 3e38 overflows float32
    });
    const err = caught(() => void crossEntropy(model.forward(x), y));
    expect([err.op, err.pass, err.modulePath, err.moduleClass, err.paramName]).toEqual(['addmm', 'forward', 'encoder.layers.1.fc2', 'Linear', null]);
    // Linear is one addmm (bias + x·Wᵀ), as in PyTorch.
    expect(err.message).toMatch(/^nanGuard: Infinity in the forward of addmm in module "encoder\.layers\.1\.fc2" \(Linear\): its output of shape \[8, 4\] has Infinity at element 0\. Its inputs \(shapes \[4\], \[8, 4\], \[4, 4\]\) were finite$/);
    // Without the guard the same forward just returns the Inf.
    expect(() => model.forward(x)).not.toThrow();
  });

  it('forward: a parameter that already holds a NaN is named', () => {
    const { model, target, x } = setup();
    target.fc1.bias!.data[2] = NaN;
    const err = caught(() => void model.forward(x));
    // The first op that computes with it (Linear's addmm, whose first input is the bias) names it.
    expect([err.op, err.modulePath, err.paramName]).toEqual(['addmm', 'encoder.layers.1.fc1', 'encoder.layers.1.fc1.bias']);
    expect(err.message).toContain('already held a non-finite value');
  });

  it('backward: a gradient that overflows in encoder.layers.1 names the weight', () => {
    const { model, target, x, y } = setup();
    const first = model.encoder.layers.at(0) as Block;
    noGrad(() => {
      for (const l of [first.fc1, first.fc2]) fill_(l.weight, 0);
      fill_(first.fc1.bias!, 0);
      fill_(first.fc2.bias!, 1e10); // layers.1 sees inputs of 1e10
      for (const l of [target.fc1, target.fc2]) fill_(l.weight, 1e-30); // and puts out O(1): the forward is finite
    });
    const loss = nanGuard(() => crossEntropy(model.forward(x), y));
    expect(Number.isFinite(loss.item())).toBe(true);
    // A gradient of 1e31 at the loss (the head sees O(1) inputs: its gradients stay finite); the weight gradients of layers.1, about 1e29 · 1e10 · 8, overflow.
    const err = caught(() => loss.backward(tensor(1e31)));
    expect(err.pass).toBe('backward');
    expect(err.op).toBe('addmm');
    expect(err.modulePath).toMatch(/^encoder\.layers\.1\.fc[12]$/);
    expect(err.paramName).toBe(`${err.modulePath}.weight`);
    expect(err.message).toMatch(/^nanGuard: Infinity in the backward of addmm in module "encoder\.layers\.1\.fc[12]" \(Linear\): the gradient of its input 2 \(parameter "encoder\.layers\.1\.fc[12]\.weight"\) of shape \[4, 4\] has Infinity/);
  });

  it('backward: the first op whose gradient is not finite is named even outside parameters (sqrt at 0)', () => {
    class Root extends Module {
      inner = new Linear(3, 3);
      forward(x: Tensor): Tensor {
        return relu(this.inner.forward(x)).mul(0).sqrt().sum(); // sqrt(0) is 0, its derivative 1/(2·0) is Inf
      }
    }
    const m = new Root();
    const out = nanGuard(() => m.forward(randn([2, 3])));
    const err = caught(() => out.backward());
    expect([err.op, err.pass, err.modulePath, err.moduleClass, err.paramName]).toEqual(['sqrt', 'backward', '', 'Root', null]);
    expect(err.message).toMatch(/^nanGuard: Infinity in the backward of sqrt in the model \(Root\)/);
  });

  it('optimizer step: eps = 0 with a zero gradient (0/0) in encoder.layers.1.fc2', () => {
    const { model, target, x, y } = setup();
    target.gate = 0; // fc2 of layers.1 gets zero gradients
    keepReluAlive(model);
    const opt = new Adam(model, { lr: 0.01, eps: 0 });
    const err = caught(() => {
      crossEntropy(model.forward(x), y).backward();
      opt.step();
    });
    expect([err.op, err.pass, err.modulePath, err.moduleClass, err.paramName]).toEqual(['Adam', 'optimizer step', 'encoder.layers.1.fc2', 'Linear', 'encoder.layers.1.fc2.weight']);
    expect(err.message).toMatch(/^nanGuard: NaN in the optimizer step of Adam in module "encoder\.layers\.1\.fc2" \(Linear\): parameter "encoder\.layers\.1\.fc2\.weight" after its update/);
  });

  it('is off outside nanGuard and restored after an error', () => {
    expect(isNanGuardEnabled()).toBe(false);
    expect(() => nanGuard(() => tensor([0]).log().mul(0))).toThrow(NonFiniteError);
    expect(isNanGuardEnabled()).toBe(false);
  });
});

describe('fit runs with the guard on by default', () => {
  function run(nanGuardOption?: boolean) {
    const { model, target, x, y } = setup();
    target.gate = 0;
    keepReluAlive(model);
    const opt = new Adam(model, { lr: 0.01, eps: 0 });
    const train = new DataLoader(new TensorDataset(x, y), { batchSize: 4 });
    return fit({ model, optimizer: opt, train, epochs: 1, ...(nanGuardOption === undefined ? {} : { nanGuard: nanGuardOption }) });
  }

  it('stops with the guard’s message naming the layer and the parameter', async () => {
    const result = await run();
    expect(result.stopped?.by).toBe('nonFinite');
    expect(result.stopped?.step).toBe(1);
    expect(result.stopped?.message).toMatch(
      /^nanGuard: NaN in the optimizer step of Adam in module "encoder\.layers\.1\.fc2" \(Linear\).*\(at step 1, epoch 1, batch 1; the optimizer had updated the parameters up to "encoder\.layers\.1\.fc2\.weight"\)$/,
    );
    expect(isNanGuardEnabled()).toBe(false);
  });

  it('nanGuard: false trains on (the NaN then reaches the loss a step later)', async () => {
    const result = await run(false);
    expect(result.stopped?.message).toMatch(/^the training loss is NaN at step 2/);
    await expect(run('yes' as never)).rejects.toThrow('fit: nanGuard must be a boolean, got "yes"');
  });
});

describe('profileSteps', () => {
  it('profiles the steps after skip and hands over the profile; refuses bad options', async () => {
    const { model, x, y } = setup();
    const opt = new Adam(model, { lr: 0.01 });
    const train = new DataLoader(new TensorDataset(x, y), { batchSize: 2 }); // 4 steps per epoch
    const profiles: Profile[] = [];
    await fit({ model, optimizer: opt, train, epochs: 2, callbacks: [profileSteps({ skip: 1, steps: 3, onProfile: (p) => void profiles.push(p) })] });
    expect(profiles).toHaveLength(1);
    const p = profiles[0]!;
    // Steps 2, 3 and 4: three forwards of the model and three Adam steps.
    expect(p.events.filter((e) => e.kind === 'module' && e.module === '')).toHaveLength(3);
    expect(p.events.filter((e) => e.kind === 'range' && e.name === 'Adam.step')).toHaveLength(3);
    expect(p.rows({ groupBy: 'module' }).some((r) => r.name === 'encoder.layers.1.fc2 (Linear)' && r.pass === 'backward')).toBe(true);
    expect(isProfiling()).toBe(false);
    // A window longer than the fit ends with the fit.
    const more: Profile[] = [];
    await fit({ model, optimizer: opt, train, epochs: 1, callbacks: [profileSteps({ skip: 0, steps: 50, kernels: false, onProfile: (q) => void more.push(q) })] });
    expect(more[0]!.events.filter((e) => e.kind === 'module' && e.module === '')).toHaveLength(4);
    expect(more[0]!.events.some((e) => e.kind === 'kernel')).toBe(false);
    expect(() => profileSteps({ steps: 0, onProfile: () => undefined })).toThrow('profileSteps: steps must be an integer ≥ 1, got 0');
    expect(() => profileSteps({ onProfile: () => undefined, every: 2 } as never)).toThrow(/profileSteps.*every/);
  });
});
