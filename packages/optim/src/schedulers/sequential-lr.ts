import { StateDictError } from '../errors.js';
import { checkStateName, checkStep, option, schedulerOptions, type Scheduler, type SchedulerState } from './scheduler.js';

/**
 * PyTorch's `SequentialLR`: `schedulers[i]` runs from milestone i − 1 on, restarted at its own step 1,
 * so a warmup chains into a decay. At optimizer step k, with m the last milestone ≤ k − 1, it gives
 * that scheduler's rate at its step k − m.
 * @example
 * new SequentialLR({ schedulers: [new LinearLR({ lr, startFactor: 0.1, totalIters: 5 }), new ExponentialLR({ lr, gamma: 0.9 })], milestones: [5] })
 */
export class SequentialLR implements Scheduler {
  readonly name = 'SequentialLR';
  readonly schedulers: readonly Scheduler[];
  readonly milestones: readonly number[];

  constructor(opts: { schedulers: readonly Scheduler[]; milestones: readonly number[] }) {
    const { schedulers, milestones } = schedulerOptions(this.name, opts, ['schedulers', 'milestones']);
    this.schedulers = option(this.name, 'schedulers', schedulers, 'a non-empty array of schedulers',
      (s) => Array.isArray(s) && s.length > 0 && s.every((x) => typeof x?.lr === 'function'));
    this.milestones = option(this.name, 'milestones', milestones, `an increasing array of ${schedulers.length - 1} integers > 0 (one fewer than the schedulers)`,
      (m) => Array.isArray(m) && m.length === schedulers.length - 1 && m.every((v, i) => Number.isInteger(v) && v > 0 && (i === 0 || v > m[i - 1]!)));
  }

  lr(step: number, loss?: number): number {
    checkStep(this.name, step);
    const i = this.milestones.filter((m) => m <= step - 1).length;
    return this.schedulers[i]!.lr(step - (i === 0 ? 0 : this.milestones[i - 1]!), loss);
  }

  /** The rates of optimizer steps 1…n (pure schedulers only). */
  preview(n: number): number[] {
    return Array.from({ length: n }, (_, i) => this.lr(i + 1));
  }

  stateDict(): SchedulerState {
    return { name: this.name, schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  loadStateDict(state: SchedulerState): void {
    checkStateName(this.name, state);
    const parts = (state as { schedulers?: unknown }).schedulers;
    if (!Array.isArray(parts) || parts.length !== this.schedulers.length) {
      throw new StateDictError(`${this.name}.loadStateDict: expected the states of ${this.schedulers.length} schedulers. Nothing was loaded.`);
    }
    const before = this.schedulers.map((s) => s.stateDict());
    try {
      this.schedulers.forEach((s, i) => s.loadStateDict(parts[i] as SchedulerState));
    } catch (e) {
      this.schedulers.forEach((s, i) => s.loadStateDict(before[i]!));
      throw e;
    }
  }
}
