import { Schedule, checkStep, isPositive, isPositiveInt, isUnit, option, schedulerOptions } from './scheduler.js';

export interface OneCycleLROptions {
  maxLr: number;
  totalSteps: number;
  pctStart?: number;
  annealStrategy?: 'cos' | 'linear';
  divFactor?: number;
  finalDivFactor?: number;
  threePhase?: boolean;
}

interface Phase {
  end: number;
  from: number;
  to: number;
}

/**
 * PyTorch's `OneCycleLR` (Smith & Topin, super-convergence): from `maxLr / divFactor` up to `maxLr`
 * over the first `pctStart` of the steps, then down to `maxLr / divFactor / finalDivFactor`
 * (`threePhase`: back to the initial rate first). It sets its own rates (the optimizer's lr is not
 * used) and, unlike PyTorch, does not cycle momentum. Defaults: `pctStart = 0.3, annealStrategy = 'cos',
 * divFactor = 25, finalDivFactor = 1e4, threePhase = false`. As in PyTorch, asking past step
 * `totalSteps + 1` is an error.
 */
export class OneCycleLR extends Schedule {
  readonly name = 'OneCycleLR';
  readonly totalSteps: number;
  readonly annealStrategy: 'cos' | 'linear';
  private readonly phases: Phase[];

  constructor(opts: OneCycleLROptions) {
    super();
    const { maxLr, totalSteps, pctStart = 0.3, annealStrategy = 'cos', divFactor = 25, finalDivFactor = 1e4, threePhase = false } = schedulerOptions(
      this.name, opts, ['maxLr', 'totalSteps', 'pctStart', 'annealStrategy', 'divFactor', 'finalDivFactor', 'threePhase'],
      { epochs: 'totalSteps (epochs × steps per epoch)', steps_per_epoch: 'totalSteps (epochs × steps per epoch)', stepsPerEpoch: 'totalSteps (epochs × steps per epoch)' },
    );
    option(this.name, 'maxLr', maxLr, 'a finite number > 0', isPositive);
    this.totalSteps = option(this.name, 'totalSteps', totalSteps, 'an integer > 0', isPositiveInt);
    option(this.name, 'pctStart', pctStart, 'in [0, 1]', isUnit);
    this.annealStrategy = option(this.name, 'annealStrategy', annealStrategy, "'cos' or 'linear'", (v) => v === 'cos' || v === 'linear');
    option(this.name, 'divFactor', divFactor, 'a finite number > 0', isPositive);
    option(this.name, 'finalDivFactor', finalDivFactor, 'a finite number > 0', isPositive);
    option(this.name, 'threePhase', threePhase, 'true or false', (v) => typeof v === 'boolean');
    const initial = maxLr / divFactor;
    const min = initial / finalDivFactor;
    const up = pctStart * totalSteps - 1;
    this.phases = threePhase
      ? [{ end: up, from: initial, to: maxLr }, { end: 2 * pctStart * totalSteps - 2, from: maxLr, to: initial }, { end: totalSteps - 1, from: initial, to: min }]
      : [{ end: up, from: initial, to: maxLr }, { end: totalSteps - 1, from: maxLr, to: min }];
  }

  lr(step: number): number {
    checkStep(this.name, step);
    const t = step - 1;
    if (t > this.totalSteps) throw new RangeError(`${this.name}: asked for step ${step}, but the schedule has totalSteps = ${this.totalSteps}`);
    let start = 0;
    for (const [i, { end, from, to }] of this.phases.entries()) {
      if (t <= end || i === this.phases.length - 1) {
        const pct = (t - start) / (end - start);
        return this.annealStrategy === 'cos' ? to + ((from - to) / 2) * (Math.cos(Math.PI * pct) + 1) : (to - from) * pct + from;
      }
      start = end;
    }
    throw new Error('unreachable');
  }
}
