// Map-style datasets (PyTorch's torch.utils.data.Dataset): a length and random access by index.
import { Generator, ShapeError, checkOptions, checkTensor, describeValue, fmtShape, getDefaultGenerator, type Tensor } from '@tensile/tensor';

/**
 * A map-style dataset: `length` samples, the `i`-th returned by `get(i)` for 0 ≤ i < length.
 * Any object with these two members is a dataset; the classes below are the common ones.
 * @example
 * const squares: Dataset<[number, number]> = { length: 10, get: (i) => [i, i * i] };
 */
export interface Dataset<T> {
  readonly length: number;
  get(i: number): T;
}

/**
 * `dataset.length`, checked: a non-negative integer, or a TypeError / RangeError naming `where`, the
 * dataset's class and the value (a length of -1, 2.5 or NaN would otherwise give empty or wrong epochs).
 * @internal Used by DataLoader, Subset and randomSplit.
 */
export function datasetLength(where: string, dataset: Dataset<unknown>): number {
  const n: unknown = dataset.length;
  if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0) return n;
  const proto = Object.getPrototypeOf(dataset) as { constructor?: { name?: string } } | null;
  const cls = proto === null || proto === Object.prototype ? 'a plain object' : (proto.constructor?.name ?? 'an object');
  const Err = typeof n === 'number' ? RangeError : TypeError;
  throw new Err(`${where}: the dataset (${cls}) has length ${describeValue(n)}; a dataset's length must be a non-negative integer`);
}

function checkIndex(what: string, i: number, length: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= length) {
    throw new RangeError(`${what}: index ${i} is out of range for a dataset of ${length} samples`);
  }
}

/**
 * Tensors that share their first dimension; sample `i` is the tuple of their `i`-th slices (views).
 * A `DataLoader` gathers a batch of it with one `indexSelect` per tensor.
 * @example
 * const ds = new TensorDataset(images, labels); // [N, 1, 28, 28], [N]
 * const [x, y] = ds.get(0);                      // [1, 28, 28], []
 */
export class TensorDataset<T extends Tensor[] = Tensor[]> implements Dataset<T> {
  readonly tensors: T;

  constructor(...tensors: T) {
    if (tensors.length === 0) throw new RangeError('TensorDataset: expected at least one tensor');
    tensors.forEach((t, k) => {
      checkTensor('TensorDataset', String(k), t);
      if (t.ndim === 0) throw new ShapeError(`TensorDataset: tensor ${k} is 0-d; each tensor needs a first (sample) dimension`);
    });
    const n = tensors[0]!.shape[0]!;
    const bad = tensors.findIndex((t) => t.shape[0] !== n);
    if (bad >= 0) {
      throw new ShapeError(
        `TensorDataset: every tensor needs the same size in dimension 0, but tensor 0 has shape ${fmtShape(tensors[0]!.shape)} and tensor ${bad} has shape ${fmtShape(tensors[bad]!.shape)}`,
      );
    }
    this.tensors = tensors;
  }

  get length(): number {
    return this.tensors[0]!.shape[0]!;
  }

  get(i: number): T {
    checkIndex('TensorDataset.get', i, this.length);
    return this.tensors.map((t) => t.narrow(0, i, 1).reshape(t.shape.slice(1))) as T;
  }
}

/**
 * The samples of `dataset` at `indices`, in that order (PyTorch's `Subset`).
 * @example new Subset(ds, [0, 2, 4]).get(1) // ds.get(2)
 */
export class Subset<T> implements Dataset<T> {
  readonly dataset: Dataset<T>;
  readonly indices: Int32Array;

  constructor(dataset: Dataset<T>, indices: ArrayLike<number>) {
    const n = datasetLength('Subset', dataset);
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!;
      if (!Number.isInteger(i) || i < 0 || i >= n) {
        throw new RangeError(`Subset: indices[${k}] = ${i} is out of range for a dataset of ${n} samples`);
      }
    }
    this.dataset = dataset;
    this.indices = Int32Array.from(indices);
  }

  get length(): number {
    return this.indices.length;
  }

  get(i: number): T {
    checkIndex('Subset.get', i, this.length);
    return this.dataset.get(this.indices[i]!);
  }
}

/** A uniform random permutation of 0…n−1 (Fisher–Yates, drawing n − 1 integers from `generator`). */
export function randomPermutation(n: number, generator: Generator): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = generator.int(0, i + 1);
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

/** Options of `randomSplit`. */
export interface RandomSplitOptions {
  /** The source of the permutation (default: the default generator, see `manualSeed`). */
  generator?: Generator;
}

function splitSizes(n: number, lengths: readonly number[]): number[] {
  const shown = `[${lengths.join(', ')}]`;
  if (!Array.isArray(lengths) || lengths.length === 0 || lengths.some((l) => typeof l !== 'number' || !(l >= 0))) {
    throw new RangeError(`randomSplit: lengths must be a non-empty list of non-negative numbers, got ${shown}`);
  }
  const total = lengths.reduce((a, b) => a + b, 0);
  if (lengths.every(Number.isInteger) && total === n) return [...lengths];
  if (lengths.every((l) => l <= 1) && Math.abs(total - 1) < 1e-9) {
    // PyTorch's rule: floor each share, then hand the leftover samples out one each, round-robin.
    const sizes = lengths.map((f) => Math.floor(n * f));
    const left = n - sizes.reduce((a, b) => a + b, 0);
    for (let k = 0; k < left; k++) sizes[k % sizes.length]! += 1;
    return sizes;
  }
  throw new RangeError(
    `randomSplit: lengths ${shown} sum to ${total}, but they must be sample counts summing to the dataset's ${n} samples or fractions summing to 1`,
  );
}

/**
 * Splits a dataset into non-overlapping random subsets of the given sizes, or fractions of its length
 * (PyTorch's `random_split`: floored shares, the remainder handed out round-robin). The same generator
 * state gives the same split.
 * @example
 * const [train, val] = randomSplit(ds, [0.9, 0.1], { generator: new Generator(42) });
 */
export function randomSplit<T>(dataset: Dataset<T>, lengths: readonly number[], opts: RandomSplitOptions = {}): Subset<T>[] {
  checkOptions('randomSplit', opts, ['generator']);
  if (opts.generator !== undefined && !(opts.generator instanceof Generator)) throw new TypeError('randomSplit: generator must be a Generator from @tensile/tensor');
  const n = datasetLength('randomSplit', dataset);
  const sizes = splitSizes(n, lengths);
  const perm = randomPermutation(n, opts.generator ?? getDefaultGenerator());
  let start = 0;
  return sizes.map((size) => {
    const subset = new Subset(dataset, perm.subarray(start, start + size));
    start += size;
    return subset;
  });
}
