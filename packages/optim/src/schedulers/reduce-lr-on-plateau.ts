import { StateDictError } from '../errors.js';
import { checkStateName, checkStep, isNonNegative, option, schedulerOptions, type Scheduler, type SchedulerState } from './scheduler.js';

export interface ReduceLROnPlateauOptions {
  lr: number;
  mode?: 'min' | 'max';
  factor?: number;
  patience?: number;
  threshold?: number;
  thresholdMode?: 'rel' | 'abs';
  cooldown?: number;
  minLr?: number;
  eps?: number;
}

/**
 * PyTorch's `ReduceLROnPlateau`: multiply the rate by `factor` when the loss has not improved (by
 * `threshold`, relative or absolute) for more than `patience` steps, then wait `cooldown` steps.
 * The rate at step k comes from the losses of steps before k (as PyTorch's at its k-th
 * `optimizer.step()` when `scheduler.step(loss)` follows each); step k's loss is recorded once.
 * Defaults: `mode = 'min', factor = 0.1, patience = 10, threshold = 1e-4, thresholdMode = 'rel',
 * cooldown = 0, minLr = 0, eps = 1e-8`.
 * @example
 * const opt = new SGD(model, { lr: 0.1, scheduler: new ReduceLROnPlateau({ lr: 0.1, patience: 5 }) });
 * opt.step(loss);
 */
export class ReduceLROnPlateau implements Scheduler {
  readonly name = 'ReduceLROnPlateau';
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLr: number;
  readonly eps: number;
  private current: number;
  /** The best loss so far (null before the first). */
  private best: number | null = null;
  private numBadSteps = 0;
  private cooldownCounter = 0;
  private lastStep = 0;
  private stepLr: number;

  constructor(opts: ReduceLROnPlateauOptions) {
    const n = this.name;
    const { lr, mode = 'min', factor = 0.1, patience = 10, threshold = 1e-4, thresholdMode = 'rel', cooldown = 0, minLr = 0, eps = 1e-8 } = schedulerOptions(
      n, opts, ['lr', 'mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps'],
    );
    this.current = this.stepLr = option(n, 'lr', lr, 'a finite number ≥ 0', isNonNegative);
    this.mode = option(n, 'mode', mode, "'min' or 'max'", (v) => v === 'min' || v === 'max');
    this.factor = option(n, 'factor', factor, 'in [0, 1)', (v) => typeof v === 'number' && v >= 0 && v < 1);
    this.patience = option(n, 'patience', patience, 'an integer ≥ 0', (v) => Number.isInteger(v) && v >= 0);
    this.threshold = option(n, 'threshold', threshold, 'a finite number ≥ 0', isNonNegative);
    this.thresholdMode = option(n, 'thresholdMode', thresholdMode, "'rel' or 'abs'", (v) => v === 'rel' || v === 'abs');
    this.cooldown = option(n, 'cooldown', cooldown, 'an integer ≥ 0', (v) => Number.isInteger(v) && v >= 0);
    this.minLr = option(n, 'minLr', minLr, 'a finite number ≥ 0', isNonNegative);
    this.eps = option(n, 'eps', eps, 'a finite number ≥ 0', isNonNegative);
  }

  lr(step: number, loss?: number): number {
    checkStep(this.name, step, 0);
    if (step <= this.lastStep) return this.stepLr;
    if (typeof loss !== 'number') {
      throw new TypeError(`${this.name}: needs the loss at every step; call optimizer.step(loss) or optimizer.step(closure)`);
    }
    this.stepLr = this.current;
    this.lastStep = step;
    this.observe(loss);
    return this.stepLr;
  }

  private isBetter(a: number): boolean {
    if (this.best === null) return !Number.isNaN(a);
    const { best, threshold } = this;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - threshold) : a < best - threshold;
    return this.thresholdMode === 'rel' ? a > best * (threshold + 1) : a > best + threshold;
  }

  private observe(loss: number): void {
    if (this.isBetter(loss)) {
      this.best = loss;
      this.numBadSteps = 0;
    } else {
      this.numBadSteps += 1;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBadSteps = 0; // bad steps during the cooldown do not count
    }
    if (this.numBadSteps > this.patience) {
      const next = Math.max(this.current * this.factor, this.minLr);
      if (this.current - next > this.eps) this.current = next;
      this.cooldownCounter = this.cooldown;
      this.numBadSteps = 0;
    }
  }

  stateDict(): SchedulerState {
    const { name, current: lr, best, numBadSteps, cooldownCounter, lastStep, stepLr } = this;
    return { name, lr, best, numBadSteps, cooldownCounter, lastStep, stepLr };
  }

  loadStateDict(state: SchedulerState): void {
    checkStateName(this.name, state);
    const s = state as unknown as Record<string, unknown>;
    const bad = ['lr', 'stepLr'].filter((k) => !isNonNegative(s[k]))
      .concat(['numBadSteps', 'cooldownCounter', 'lastStep'].filter((k) => !(Number.isInteger(s[k]) && (s[k] as number) >= 0)))
      .concat(s.best === null || typeof s.best === 'number' ? [] : ['best']);
    if (bad.length > 0) throw new StateDictError(`${this.name}.loadStateDict: invalid ${bad.join(', ')}. Nothing was loaded.`);
    this.current = s.lr as number;
    this.best = s.best as number | null;
    this.numBadSteps = s.numBadSteps as number;
    this.cooldownCounter = s.cooldownCounter as number;
    this.lastStep = s.lastStep as number;
    this.stepLr = s.stepLr as number;
  }
}
