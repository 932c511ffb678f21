import { Schedule, checkStep, isPositive, isPositiveInt, option, schedulerOptions } from './scheduler.js';

export interface NoamSchedulerOptions {
  modelDim?: number;
  scaleFactor?: number;
  warmupSteps?: number;
}

/**
 * numpy-ml's `NoamScheduler` ("Attention is all you need"): a linear warmup, then decay as 1/√step.
 *
 *     lr = scaleFactor · modelDim^−½ · min(step^−½, step · warmupSteps^−³ᐟ²)
 *
 * Defaults: `modelDim = 512, scaleFactor = 1, warmupSteps = 4000`; the peak is at `step = warmupSteps`.
 * It ignores the optimizer's `lr`. Step 0 is an error (numpy-ml divides by zero).
 */
export class NoamScheduler extends Schedule {
  readonly name = 'NoamScheduler';
  readonly modelDim: number;
  readonly scaleFactor: number;
  readonly warmupSteps: number;

  constructor(opts: NoamSchedulerOptions = {}) {
    super();
    const { modelDim = 512, scaleFactor = 1, warmupSteps = 4000 } = schedulerOptions(this.name, opts, ['modelDim', 'scaleFactor', 'warmupSteps'], { d_model: 'modelDim' });
    this.modelDim = option(this.name, 'modelDim', modelDim, 'a finite number > 0', isPositive);
    this.scaleFactor = option(this.name, 'scaleFactor', scaleFactor, 'a finite number > 0', isPositive);
    this.warmupSteps = option(this.name, 'warmupSteps', warmupSteps, 'an integer > 0', isPositiveInt);
  }

  lr(step: number): number {
    checkStep(this.name, step, 1);
    return this.scaleFactor * this.modelDim ** -0.5 * Math.min(step ** -0.5, step * this.warmupSteps ** -1.5);
  }
}
