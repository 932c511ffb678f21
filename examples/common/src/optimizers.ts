// The optimizers and learning-rate schedules the examples can pick by name.
import {
  AdaGrad, Adam, AdamW, ConstantScheduler, CosineAnnealingLR, LinearLR, OneCycleLR, RMSProp, SGD, SequentialLR,
  type Dialect, type HasNamedParameters, type Optimizer, type Scheduler, type StateValue,
} from '@tensile/optim';

/** The optimizer names a `--optimizer` flag takes; `momentum` is SGD with momentum 0.9. */
export const OPTIMIZER_NAMES = ['sgd', 'momentum', 'adagrad', 'rmsprop', 'adam', 'adamw'] as const;
/** One of `OPTIMIZER_NAMES`. */
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** How each name reads in tables and legends. */
export const OPTIMIZER_LABELS: Record<OptimizerName, string> = {
  sgd: 'SGD', momentum: 'SGD + momentum', adagrad: 'AdaGrad', rmsprop: 'RMSProp', adam: 'Adam', adamw: 'AdamW',
};

/**
 * Learning rates that work for a small network on MNIST with each optimizer (the notebook's defaults where
 * they do; SGD needs a larger step than its 0.01 to learn in a few epochs).
 */
export const DEFAULT_LR: Record<OptimizerName, number> = {
  sgd: 0.1, momentum: 0.01, adagrad: 0.01, rmsprop: 0.001, adam: 0.001, adamw: 0.001,
};

/**
 * Any of the optimizers, as the training loop sees it: every optimizer is one of these, since an
 * optimizer's hyperparameters have an `lr` and its state is a record of state values.
 */
export type AnyOptimizer = Optimizer<{ lr: number }, Record<string, StateValue>>;

/** Builds the named optimizer over `model`'s named parameters. */
export function makeOptimizer(
  name: OptimizerName,
  model: HasNamedParameters,
  opts: { lr: number; scheduler?: Scheduler | null; dialect?: Dialect; weightDecay?: number },
): AnyOptimizer {
  const { lr, scheduler = null, dialect = 'notebook' } = opts;
  const common = { lr, scheduler, dialect, ...(opts.weightDecay === undefined ? {} : { weightDecay: opts.weightDecay }) };
  switch (name) {
    case 'sgd': return new SGD(model, common);
    case 'momentum': return new SGD(model, { ...common, momentum: 0.9 });
    case 'adagrad': return new AdaGrad(model, common);
    case 'rmsprop': return new RMSProp(model, common);
    case 'adam': return new Adam(model, common);
    case 'adamw': return new AdamW(model, common);
  }
}

/** The schedule names a `--schedule` flag takes. */
export const SCHEDULE_NAMES = ['constant', 'cosine', 'onecycle', 'warmup-cosine'] as const;
/** One of `SCHEDULE_NAMES`. */
export type ScheduleName = (typeof SCHEDULE_NAMES)[number];

/**
 * A learning-rate schedule over `totalSteps` optimizer steps with peak `lr`:
 * - `constant`: lr throughout;
 * - `cosine`: cosine annealing from lr to lr/100;
 * - `onecycle`: OneCycleLR, up from lr/25 over the first 20% of the steps, then down (cosine) to ~0;
 * - `warmup-cosine`: a linear warmup over the first epoch's worth of steps (at most 10%), then cosine.
 */
export function makeSchedule(name: ScheduleName, lr: number, totalSteps: number, stepsPerEpoch: number): Scheduler {
  switch (name) {
    case 'constant':
      return new ConstantScheduler({ lr });
    case 'cosine':
      return new CosineAnnealingLR({ lr, tMax: totalSteps, etaMin: lr / 100 });
    case 'onecycle':
      return new OneCycleLR({ maxLr: lr, totalSteps, pctStart: 0.2 });
    case 'warmup-cosine': {
      const warmup = Math.max(1, Math.min(stepsPerEpoch, Math.floor(totalSteps / 10)));
      return new SequentialLR({
        schedulers: [
          new LinearLR({ lr, startFactor: 0.01, totalIters: warmup }),
          new CosineAnnealingLR({ lr, tMax: Math.max(1, totalSteps - warmup), etaMin: lr / 100 }),
        ],
        milestones: [warmup],
      });
    }
  }
}
