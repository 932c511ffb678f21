// Every options object of @tensile/optim besides the hyperparameters (which hyperparams.ts resolves, see
// errors.test.ts) rejects keys it does not know: the schedulers, clipping, zeroGrad and loadStateDict.
import { describe, expect, it } from 'vitest';
import { tensor } from '@tensile/tensor';
import {
  Adam, ConstantScheduler, CosineAnnealingLR, ExponentialLR, ExponentialScheduler, KingScheduler, LinearLR, MultiStepLR, NoamScheduler,
  OneCycleLR, ReduceLROnPlateau, SequentialLR, StepLR, clipGradNorm,
} from '../src/index.js';

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const unknown = (where: string, key: string, hint: string | null, known: string) =>
  new RegExp(`^${esc(where)}: unknown option "${esc(key)}"${hint === null ? '' : ` \\(did you mean ${esc(hint)}\\?\\)`}; the options are ${esc(known)}$`);

describe('scheduler options', () => {
  it.each([
    ['ConstantScheduler', () => new ConstantScheduler({ learningRate: 0.1 } as never), 'learningRate', null, 'lr'],
    ['ExponentialScheduler', () => new ExponentialScheduler({ lr: 0.1 } as never), 'lr', 'initialLr', 'initialLr, stageLength, staircase, decay'],
    ['NoamScheduler', () => new NoamScheduler({ d_model: 512 } as never), 'd_model', 'modelDim', 'modelDim, scaleFactor, warmupSteps'],
    ['KingScheduler', () => new KingScheduler({ patience: 10, dump_amount: 2 } as never), 'dump_amount', 'dumpAmount', 'initialLr, patience, decay, dumpAmount'],
    ['StepLR', () => new StepLR({ lr: 0.1, step_size: 10 } as never), 'step_size', 'stepSize', 'lr, stepSize, gamma'],
    ['MultiStepLR', () => new MultiStepLR({ lr: 0.1, milestones: [2], last_epoch: -1 } as never), 'last_epoch', null, 'lr, milestones, gamma'],
    ['ExponentialLR', () => new ExponentialLR({ lr: 0.1, gamma: 0.9, gama: 0.9 } as never), 'gama', 'gamma', 'lr, gamma'],
    ['CosineAnnealingLR', () => new CosineAnnealingLR({ lr: 0.1, T_max: 10 } as never), 'T_max', 'tMax', 'lr, tMax, etaMin'],
    ['LinearLR', () => new LinearLR({ lr: 0.1, start_factor: 0.1 } as never), 'start_factor', 'startFactor', 'lr, startFactor, endFactor, totalIters'],
    ['OneCycleLR', () => new OneCycleLR({ maxLr: 0.1, totalSteps: 100, steps_per_epoch: 10 } as never), 'steps_per_epoch', 'totalSteps (epochs × steps per epoch)',
      'maxLr, totalSteps, pctStart, annealStrategy, divFactor, finalDivFactor, threePhase'],
    ['ReduceLROnPlateau', () => new ReduceLROnPlateau({ lr: 0.1, min_lr: 1e-5 } as never), 'min_lr', 'minLr', 'lr, mode, factor, patience, threshold, thresholdMode, cooldown, minLr, eps'],
    ['SequentialLR', () => new SequentialLR({ schedulers: [new ConstantScheduler()], milestones: [], optimizer: null } as never), 'optimizer', null, 'schedulers, milestones'],
  ] as const)('%s', (where, make, key, hint, known) => {
    expect(make).toThrow(TypeError);
    expect(make).toThrow(unknown(where, key, hint, known));
  });

  it('known keys still work, and a scheduler that needs options says which', () => {
    expect(new StepLR({ lr: 1, stepSize: 2, gamma: 0.5 }).preview(3)).toEqual([1, 1, 0.5]);
    expect(new ConstantScheduler({ lr: undefined }).lr(1)).toBe(0.01);
    expect(() => new StepLR(undefined as never)).toThrow(/^StepLR: options are required \(lr, stepSize, gamma\)$/);
    expect(() => new StepLR('fast' as never)).toThrow(/^StepLR: options must be an object, got a string \("fast"\)$/);
  });
});

describe('clipping, zeroGrad and loadStateDict options', () => {
  const w = () => {
    const p = tensor([3, 4], { dtype: 'float64', requiresGrad: true });
    p.grad = tensor([3, 4], { dtype: 'float64' });
    return p;
  };

  it('clipGradNorm rejects an unknown option and changes no gradient', () => {
    const p = w();
    expect(() => clipGradNorm([p], 1, { norm_type: 1 } as never)).toThrow(unknown('clipGradNorm', 'norm_type', 'normType', 'normType, errorIfNonfinite'));
    expect(() => clipGradNorm([p], 1, { errorIfNonfinite: 'yes' } as never)).toThrow(/^clipGradNorm: errorIfNonfinite must be true or false, got "yes"$/);
    expect(p.grad!.toArray()).toEqual([3, 4]);
    expect(clipGradNorm([p], 1, { normType: 2 })).toBe(5);
  });

  it('zeroGrad and loadStateDict reject unknown options and change nothing', () => {
    const p = w();
    const opt = new Adam([p], { lr: 0.1 });
    expect(() => opt.zeroGrad({ set_to_none: false } as never)).toThrow(unknown('Adam.zeroGrad', 'set_to_none', 'setToNone', 'setToNone'));
    expect(() => opt.zeroGrad({ setToNone: 0 } as never)).toThrow(/^Adam\.zeroGrad: setToNone must be true or false, got 0$/);
    expect(p.grad!.toArray()).toEqual([3, 4]);
    opt.step();
    const sd = opt.stateDict();
    const other = new Adam([w()], { lr: 0.1 });
    const before = other.stateDict();
    expect(() => other.loadStateDict(sd, { strct: false } as never)).toThrow(unknown('loadStateDict(Adam)', 'strct', 'strict', 'strict'));
    expect(() => other.loadStateDict(sd, { strict: 'no' } as never)).toThrow(/^loadStateDict\(Adam\): strict must be true or false, got "no"$/);
    expect(other.stateDict()).toEqual(before);
  });
});
