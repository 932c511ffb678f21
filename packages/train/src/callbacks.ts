// Callbacks: code `fit` runs at the fit, epoch and step boundaries. At each boundary the callbacks run in
// the order given, except that those marked `last` (the checkpoint writers) run after all the others, so a
// checkpoint holds what every other callback decided there (early stopping's count, say). A callback with
// state (`stateDict` / `loadStateDict`) has it saved in every checkpoint under its `name`.
import type { AnyModule } from '@tensile/nn';
import { checkOptions } from '@tensile/tensor';
import type { JsonValue } from './json.js';
import { metricOf, type EpochRecord, type MetricsHistory, type StepRecord } from './history.js';
import type { AnyOptimizer, TrainingState } from './state.js';

/** Why a fit stopped early. */
export interface StopInfo {
  /** Who stopped it: `"nonFinite"`, a callback's name, or `"user"`. */
  by: string;
  message: string;
  /** Optimizer steps taken when it stopped. */
  step: number;
  epoch: number;
}

/** What a callback sees of the run. */
export interface FitContext {
  readonly model: AnyModule;
  readonly optimizer: AnyOptimizer;
  /** The number of epochs the fit trains for. */
  readonly epochs: number;
  /** The epoch under way (1 for the first). */
  readonly epoch: number;
  /** Optimizer steps taken. */
  readonly step: number;
  /** Batches of the epoch under way done. */
  readonly batch: number;
  readonly batchesPerEpoch: number;
  /** Samples per training epoch. */
  readonly samplesPerEpoch: number;
  /** Sample-weighted means of the epoch under way so far (`loss`, `accuracy`, …). */
  readonly running: Readonly<Record<string, number>>;
  readonly history: MetricsHistory;
  /** Set once the fit was told to stop. */
  readonly stopped: StopInfo | null;
  /** Ends the fit after the current step (or at the end of the current epoch hook). */
  stop(message: string, by?: string): void;
  /** A snapshot of the whole run here, for a checkpoint (see `captureState`). */
  capture(): TrainingState;
}

/** Code run at the boundaries of a fit. Every hook may be async; `fit` awaits it. */
export interface Callback {
  /** The key of its state in checkpoints; required with `stateDict`. */
  readonly name?: string;
  /** Run after the other callbacks at each boundary (checkpoint writers). */
  readonly last?: boolean;
  onFitStart?(ctx: FitContext): void | Promise<void>;
  onEpochStart?(ctx: FitContext): void | Promise<void>;
  onStepEnd?(ctx: FitContext, record: StepRecord): void | Promise<void>;
  onEpochEnd?(ctx: FitContext, record: EpochRecord): void | Promise<void>;
  onFitEnd?(ctx: FitContext): void | Promise<void>;
  /** State to save in checkpoints (plain JSON). */
  stateDict?(): JsonValue;
  /** Restores `stateDict()`'s value; must check it in full and throw before changing anything. */
  loadStateDict?(state: JsonValue): void;
}

/** Options of `checkpoint`. */
export interface CheckpointOptions {
  /** Writes one state (to a file, IndexedDB, memory). */
  save: (state: TrainingState) => void | Promise<void>;
  /** Also write every this many optimizer steps (default 0: only at epoch ends). */
  everySteps?: number;
  /** Write at the end of each epoch (default true). */
  everyEpoch?: boolean;
}

/**
 * Writes a checkpoint of the whole run every `everySteps` steps and at the end of each epoch, after the
 * other callbacks. (`fileCheckpoint(path)` in `@tensile/train/node` writes a file atomically,
 * `IndexedDBCheckpointStore.callback(key)` a record in IndexedDB.)
 * @example
 * const saved: TrainingState[] = [];
 * await fit({ …, callbacks: [checkpoint({ save: (s) => void saved.push(s), everySteps: 100 })] });
 */
export function checkpoint(opts: CheckpointOptions): Callback {
  checkOptions('checkpoint', opts, ['save', 'everySteps', 'everyEpoch']);
  const { save, everySteps = 0, everyEpoch = true } = opts;
  if (typeof save !== 'function') throw new TypeError('checkpoint: save must be a function (state) => void | Promise<void>');
  if (!Number.isInteger(everySteps) || everySteps < 0) throw new RangeError(`checkpoint: everySteps must be an integer ≥ 0, got ${everySteps}`);
  const write = async (ctx: FitContext) => {
    // The records a checkpoint counts must be durable before it is.
    await ctx.history.sync?.();
    await save(ctx.capture());
  };
  return {
    last: true,
    async onStepEnd(ctx) {
      // The epoch's last step is followed by the epoch's own checkpoint; one write is enough.
      if (everySteps > 0 && ctx.step % everySteps === 0 && !(everyEpoch && ctx.batch === ctx.batchesPerEpoch)) await write(ctx);
    },
    async onEpochEnd(ctx) {
      if (everyEpoch) await write(ctx);
    },
  };
}

/** Options of `earlyStopping`. */
export interface EarlyStoppingOptions {
  /** The epoch metric watched (default `"val.loss"`). */
  monitor?: string;
  /** Whether smaller (`min`, default) or larger (`max`) is better. */
  mode?: 'min' | 'max';
  /** Stop after this many epochs without improvement (default 0: at the first, as Keras). */
  patience?: number;
  /** The least change that counts as an improvement (default 0). */
  minDelta?: number;
}

