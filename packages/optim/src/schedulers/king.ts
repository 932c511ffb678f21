import { StateDictError } from '../errors.js';
import { checkStateName, checkStep, isNonNegative, isPositive, option, schedulerOptions, type Scheduler, type SchedulerState } from './scheduler.js';

export interface KingSchedulerOptions {
  initialLr?: number;
  patience?: number;
  decay?: number;
  /** How many of the oldest losses to forget after a decay, besides `patience / 10`. Default `patience / 5`. */
  dumpAmount?: number;
}

/** Φ⁻¹(0.51): "P(decreasing) < 0.51" is "slope / standard error < Z51". */
const Z51 = 0.025068908258711057;

/**
 * dlib's `count_steps_without_decrease`: the largest k (≥ 3) such that a least-squares line through the
 * last k losses is not confidently decreasing, P(slope < 0) < 0.51 with the slope's normal approximation.
 * `robust` first drops the losses above the 90th percentile (spikes); dropped losses still count in k.
 */
export function stepsWithoutDecrease(losses: readonly number[], robust = false): number {
  let keepBelow = Infinity;
  if (robust && losses.length > 0) {
    const sorted = [...losses].sort((a, b) => a - b);
    keepBelow = sorted[sorted.length - Math.floor(losses.length * 0.1) - 1]!;
  }
  // Newest first, x = 0, 1, 2, … into the past: a positive slope means the loss has been decreasing.
  const y0 = losses[losses.length - 1] ?? 0;
  let n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0, count = 0;
  for (let k = 1; k <= losses.length; k++) {
    const v = losses[losses.length - k]!;
    if (v > keepBelow) continue;
    const x = n++, y = v - y0;
    sx += x; sy += y; sxx += x * x; sxy += x * y; syy += y * y;
    if (n <= 2) continue;
    const Sxx = sxx - (sx * sx) / n, Sxy = sxy - (sx * sy) / n, Syy = syy - (sy * sy) / n;
    const slope = Sxy / Sxx;
    const se = Math.sqrt(Math.max(Syy - slope * Sxy, 0) / (n - 2) / Sxx);
    const z = se > 0 ? slope / se : slope > 0 ? Infinity : slope < 0 ? -Infinity : 0;
    if (z < Z51) count = k;
  }
  return count;
}

/**
 * Davis King's rule from dlib ("automatic learning rate scheduling that really works"), which numpy-ml's
 * `KingScheduler` meant to implement: keep the last `patience` losses; when both the plain and the
 * robust count of steps without decrease reach `patience`, multiply the rate by `decay` and forget the
 * oldest `dumpAmount + patience/10` losses, so it cannot fire again before the history refills.
 * The rate at step k comes from the losses of steps before k; each step's loss is recorded once.
 * Defaults: `initialLr = 0.01, patience = 1000, decay = 0.99, dumpAmount = patience / 5`.
 * @example
 * const opt = new Adam(model, { lr: 0.01, scheduler: new KingScheduler({ initialLr: 0.01, patience: 200 }) });
 * opt.step(loss);
 */
export class KingScheduler implements Scheduler {
  readonly name = 'KingScheduler';
  readonly patience: number;
  readonly decay: number;
  readonly dumpAmount: number;
  private current: number;
  private history: number[] = [];
  private lastStep = 0;
  private stepLr: number;

  constructor(opts: KingSchedulerOptions = {}) {
    const n = this.name;
    const { initialLr = 0.01, patience = 1000, decay = 0.99, dumpAmount } = schedulerOptions(n, opts, ['initialLr', 'patience', 'decay', 'dumpAmount'], { lr: 'initialLr' });
    this.current = this.stepLr = option(n, 'initialLr', initialLr, 'a finite number ≥ 0', isNonNegative);
    this.patience = option(n, 'patience', patience, 'an integer ≥ 3', (v) => Number.isInteger(v) && v >= 3);
    this.decay = option(n, 'decay', decay, 'in (0, 1]', (v) => isPositive(v) && v <= 1);
    this.dumpAmount = option(n, 'dumpAmount', dumpAmount ?? Math.ceil(patience / 5), 'an integer ≥ 0', (v) => Number.isInteger(v) && v >= 0);
  }

  lr(step: number, loss?: number): number {
    checkStep(this.name, step, 0);
    if (step <= this.lastStep) return this.stepLr;
    if (typeof loss !== 'number') {
      throw new TypeError(`${this.name}: needs the loss at every step; call optimizer.step(loss) or optimizer.step(closure)`);
    }
    if (!Number.isFinite(loss)) throw new RangeError(`${this.name}: the loss at step ${step} is ${loss}`);
    this.stepLr = this.current;
    this.lastStep = step;
    this.observe(loss);
    return this.stepLr;
  }

  private observe(loss: number): void {
    const h = this.history;
    h.push(loss);
    if (h.length > this.patience) h.shift();
    if (h.length >= this.patience && stepsWithoutDecrease(h) >= this.patience && stepsWithoutDecrease(h, true) >= this.patience) {
      this.current *= this.decay;
      h.splice(0, this.dumpAmount + Math.floor(this.patience / 10));
    }
  }

  stateDict(): SchedulerState {
    return { name: this.name, lr: this.current, history: [...this.history], lastStep: this.lastStep, stepLr: this.stepLr };
  }

  loadStateDict(state: SchedulerState): void {
    checkStateName(this.name, state);
    const s = state as unknown as Record<string, unknown>;
    const history = s.history;
    const bad = ['lr', 'stepLr'].filter((k) => !isNonNegative(s[k]))
      .concat(Number.isInteger(s.lastStep) && (s.lastStep as number) >= 0 ? [] : ['lastStep'])
      .concat(Array.isArray(history) && history.length <= this.patience && history.every(Number.isFinite) ? [] : ['history']);
    if (bad.length > 0) throw new StateDictError(`${this.name}.loadStateDict: invalid ${bad.join(', ')}. Nothing was loaded.`);
    this.current = s.lr as number;
    this.history = [...(history as number[])];
    this.lastStep = s.lastStep as number;
    this.stepLr = s.stepLr as number;
  }
}
