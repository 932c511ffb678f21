import { Schedule, checkStep, isNonNegative, isPositiveInt, isUnit, option, schedulerOptions } from './scheduler.js';

export interface LinearLROptions {
  lr: number;
  startFactor?: number;
  endFactor?: number;
  totalIters?: number;
}

/**
 * PyTorch's `LinearLR`, the usual linear warmup: the factor goes linearly from `startFactor` to
 * `endFactor` over `totalIters` steps, then stays. At optimizer step k, with t = k − 1:
 * `lr · (startFactor + (endFactor − startFactor)·min(t, totalIters) / totalIters)`.
 * Defaults: `startFactor = 1/3, endFactor = 1, totalIters = 5`. Unlike PyTorch 1.13, `startFactor = 0`
 * works (a warmup from zero).
 * @example
 * new LinearLR({ lr: 1e-3, startFactor: 0.01, totalIters: 1000 }) // warmup
 */
export class LinearLR extends Schedule {
  readonly name = 'LinearLR';
  readonly initialLr: number;
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;

  constructor(opts: LinearLROptions) {
    super();
    const { lr, startFactor = 1 / 3, endFactor = 1, totalIters = 5 } = schedulerOptions(this.name, opts, ['lr', 'startFactor', 'endFactor', 'totalIters']);
    this.initialLr = option(this.name, 'lr', lr, 'a finite number ≥ 0', isNonNegative);
    this.startFactor = option(this.name, 'startFactor', startFactor, 'in [0, 1]', isUnit);
    this.endFactor = option(this.name, 'endFactor', endFactor, 'in [0, 1]', isUnit);
    this.totalIters = option(this.name, 'totalIters', totalIters, 'an integer > 0', isPositiveInt);
  }

  lr(step: number): number {
    checkStep(this.name, step);
    const t = Math.min(step - 1, this.totalIters);
    return this.initialLr * (this.startFactor + ((this.endFactor - this.startFactor) * t) / this.totalIters);
  }
}