/**
 * Stops the fit when the monitored epoch metric has not improved by more than `minDelta` for `patience`
 * epochs (Keras' and Lightning's `EarlyStopping`: with patience 2, epochs 2 and 3 without improvement on
 * epoch 1's best stop it at the end of epoch 3). Its count is saved in checkpoints, so a resumed run stops
 * where the uninterrupted one would have.
 * @example callbacks: [earlyStopping({ monitor: 'val.loss', patience: 3 })]
 */
export function earlyStopping(opts: EarlyStoppingOptions = {}): Callback & { readonly best: number | null; readonly wait: number } {
  checkOptions('earlyStopping', opts, ['monitor', 'mode', 'patience', 'minDelta']);
  const { monitor = 'val.loss', mode = 'min', patience = 0, minDelta = 0 } = opts;
  if (mode !== 'min' && mode !== 'max') throw new TypeError(`earlyStopping: mode must be 'min' or 'max', got ${JSON.stringify(mode)}`);
  if (!Number.isInteger(patience) || patience < 0) throw new RangeError(`earlyStopping: patience must be an integer ≥ 0, got ${patience}`);
  if (!(minDelta >= 0 && Number.isFinite(minDelta))) throw new RangeError(`earlyStopping: minDelta must be a finite number ≥ 0, got ${minDelta}`);
  let best: number | null = null;
  let bestEpoch = 0;
  let wait = 0;
  return {
    name: 'earlyStopping',
    get best() {
      return best;
    },
    get wait() {
      return wait;
    },
    onEpochEnd(ctx, record) {
      const v = metricOf(record, monitor);
      if (v === undefined) throw new TypeError(`earlyStopping: the epoch record has no "${monitor}" (it has ${availableMetrics(record).join(', ')})`);
      const improved = best === null ? !Number.isNaN(v) : mode === 'min' ? v < best - minDelta : v > best + minDelta;
      if (improved) {
        best = v;
        bestEpoch = record.epoch;
        wait = 0;
        return;
      }
      wait += 1;
      if (wait >= patience) {
        const was = best === null ? 'no number yet' : `best ${best} at epoch ${bestEpoch}`;
        ctx.stop(`${monitor} has not improved for ${wait} epoch${wait === 1 ? '' : 's'} (${was})`, 'earlyStopping');
      }
    },
    stateDict() {
      return { monitor, best, bestEpoch, wait };
    },
    loadStateDict(s) {
      const o = s as { monitor?: unknown; best?: unknown; bestEpoch?: unknown; wait?: unknown } | null;
      const ok = o !== null && typeof o === 'object' && o.monitor === monitor && (o.best === null || typeof o.best === 'number') &&
        Number.isInteger(o.bestEpoch) && Number.isInteger(o.wait) && (o.wait as number) >= 0;
      if (!ok) throw new TypeError(`earlyStopping.loadStateDict: expected { monitor: ${JSON.stringify(monitor)}, best, bestEpoch, wait }, got ${JSON.stringify(s)}`);
      best = o.best as number | null;
      bestEpoch = o.bestEpoch as number;
      wait = o.wait as number;
    },
  };
}

/** The metric paths an epoch record has (`train.loss`, `val.accuracy`, `lr`). */
export function availableMetrics(record: EpochRecord): string[] {
  return [
    ...Object.keys(record.train).map((k) => `train.${k}`),
    ...Object.keys(record.val ?? {}).map((k) => `val.${k}`),
    'lr',
  ];
}

/** What `progress` reports. */
export type ProgressEvent =
  | { type: 'start'; epoch: number; epochs: number; batch: number; batches: number }
  | {
      type: 'step'; epoch: number; epochs: number; batch: number; batches: number; step: number;
      /** Means of the epoch so far. */
      running: Readonly<Record<string, number>>;
      /** Training samples per second in this epoch so far. */
      samplesPerSec: number;
      /** Seconds since this epoch (or its resumed part) began. */
      elapsed: number;
    }
  | { type: 'epoch'; epochs: number; record: EpochRecord };

/**
 * Reports progress to a function: at each epoch's start, after each step, and at each epoch's end (for
 * a page's progress bar; `terminalProgress` in `@tensile/train/node` draws one in a terminal).
 * @example callbacks: [progress((e) => { if (e.type === 'epoch') console.log(e.record.val) })]
 */
export function progress(report: (event: ProgressEvent) => void | Promise<void>): Callback {
  if (typeof report !== 'function') throw new TypeError('progress: expected a function (event) => void');
  let began = 0;
  let samplesBefore = 0;
  return {
    onEpochStart(ctx) {
      began = performance.now();
      samplesBefore = ctx.batch === 0 ? 0 : Math.round((ctx.samplesPerEpoch * ctx.batch) / ctx.batchesPerEpoch);
      return report({ type: 'start', epoch: ctx.epoch, epochs: ctx.epochs, batch: ctx.batch, batches: ctx.batchesPerEpoch });
    },
    onStepEnd(ctx) {
      const elapsed = (performance.now() - began) / 1000;
      const samples = Math.round((ctx.samplesPerEpoch * ctx.batch) / ctx.batchesPerEpoch) - samplesBefore;
      return report({
        type: 'step', epoch: ctx.epoch, epochs: ctx.epochs, batch: ctx.batch, batches: ctx.batchesPerEpoch, step: ctx.step,
        running: ctx.running, samplesPerSec: samples / Math.max(elapsed, 1e-9), elapsed,
      });
    },
    onEpochEnd(ctx, record) {
      return report({ type: 'epoch', epochs: ctx.epochs, record });
    },
  };
}
