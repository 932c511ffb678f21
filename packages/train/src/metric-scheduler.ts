// A loss-driven scheduler (ReduceLROnPlateau, KingScheduler) that watches an epoch metric instead of each
// step's training loss: PyTorch's `scheduler.step(val_loss)` once per epoch. It is the optimizer's
// scheduler, so its state travels in the optimizer's state dict and in every checkpoint; `fit` feeds it the
// monitored metric at the end of each epoch, after validation.
import { StateDictError, type Scheduler, type SchedulerState } from '@tensile/optim';

/**
 * Wraps a loss-driven scheduler so that it sees one value per epoch (`observe`), e.g. the validation loss.
 * Between observations every optimizer step gets the same rate: the one the inner scheduler gives after
 * the last observation.
 *
 * The inner scheduler's contract (both of Tensile's keep it) is that `lr(k, loss)` returns the rate from
 * the losses before k and then records `loss`; so the rate for the next epoch is read by asking for
 * observation k + 1 and putting the inner state back.
 * @example
 * const scheduler = new MetricScheduler(new ReduceLROnPlateau({ lr: 0.01, patience: 2 }), { monitor: 'val.loss' });
 * const optimizer = new Adam(model, { lr: 0.01, scheduler });
 * await fit({ model, optimizer, train, validation, epochs: 30 }); // fit calls scheduler.observe(val loss) each epoch
 */
export class MetricScheduler implements Scheduler {
  readonly name: string;
  readonly inner: Scheduler;
  /** The epoch metric watched, by path (`"val.loss"`, `"train.loss"`, `"val.accuracy"`). */
  readonly monitor: string;
  private observations = 0;
  private current: number;

  constructor(inner: Scheduler, opts: { monitor: string }) {
    if (inner === null || typeof inner !== 'object' || typeof inner.lr !== 'function' || typeof inner.stateDict !== 'function') {
      throw new TypeError('MetricScheduler: inner must be a scheduler from @tensile/optim (ReduceLROnPlateau, KingScheduler)');
    }
    if (typeof opts?.monitor !== 'string' || !/^(train|val)\.[^.]+$/.test(opts.monitor)) {
      throw new TypeError(`MetricScheduler: monitor must be "train.<metric>" or "val.<metric>" (e.g. "val.loss"), got ${JSON.stringify(opts?.monitor)}`);
    }
    this.inner = inner;
    this.monitor = opts.monitor;
    this.name = `MetricScheduler(${inner.name})`;
    this.current = this.peek(0);
  }

  /** The rate of every step until the next observation (the loss the optimizer passes is not used). */
  lr(step: number): number {
    if (!Number.isInteger(step) || step < 0) throw new RangeError(`${this.name}: step must be an integer ≥ 0, got ${step}`);
    return this.current;
  }

  /** Records the monitored value of one epoch; the rate of the following steps may change. */
  observe(value: number): void {
    if (typeof value !== 'number') throw new TypeError(`${this.name}: observe needs a number, got ${typeof value}`);
    this.observations += 1;
    this.inner.lr(this.observations, value);
    this.current = this.peek(value);
  }

  /** Values observed so far. */
  get count(): number {
    return this.observations;
  }

  /** The rate the inner scheduler would give at the next observation, without recording anything. */
  private peek(dummy: number): number {
    const saved = this.inner.stateDict();
    try {
      return this.inner.lr(this.observations + 1, dummy);
    } finally {
      this.inner.loadStateDict(saved);
    }
  }

  stateDict(): SchedulerState {
    return { name: this.name, monitor: this.monitor, observations: this.observations, lr: this.current, inner: this.inner.stateDict() };
  }

  loadStateDict(state: SchedulerState): void {
    const s = state as unknown as Record<string, unknown>;
    if (s?.name !== this.name) throw new StateDictError(`${this.name}.loadStateDict: the state is for ${JSON.stringify(s?.name)}, not ${this.name}. Nothing was loaded.`);
    const bad = [
      ...(s.monitor === this.monitor ? [] : [`monitor is ${JSON.stringify(s.monitor)} in the state but ${JSON.stringify(this.monitor)} here`]),
      ...(Number.isInteger(s.observations) && (s.observations as number) >= 0 ? [] : ['invalid observations']),
      ...(typeof s.lr === 'number' && Number.isFinite(s.lr) && s.lr >= 0 ? [] : ['invalid lr']),
    ];
    if (bad.length > 0) throw new StateDictError(`${this.name}.loadStateDict: ${bad.join('; ')}. Nothing was loaded.`);
    this.inner.loadStateDict(s.inner as SchedulerState); // validates in full before changing anything
    this.observations = s.observations as number;
    this.current = s.lr as number;
  }
}
