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

/**
 * A tensor used where its storage cannot be: a device backend's tensor read synchronously (`t.data`, `item()`),
 * or tensors of two devices in one op (PyTorch's "Expected all tensors to be on the same device").
 */
export class DeviceError extends Error {
  override name = 'DeviceError';
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

/** Which pass the NaN guard was checking: an op's output, a gradient, or a parameter after its update. */
export type GuardPass = 'forward' | 'backward' | 'optimizer step';

/**
 * The first NaN or ±Inf the NaN guard (`nanGuard`) found. `op` is the op (or the optimizer) that made it,
 * `pass` where, `modulePath` and `moduleClass` the module whose forward was running when the op was
 * recorded (`"encoder.layers.1.fc2"`, `"Linear"`; `""` is the outermost module called; null outside any
 * module), and `paramName` the parameter's qualified name when the value is a parameter's gradient or update.
 */
export class NonFiniteError extends AnomalyError {
  override name = 'NonFiniteError';
  constructor(
    message: string,
    readonly op: string,
    readonly pass: GuardPass,
    readonly modulePath: string | null,
    readonly moduleClass: string | null,
    readonly paramName: string | null,
  ) {
    super(message);
  }
}
