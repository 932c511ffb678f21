import { Schedule, checkStep, isNonNegative, isPositiveInt, option, schedulerOptions } from './scheduler.js';

/**
 * PyTorch's `StepLR`: multiply by `gamma` every `stepSize` steps. At optimizer step k (the first is 1)
 * it gives `lr · gamma^⌊(k − 1) / stepSize⌋`, the rate PyTorch uses at its k-th `optimizer.step()`
 * when `scheduler.step()` follows each one. Default `gamma = 0.1`.
 * @example
 * new SGD(model, { lr: 0.1, scheduler: new StepLR({ lr: 0.1, stepSize: 30 }) })
 */
export class StepLR extends Schedule {
  readonly name = 'StepLR';
  readonly initialLr: number;
  readonly stepSize: number;
  readonly gamma: number;

  constructor(opts: { lr: number; stepSize: number; gamma?: number }) {
    super();
    const { lr, stepSize, gamma = 0.1 } = schedulerOptions(this.name, opts, ['lr', 'stepSize', 'gamma']);
    this.initialLr = option(this.name, 'lr', lr, 'a finite number ≥ 0', isNonNegative);
    this.stepSize = option(this.name, 'stepSize', stepSize, 'an integer > 0', isPositiveInt);
    this.gamma = option(this.name, 'gamma', gamma, 'a finite number ≥ 0', isNonNegative);
  }

  lr(step: number): number {
    checkStep(this.name, step);
    return this.initialLr * this.gamma ** Math.floor((step - 1) / this.stepSize);
  }
}
