// Every invalid hyperparameter is rejected with a message naming the optimizer, the option and the value.
import { describe, expect, it } from 'vitest';
import { AutogradError, ShapeError, tensor } from '@tensile/tensor';
import { AdaGrad, Adam, AdamW, RMSProp, SGD, KingScheduler } from '../src/index.js';

const w = () => tensor([1, 2], { dtype: 'float64', requiresGrad: true });
type Ctor = new (params: unknown, options?: Record<string, unknown>) => unknown;
const make = (C: unknown, options: Record<string, unknown>) => () => new (C as Ctor)([w()], options);

describe('hyperparameter errors', () => {
  it.each([
    // The issue's own examples.
    [Adam, { decay1: 1 }, RangeError, 'Adam: decay1 must be in [0, 1), got 1'],
    [SGD, { lr: NaN }, RangeError, 'SGD: lr must be a finite number ≥ 0, got NaN'],
    [SGD, { nesterov: true }, RangeError, 'SGD: nesterov needs momentum > 0 and dampening = 0, got momentum = 0 and dampening = 0'],
    [SGD, { nesterov: true, momentum: 0.9, dampening: 0.1 }, RangeError, 'SGD: nesterov needs momentum > 0 and dampening = 0, got momentum = 0.9 and dampening = 0.1'],
    // lr, clipNorm, dialect: every optimizer.
    ...[SGD, AdaGrad, RMSProp, Adam, AdamW].flatMap((C) => {
      const n = C.id;
      return [
        [C, { lr: -0.1 }, RangeError, `${n}: lr must be a finite number ≥ 0, got -0.1`],
        [C, { lr: Infinity }, RangeError, `${n}: lr must be a finite number ≥ 0, got Infinity`],
        [C, { lr: '0.1' }, TypeError, `${n}: lr must be a finite number ≥ 0, got "0.1"`],
        [C, { clipNorm: 0 }, RangeError, `${n}: clipNorm must be a number > 0 or null, got 0`],
        [C, { clipNorm: -1 }, RangeError, `${n}: clipNorm must be a number > 0 or null, got -1`],
        [C, { clipNorm: NaN }, RangeError, `${n}: clipNorm must be a number > 0 or null, got NaN`],
        [C, { dialect: 'tf' }, TypeError, `${n}: dialect must be 'notebook' or 'torch', got "tf"`],
        [C, { weightDecay: -1e-4 }, RangeError, `${n}: weightDecay must be a finite number ≥ 0, got -0.0001`],
        [C, { eps: -1 }, n === 'SGD' ? TypeError : RangeError, n === 'SGD' ? 'SGD: unknown option "eps"' : `${n}: eps must be a finite number ≥ 0, got -1`],
      ] as const;
    }),
    [SGD, { momentum: -0.5 }, RangeError, 'SGD: momentum must be a finite number ≥ 0, got -0.5'],
    [SGD, { dampening: 2 }, RangeError, 'SGD: dampening must be in [0, 1], got 2'],
    [SGD, { nesterov: 1 }, TypeError, 'SGD: nesterov must be true or false, got 1'],
    [AdaGrad, { lrDecay: -1 }, RangeError, 'AdaGrad: lrDecay must be a finite number ≥ 0, got -1'],
    [AdaGrad, { initialAccumulatorValue: NaN }, RangeError, 'AdaGrad: initialAccumulatorValue must be a finite number ≥ 0, got NaN'],
    [RMSProp, { decay: 1 }, RangeError, 'RMSProp: decay must be in [0, 1), got 1'],
    [RMSProp, { decay: -0.1 }, RangeError, 'RMSProp: decay must be in [0, 1), got -0.1'],
    [RMSProp, { momentum: -1 }, RangeError, 'RMSProp: momentum must be a finite number ≥ 0, got -1'],
    [RMSProp, { centered: 'yes' }, TypeError, 'RMSProp: centered must be true or false, got "yes"'],
    [Adam, { decay2: 1.5 }, RangeError, 'Adam: decay2 must be in [0, 1), got 1.5'],
    [Adam, { decay1: -0.1 }, RangeError, 'Adam: decay1 must be in [0, 1), got -0.1'],
    [Adam, { amsgrad: 'no' }, TypeError, 'Adam: amsgrad must be true or false, got "no"'],
    [AdamW, { decay2: 1 }, RangeError, 'AdamW: decay2 must be in [0, 1), got 1'],
    // PyTorch and numpy-ml spellings get a hint.
    [Adam, { betas: [0.9, 0.99] }, TypeError, 'Adam: unknown option "betas" (Tensile calls it decay1 and decay2); the options are clipNorm, lr, decay1, decay2, eps, weightDecay, amsgrad'],
    [RMSProp, { alpha: 0.99 }, TypeError, 'RMSProp: unknown option "alpha" (Tensile calls it decay)'],
    [SGD, { weight_decay: 0.1 }, TypeError, 'SGD: unknown option "weight_decay" (Tensile calls it weightDecay)'],
    [Adam, { clip_norm: 5 }, TypeError, 'Adam: unknown option "clip_norm" (Tensile calls it clipNorm)'],
  ] as [unknown, Record<string, unknown>, ErrorConstructor, string][])('%o %o', (C, options, Err, message) => {
    expect(make(C, options)).toThrow(Err);
    expect(make(C, options)).toThrow(message);
  });

  it('a parameter group override is checked and the group named', () => {
    expect(() => new Adam([{ params: [w()] }, { params: [w()], decay1: 1 }])).toThrow('Adam: decay1 must be in [0, 1), got 1 (parameter group 1)');
    expect(() => new SGD([{ params: [w()], nesterov: true }], { momentum: 0.9 })).not.toThrow();
    expect(() => new SGD([{ params: [w()], momentum: 0, nesterov: true }])).toThrow(/SGD: nesterov needs momentum > 0/);
    expect(() => new Adam([{ params: [w()], dialect: 'torch' } as never])).toThrow(/dialect is set for the whole optimizer/);
  });
});

