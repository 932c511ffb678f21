import { Schedule, checkStep, isNonNegative, option, schedulerOptions } from './scheduler.js';

/**
 * PyTorch's `MultiStepLR`: multiply by `gamma` at each milestone. At optimizer step k it gives
 * `lr · gamma^(number of milestones ≤ k − 1)`. Default `gamma = 0.1`.
 */
export class MultiStepLR extends Schedule {
  readonly name = 'MultiStepLR';
  readonly initialLr: number;
  readonly milestones: readonly number[];
  readonly gamma: number;

  constructor(opts: { lr: number; milestones: readonly number[]; gamma?: number }) {
    super();
    const { lr, milestones, gamma = 0.1 } = schedulerOptions(this.name, opts, ['lr', 'milestones', 'gamma']);
    this.initialLr = option(this.name, 'lr', lr, 'a finite number ≥ 0', isNonNegative);
    this.milestones = option(this.name, 'milestones', milestones, 'an increasing array of integers > 0',
      (m) => Array.isArray(m) && m.every((v, i) => Number.isInteger(v) && v > 0 && (i === 0 || v > m[i - 1]!)));
    this.gamma = option(this.name, 'gamma', gamma, 'a finite number ≥ 0', isNonNegative);
  }

  lr(step: number): number {
    checkStep(this.name, step);
    return this.initialLr * this.gamma ** this.milestones.filter((m) => m <= step - 1).length;
  }
}
