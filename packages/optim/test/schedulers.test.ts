// Schedulers against PyTorch 1.13 (fixtures/schedulers.json: the lr PyTorch uses at its k-th
// optimizer.step() when scheduler.step() follows each) and against their closed forms.
import { describe, expect, it } from 'vitest';
import {
  ConstantScheduler, CosineAnnealingLR, ExponentialLR, ExponentialScheduler, KingScheduler, LinearLR, MultiStepLR, NoamScheduler,
  OneCycleLR, ReduceLROnPlateau, SequentialLR, StepLR, type Scheduler,
} from '../src/index.js';
import { expectAllClose, loadFixture } from './helpers.js';

interface SchedulerCase {
  scheduler: string;
  options: Record<string, unknown>;
  losses?: number[];
  lrs: number[];
}
const fx = loadFixture<{ lr: number; cases: SchedulerCase[] }>('schedulers.json');
const TOL = { rtol: 1e-12, atol: 1e-15 };

function make(name: string, options: Record<string, unknown>, lr: number): Scheduler {
  const o = { lr, ...options } as never;
  switch (name) {
    case 'StepLR': return new StepLR(o);
    case 'MultiStepLR': return new MultiStepLR(o);
    case 'ExponentialLR': return new ExponentialLR(o);
    case 'CosineAnnealingLR': return new CosineAnnealingLR(o);
    case 'LinearLR': return new LinearLR(o);
    case 'OneCycleLR': return new OneCycleLR(options as never);
    case 'ReduceLROnPlateau': return new ReduceLROnPlateau(o);
    case 'SequentialLR': {
      const { schedulers, milestones } = options as { schedulers: [string, Record<string, unknown>][]; milestones: number[] };
      return new SequentialLR({ schedulers: schedulers.map(([n, opts]) => make(n, opts, lr)), milestones });
    }
    default: throw new Error(`no scheduler ${name}`);
  }
}

describe('PyTorch-style schedulers match torch.optim.lr_scheduler 1.13', () => {
  for (const c of fx.cases) {
    it(`${c.scheduler} ${JSON.stringify(c.options)}`, () => {
      const s = make(c.scheduler, c.options, fx.lr);
      const lrs = c.lrs.map((_, i) => s.lr(i + 1, c.losses?.[i]));
      expectAllClose(lrs, c.lrs, TOL, c.scheduler);
    });
  }

  it('ReduceLROnPlateau really reduces in the fixture, and SequentialLR really switches', () => {
    for (const c of fx.cases.filter((c) => c.scheduler === 'ReduceLROnPlateau' || c.scheduler === 'SequentialLR')) {
      expect(new Set(c.lrs).size).toBeGreaterThan(2);
    }
  });
});

describe('closed forms', () => {
  const k = Array.from({ length: 40 }, (_, i) => i + 1);
  it('StepLR: lr·γ^⌊(k−1)/stepSize⌋', () => {
    expectAllClose(new StepLR({ lr: 0.5, stepSize: 3, gamma: 0.2 }).preview(40), k.map((k) => 0.5 * 0.2 ** Math.floor((k - 1) / 3)), TOL, 'StepLR');
  });
  it('MultiStepLR: lr·γ^#{milestones ≤ k−1}', () => {
    expectAllClose(new MultiStepLR({ lr: 1, milestones: [2, 10], gamma: 0.5 }).preview(12), [1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25], TOL, 'MultiStepLR');
  });
  it('ExponentialLR: lr·γ^(k−1)', () => {
    expectAllClose(new ExponentialLR({ lr: 0.3, gamma: 0.9 }).preview(40), k.map((k) => 0.3 * 0.9 ** (k - 1)), TOL, 'ExponentialLR');
  });
  it('CosineAnnealingLR: ηmin + (lr − ηmin)(1 + cos(π(k−1)/T))/2, lr at k = 1 and ηmin at k = T + 1', () => {
    const s = new CosineAnnealingLR({ lr: 0.1, tMax: 10, etaMin: 0.01 });
    expectAllClose(s.preview(40), k.map((k) => 0.01 + (0.09 * (1 + Math.cos((Math.PI * (k - 1)) / 10))) / 2), TOL, 'Cosine');
    expect(s.lr(1)).toBe(0.1);
    expect(s.lr(11)).toBeCloseTo(0.01, 15);
  });
  it('LinearLR as a warmup from 0: lr·min(k−1, T)/T', () => {
    expectAllClose(new LinearLR({ lr: 2, startFactor: 0, totalIters: 4 }).preview(7), [0, 0.5, 1, 1.5, 2, 2, 2], TOL, 'LinearLR');
  });
  it('OneCycleLR starts at maxLr/divFactor, peaks at maxLr and ends at maxLr/divFactor/finalDivFactor', () => {
    const s = new OneCycleLR({ maxLr: 1, totalSteps: 100, divFactor: 10, finalDivFactor: 100 });
    expect(s.lr(1)).toBeCloseTo(0.1, 15);
    expect(s.lr(30)).toBeCloseTo(1, 15); // phase 1 ends at pctStart·total − 1 = 29 = k − 1
    expect(s.lr(100)).toBeCloseTo(1e-3, 15);
    expect(() => s.lr(102)).toThrow(/asked for step 102, but the schedule has totalSteps = 100/);
  });
});

