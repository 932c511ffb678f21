import { Schedule, checkStep, isNonNegative, option, schedulerOptions } from './scheduler.js';

/** PyTorch's `ExponentialLR`: at optimizer step k it gives `lr · gamma^(k − 1)`. */
export class ExponentialLR extends Schedule {
  readonly name = 'ExponentialLR';
  readonly initialLr: number;
  readonly gamma: number;

  constructor(opts: { lr: number; gamma: number }) {
    super();
    const { lr, gamma } = schedulerOptions(this.name, opts, ['lr', 'gamma']);
    this.initialLr = option(this.name, 'lr', lr, 'a finite number ≥ 0', isNonNegative);
    this.gamma = option(this.name, 'gamma', gamma, 'a finite number ≥ 0', isNonNegative);
  }

  lr(step: number): number {
    checkStep(this.name, step);
    return this.initialLr * this.gamma ** (step - 1);
  }
}
