import { Schedule, checkStep, isNonNegative, isPositiveInt, option, schedulerOptions } from './scheduler.js';

/**
 * PyTorch's `CosineAnnealingLR` (SGDR without restarts), in closed form: at optimizer step k, with
 * t = k − 1, it gives `etaMin + (lr − etaMin)·(1 + cos(π·t / tMax)) / 2`. Past `tMax` the cosine
 * rises again, as PyTorch's does. Default `etaMin = 0`.
 */
export class CosineAnnealingLR extends Schedule {
  readonly name = 'CosineAnnealingLR';
  readonly initialLr: number;
  readonly tMax: number;
  readonly etaMin: number;

  constructor(opts: { lr: number; tMax: number; etaMin?: number }) {
    super();
    const { lr, tMax, etaMin = 0 } = schedulerOptions(this.name, opts, ['lr', 'tMax', 'etaMin'], { T_max: 'tMax' });
    this.initialLr = option(this.name, 'lr', lr, 'a finite number ≥ 0', isNonNegative);
    this.tMax = option(this.name, 'tMax', tMax, 'an integer > 0', isPositiveInt);
    this.etaMin = option(this.name, 'etaMin', etaMin, 'a finite number ≥ 0', isNonNegative);
  }

  lr(step: number): number {
    checkStep(this.name, step);
    return this.etaMin + ((this.initialLr - this.etaMin) * (1 + Math.cos((Math.PI * (step - 1)) / this.tMax))) / 2;
  }
}