describe("numpy-ml's schedulers", () => {
  it('ConstantScheduler', () => {
    expect(new ConstantScheduler({ lr: 0.3 }).preview(3)).toEqual([0.3, 0.3, 0.3]);
    expect(new ConstantScheduler().lr(0)).toBe(0.01);
  });
  it('ExponentialScheduler, staircase: steps 0 / 499 / 500 / 1000 → 0.01 / 0.01 / 0.001 / 0.0001; smooth: step 250 → 0.0031623', () => {
    const s = new ExponentialScheduler({ staircase: true });
    expectAllClose([0, 499, 500, 1000].map((k) => s.lr(k)), [0.01, 0.01, 0.001, 0.0001], TOL, 'staircase');
    expect(new ExponentialScheduler().lr(250)).toBeCloseTo(0.0031623, 7);
    expectAllClose([new ExponentialScheduler({ initialLr: 0.2, stageLength: 7, decay: 0.5 }).lr(10)], [0.2 * 0.5 ** (10 / 7)], TOL, 'smooth');
  });
  it('NoamScheduler: step 1 → 1.7469e-7, 4000 (the peak) → 6.9877e-4, 8000 → 4.9411e-4', () => {
    const s = new NoamScheduler();
    expect(s.lr(1)).toBeCloseTo(1.7469e-7, 11);
    expect(s.lr(4000)).toBeCloseTo(6.9877e-4, 8);
    expect(s.lr(8000)).toBeCloseTo(4.9411e-4, 8);
    expect(s.lr(3999)).toBeLessThan(s.lr(4000));
    expect(s.lr(4001)).toBeLessThan(s.lr(4000));
    // scaleFactor · modelDim^−½ · min(k^−½, k·warmup^−³ᐟ²)
    const t = new NoamScheduler({ modelDim: 64, scaleFactor: 2, warmupSteps: 10 });
    expectAllClose(t.preview(20), Array.from({ length: 20 }, (_, i) => (2 / 8) * Math.min((i + 1) ** -0.5, (i + 1) * 10 ** -1.5)), TOL, 'Noam');
  });
});

describe('degenerate arguments are errors, not NaN', () => {
  it.each([
    [() => new ExponentialScheduler({ stageLength: 0 }), RangeError, /ExponentialScheduler: stageLength must be a finite number > 0, got 0/],
    [() => new NoamScheduler({ warmupSteps: 0 }), RangeError, /NoamScheduler: warmupSteps must be an integer > 0, got 0/],
    [() => new NoamScheduler().lr(0), RangeError, /NoamScheduler: step must be an integer ≥ 1 \(the first optimizer step is 1\), got 0/],
    [() => new StepLR({ lr: 0.1, stepSize: 0 }), RangeError, /StepLR: stepSize must be an integer > 0, got 0/],
    [() => new StepLR({ lr: NaN, stepSize: 2 }), RangeError, /StepLR: lr must be a finite number ≥ 0, got NaN/],
    [() => new StepLR({ lr: 0.1, stepSize: 2 }).lr(0), RangeError, /StepLR: step must be an integer ≥ 1/],
    [() => new MultiStepLR({ lr: 0.1, milestones: [5, 3] }), TypeError, /MultiStepLR: milestones must be an increasing array/],
    [() => new CosineAnnealingLR({ lr: 0.1, tMax: 0 }), RangeError, /CosineAnnealingLR: tMax must be an integer > 0, got 0/],
    [() => new LinearLR({ lr: 0.1, startFactor: 1.5 }), RangeError, /LinearLR: startFactor must be in \[0, 1\], got 1.5/],
    [() => new OneCycleLR({ maxLr: 0.1, totalSteps: 0 }), RangeError, /OneCycleLR: totalSteps must be an integer > 0, got 0/],
    [() => new ReduceLROnPlateau({ lr: 0.1, factor: 1 }), RangeError, /ReduceLROnPlateau: factor must be in \[0, 1\), got 1/],
    [() => new ReduceLROnPlateau({ lr: 0.1 }).lr(1), TypeError, /ReduceLROnPlateau: needs the loss at every step/],
    [() => new KingScheduler({ patience: 2 }), RangeError, /KingScheduler: patience must be an integer ≥ 3, got 2/],
    [() => new KingScheduler().lr(1), TypeError, /KingScheduler: needs the loss at every step/],
    [() => new SequentialLR({ schedulers: [new ExponentialLR({ lr: 1, gamma: 0.5 })], milestones: [3] }), TypeError, /SequentialLR: milestones must be an increasing array of 0 integers/],
  ])('%#', (fn, Err, msg) => {
    expect(fn).toThrow(Err);
    expect(fn).toThrow(msg);
  });
});
