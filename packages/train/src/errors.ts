// The errors of @tensile/train. Each names what was wrong; a checkpoint error also names the part of the
// training state it concerns, so a test or a caller can tell a wrong model from a corrupt file.

/** Which part of a training state an error is about. */
export type CheckpointPart = 'file' | 'format' | 'model' | 'optimizer' | 'loaders' | 'generators' | 'extra' | 'fit' | 'store';

/**
 * A checkpoint that cannot be read, written or restored: a corrupt or foreign file, or a state that does
 * not fit the model, optimizer, loaders or generators given. `part` says which; `cause` keeps the error of
 * the component that refused (a `StateDictError` of the model or the optimizer, a loader's `RangeError`).
 * When it comes from a restore, nothing was changed.
 */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
  readonly part: CheckpointPart;

  constructor(part: CheckpointPart, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.part = part;
  }
}

/**
 * A training loss that is NaN or infinite (or past `fit`'s `maxLoss`), thrown by `fit` with `onNonFinite: 'throw'`. The optimizer did
 * not take the step, so the model is as after step `step − 1`.
 */
export class NonFiniteLossError extends RangeError {
  override name = 'NonFiniteLossError';

  constructor(
    message: string,
    readonly step: number,
    readonly epoch: number,
    readonly batch: number,
    readonly loss: number,
  ) {
    super(message);
  }
}
