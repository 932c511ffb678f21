import { DTypeError, Tensor, checkOptions, describeValue, type DType, type Generator } from '@tensile/tensor';

/** Options every layer with parameters takes. */
export interface LayerOptions {
  /** The parameters' dtype: float32 (default), or float64 for gradient checks and exact comparisons. */
  dtype?: DType;
  /** Draws the default initialisation from this generator instead of the one seeded by `manualSeed`. */
  generator?: Generator;
}

/** The keys of `LayerOptions`, for a layer's `checkOptions` list. */
export const LAYER_OPTION_KEYS = ['dtype', 'generator'] as const;

/** PyTorch's positional arguments, which a user may type as options: `kernel_size` → the kernelSize argument. */
const POSITIONAL_HINTS: Readonly<Record<string, string>> = Object.fromEntries(
  ['in_features', 'out_features', 'in_channels', 'out_channels', 'kernel_size', 'num_features', 'normalized_shape', 'num_embeddings', 'embedding_dim']
    .map((k) => [k, `the ${k.replace(/_(\w)/g, (_, c: string) => c.toUpperCase())} argument`]),
);

/**
 * Throws a TypeError naming an unknown key of a layer's options, with a hint; PyTorch's positional
 * arguments typed as options (`kernel_size`, `in_features`) are pointed at the argument.
 */
export function checkLayerOptions(layer: string, opts: unknown, known: readonly string[]): void {
  checkOptions(layer, opts, known, POSITIONAL_HINTS);
}

/** A boolean option: `undefined` gives the default, anything but true or false is a TypeError naming the layer. */
export function boolOption(layer: string, name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new TypeError(`${layer}: ${name} must be true or false, got ${describeValue(v)}`);
  return v;
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
  if (!(x instanceof Tensor)) throw new TypeError(`${label}: expected a Tensor input, got ${describeValue(x)}`);
  if (dtype !== undefined && x.dtype !== dtype) {
    throw new DTypeError(`${label}: the input is ${x.dtype} but the layer's parameters are ${dtype}; convert the input with .to('${dtype}') or the model with .to('${x.dtype}')`);
  }
}
