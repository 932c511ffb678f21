// A training loss that diverged, in the examples' words: the epoch, batch and step where it happened, the
// last finite loss, and (from the caller) what to try. `fit` stops such a run (`maxLoss`, `onNonFinite`).
import type { MetricsRecord, NonFiniteLossError, StepRecord } from '@tensile/train';

/**
 * Past this, a classifier's cross-entropy has diverged: it starts near ln C (2.3 for 10 classes), and a loss
 * of 10,000 means logits off by thousands, which no run comes back from (`--lr 1e9` reaches 1e21 and stays).
 */
export const DIVERGED_LOSS = 1e4;

/**
 * The training loss turned NaN or infinite, or passed `DIVERGED_LOSS`: training stopped before that step's
 * update, so the parameters, the optimizer's state and the last checkpoint hold the values from before it.
 */
export class DivergenceError extends Error {
  override name = 'DivergenceError';
  constructor(
    /** NaN, ±Infinity, or a finite loss past `DIVERGED_LOSS`. */
    readonly loss: number,
    readonly epoch: number,
    /** The batch of the epoch (1 for the first). */
    readonly batch: number,
    /** The optimizer step this batch would have taken. */
    readonly step: number,
    readonly lastFinite: { loss: number; step: number } | null,
  ) {
    const last = lastFinite === null ? 'no earlier step had a finite loss' : `the last finite loss was ${Number(lastFinite.loss.toPrecision(5))} at step ${lastFinite.step}`;
    const what = Number.isFinite(loss) ? `${loss.toPrecision(5)}, past ${DIVERGED_LOSS.toLocaleString('en-US')} (it has diverged)` : String(loss);
    super(`the training loss became ${what} at epoch ${epoch}, batch ${batch} (step ${step}); ${last}. Training stopped before this step's update`);
  }

  /** The error for `fit`'s NonFiniteLossError, the last finite loss taken from the run's records. */
  static from(e: NonFiniteLossError, records: readonly MetricsRecord[]): DivergenceError {
    const last = records.filter((r): r is StepRecord => r.type === 'step').at(-1);
    return new DivergenceError(e.loss, e.epoch, e.batch, e.step, last ? { loss: last.metrics.loss!, step: last.step } : null);
  }
}
