/** A shape does not fit what an op needs (mismatched, not broadcastable, out-of-range dim). */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

/** A dtype an op cannot take (an int32 tensor that requires grad, a float index tensor). */
export class DTypeError extends Error {
  override name = 'DTypeError';
}

/** Autograd misuse: a freed graph, a non-scalar backward without a gradient, an in-place op on a leaf. */
export class AutogradError extends Error {
  override name = 'AutogradError';
}

/** A NaN or Inf found by `detectAnomaly`. */
export class AnomalyError extends Error {
  override name = 'AnomalyError';
}

/**
 * A tensor too large to allocate: more elements than a typed array holds (see `MAX_ELEMENTS` in dtype.ts),
 * or more memory than the engine can give. Thrown before anything is allocated, naming the op, the shape,
 * the dtype and the bytes. A RangeError, as the engine's own "Invalid typed array length" is.
 */
export class AllocationError extends RangeError {
  override name = 'AllocationError';
}