describe('step() checks before it changes anything', () => {
  it('a gradient of the wrong shape: ShapeError naming the parameter; nothing updated, no step counted', () => {
    const a = w(), b = w();
    const opt = new Adam([['a', a], ['b', b]] as const);
    a.grad = tensor([1, 1], { dtype: 'float64' });
    b.grad = tensor([1, 1, 1], { dtype: 'float64' });
    expect(() => opt.step()).toThrow(ShapeError);
    expect(() => opt.step()).toThrow('Adam: the gradient of "b" is [3] but the parameter is [2]');
    expect([...a.toTypedArray()]).toEqual([1, 2]);
    expect(opt.stepCount).toBe(0);
    expect(opt.state.size).toBe(0);
  });

  it('a parameter replaced by one of another shape: its name and how to reset its state', () => {
    const m = { p: w(), namedParameters() { return [['fc.weight', this.p]] as [string, typeof this.p][]; } };
    const opt = new Adam(m);
    m.p.grad = tensor([1, 1], { dtype: 'float64' });
    opt.step();
    m.p = tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    m.p.grad = tensor([1, 1, 1], { dtype: 'float64' });
    expect(() => opt.step()).toThrow('Adam: the state "mean" is [2] but the parameter "fc.weight" is [3]; it was replaced or reshaped, so delete its state with optimizer.state.delete("fc.weight")');
    opt.state.delete('fc.weight');
    opt.step();
    expect(opt.stepCount).toBe(2);
  });

  it('a loss-driven scheduler without a loss: nothing changes', () => {
    const a = w();
    a.grad = tensor([1, 1], { dtype: 'float64' });
    const opt = new Adam([a], { scheduler: new KingScheduler() });
    expect(() => opt.step()).toThrow('KingScheduler: needs the loss at every step; call optimizer.step(loss) or optimizer.step(closure)');
    expect(opt.stepCount).toBe(0);
    expect([...a.toTypedArray()]).toEqual([1, 2]);
  });

  it('a non-scalar loss', () => {
    const opt = new Adam([w()]);
    expect(() => opt.step(tensor([1, 2]))).toThrow('Adam.step: the loss must be a number or a one-element tensor, got a tensor of shape [2]');
  });

  it('in-place ops still refuse to touch a parameter outside noGrad (the optimizer uses noGrad)', () => {
    expect(() => w().sub_(1)).toThrow(AutogradError);
  });
});
