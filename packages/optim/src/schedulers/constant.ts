import { Schedule, checkStep, isNonNegative, option, schedulerOptions } from './scheduler.js';

/** numpy-ml's `ConstantScheduler`: the same learning rate at every step. Default `lr = 0.01`. */
export class ConstantScheduler extends Schedule {
  readonly name = 'ConstantScheduler';
  readonly initialLr: number;

  constructor(opts: { lr?: number } = {}) {
    super();
    const { lr = 0.01 } = schedulerOptions(this.name, opts, ['lr']);
    this.initialLr = option(this.name, 'lr', lr, 'a finite number ≥ 0', isNonNegative);
  }

  lr(step: number): number {
    checkStep(this.name, step, 0);
    return this.initialLr;
  }
}
