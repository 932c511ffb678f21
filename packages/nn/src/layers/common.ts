import { DTypeError, Tensor, type DType, type Generator } from '@tensile/tensor';

/** Options every layer with parameters takes. */
export interface LayerOptions {
  /** The parameters' dtype: float32 (default), or float64 for gradient checks and exact comparisons. */
  dtype?: DType;
  /** Draws the default initialisation from this generator instead of the one seeded by `manualSeed`. */
  generator?: Generator;
}

/** Checks that a size argument is an integer ≥ `min`, naming the layer. */
export function checkSize(layer: string, name: string, v: unknown, min = 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new RangeError(`${layer}: ${name} must be an integer ≥ ${min}, got ${String(v)}`);
  }
  return v;
}

/** The float dtype of a layer's parameters. */
export function floatDtype(layer: string, dtype: DType | undefined): DType {
  const d = dtype ?? 'float32';
  if (d !== 'float32' && d !== 'float64') throw new DTypeError(`${layer}: dtype must be 'float32' or 'float64', got ${String(d)}`);
  return d;
}

/** Checks a layer's input: a Tensor of the parameters' dtype (no silent promotion of a whole batch). */
export function checkInput(label: string, x: unknown, dtype?: DType): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${label}: expected a Tensor input, got ${x === null ? 'null' : typeof x}`);
  if (dtype !== undefined && x.dtype !== dtype) {
    throw new DTypeError(`${label}: the input is ${x.dtype} but the layer's parameters are ${dtype}; convert the input with .to('${dtype}') or the model with .to('${x.dtype}')`);
  }
}
