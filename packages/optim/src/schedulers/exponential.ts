import { Schedule, checkStep, isNonNegative, isPositive, option, schedulerOptions } from './scheduler.js';

export interface ExponentialSchedulerOptions {
  initialLr?: number;
  stageLength?: number;
  staircase?: boolean;
  decay?: number;
}

/**
 * numpy-ml's `ExponentialScheduler`: `lr = initialLr · decay^(step / stageLength)`, with the exponent
 * floored when `staircase`. Defaults: `initialLr = 0.01, stageLength = 500, staircase = false, decay = 0.1`.
 * @example
 * new ExponentialScheduler({ staircase: true }).lr(500) // 0.001
 */
export class ExponentialScheduler extends Schedule {
  readonly name = 'ExponentialScheduler';
  readonly initialLr: number;
  readonly stageLength: number;
  readonly staircase: boolean;
  readonly decay: number;

  constructor(opts: ExponentialSchedulerOptions = {}) {
    super();
    const { initialLr = 0.01, stageLength = 500, staircase = false, decay = 0.1 } = schedulerOptions(this.name, opts, ['initialLr', 'stageLength', 'staircase', 'decay'], { lr: 'initialLr' });
    this.initialLr = option(this.name, 'initialLr', initialLr, 'a finite number ≥ 0', isNonNegative);
    this.stageLength = option(this.name, 'stageLength', stageLength, 'a finite number > 0', isPositive);
    this.staircase = option(this.name, 'staircase', staircase, 'true or false', (v) => typeof v === 'boolean');
    this.decay = option(this.name, 'decay', decay, 'a finite number ≥ 0', isNonNegative);
  }

  lr(step: number): number {
    checkStep(this.name, step, 0);
    const stage = this.staircase ? Math.floor(step / this.stageLength) : step / this.stageLength;
    return this.initialLr * this.decay ** stage;
  }
}
