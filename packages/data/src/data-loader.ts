// Batches over a dataset, reshuffled each epoch from a seeded generator, with a resumable position.
import { Generator, checkOptions, describeValue, getDefaultGenerator, indexSelect, tensor, type GeneratorState, type Tensor } from '@tensile/tensor';
import { defaultCollate, type Collated } from './collate.js';
import { Subset, TensorDataset, datasetLength, randomPermutation, type Dataset } from './dataset.js';

/** Options of `DataLoader`. */
export interface DataLoaderOptions<T, B> {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** Draw a new order each epoch (default false: 0, 1, 2, …). */
  shuffle?: boolean;
  /** Skip the last batch when it is smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /**
   * The source of the shuffles. The loader draws each epoch's order from it and nothing else; give the
   * loader a generator of its own, or `state()` cannot restore it. Default: a new generator seeded from
   * the default generator when the loader is made (so `manualSeed` fixes it).
   */
  generator?: Generator;
  /** Turns a list of samples into a batch (default `defaultCollate`). */
  collate?: (samples: T[]) => B;
}

/**
 * Where a `DataLoader` is: the epoch under way, how many of its batches were handed out, and the
 * generator state its order was drawn from. Plain JSON; store it in a checkpoint. Each `for … of` over the
 * loader is one epoch (a pass); when several are live (a loop nested in a loop over the same loader), the
 * state describes the most recently started one, as PyTorch's single-process loader tracks its latest
 * iterator.
 */
export interface DataLoaderState {
  /** Epochs started so far (0 before the first). */
  readonly epoch: number;
  /** Batches of that epoch already handed out. */
  readonly batchIndex: number;
  /**
   * Whether a loop over that epoch is under way: from the start of the loop until it ends, which is
   * after its last batch was handed out (a state taken in the loop body at the last batch is still in
   * progress) or at a `break`.
   */
  readonly inProgress: boolean;
  /** The generator state that epoch's order was drawn from (between epochs: the next one will be); null without shuffling. */
  readonly generator: GeneratorState | null;
  readonly datasetLength: number;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
}

/** Unwraps Subsets of a plain TensorDataset, so a batch is one indexSelect per tensor. */
function tensorSource(dataset: Dataset<unknown>): { tensors: Tensor[]; rows: Int32Array | null } | null {
  let rows: Int32Array | null = null;
  let d: Dataset<unknown> = dataset;
  while (d instanceof Subset && d.get === Subset.prototype.get) {
    const inner: Int32Array = d.indices;
    rows = rows === null ? inner : rows.map((i) => inner[i]!);
    d = d.dataset;
  }
  if (!(d instanceof TensorDataset) || d.get !== TensorDataset.prototype.get) return null;
  return { tensors: d.tensors, rows };
}

/** One pass over the dataset (one `for … of`): its order and how far it got. */
interface Pass {
  readonly order: Int32Array;
  /** The generator state the order was drawn from; null without shuffling. */
  readonly start: GeneratorState | null;
  /** Batches in this pass, fixed when it starts. */
  readonly length: number;
  batchIndex: number;
  /** From the start of the loop until it ends (after its last batch, at a `break`, or on an error). */
  live: boolean;
}

const DATA_LOADER_OPTIONS = ['batchSize', 'shuffle', 'dropLast', 'generator', 'collate'];
const DATA_LOADER_HINTS = { collate_fn: 'collate', collateFn: 'collate' };

/**
 * Iterates over a dataset in batches (PyTorch's `DataLoader`). Each `for … of` is one epoch with its own
 * iterator, so a loop nested in a loop over the same loader runs fully and the outer loop goes on with its
 * own order; with `shuffle` every epoch draws a fresh order from the loader's seeded generator, in the order
 * the loops start. `state()` records the position of the most recently started epoch (mid-epoch too) and
 * `setState()` restores it, so a resumed run gets exactly the batches the uninterrupted run would have: the
 * first loop after `setState()` finishes the saved epoch if it was in progress, and later loops continue
 * the same sequence of orders. Leaving a loop early (`break`) ends that epoch.
 * A plain `TensorDataset` (or a `Subset` of one) with the default collate is batched with one
 * `indexSelect` per tensor instead of stacking samples.
 * @example
 * const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 64, shuffle: true, generator: new Generator(0) });
 * for (const [xb, yb] of loader) step(xb, yb); // xb: [64, …], yb: [64]
 */
export class DataLoader<T, B = Collated<T>> implements Iterable<B> {
  readonly dataset: Dataset<T>;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly generator: Generator | null;
  private readonly collate: ((samples: T[]) => B) | null;
  private readonly source: { tensors: Tensor[]; rows: Int32Array | null } | null;
  /** Passes started so far. */
  private epoch = 0;
  /** The most recently started pass, which `state()` describes (null before the first). */
  private current: Pass | null = null;
  /** A pass restored by `setState()` that the next loop finishes instead of starting a new one. */
  private resume: Pass | null = null;

  constructor(dataset: Dataset<T>, opts: DataLoaderOptions<T, B> = {}) {
    if (dataset === null || typeof dataset !== 'object' || typeof dataset.get !== 'function') {
      throw new TypeError(`DataLoader: dataset must have a length and a get(i) method, got ${describeValue(dataset)}`);
    }
    datasetLength('DataLoader', dataset);
    checkOptions('DataLoader', opts, DATA_LOADER_OPTIONS, DATA_LOADER_HINTS);
    const { batchSize = 1, shuffle = false, dropLast = false, generator, collate } = opts;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new (typeof batchSize === 'number' ? RangeError : TypeError)(`DataLoader: batchSize must be a positive integer, got ${describeValue(batchSize)}`);
    if (typeof shuffle !== 'boolean') throw new TypeError(`DataLoader: shuffle must be true or false, got ${describeValue(shuffle)}`);
    if (typeof dropLast !== 'boolean') throw new TypeError(`DataLoader: dropLast must be true or false, got ${describeValue(dropLast)}`);
    if (generator !== undefined && !(generator instanceof Generator)) throw new TypeError('DataLoader: generator must be a Generator from @tensile/tensor');
    if (collate !== undefined && typeof collate !== 'function') throw new TypeError(`DataLoader: collate must be a function, got ${typeof collate}`);
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.generator = this.shuffle ? (generator ?? new Generator(getDefaultGenerator().int(0, 2 ** 31 - 1))) : null;
    this.collate = collate ?? null;
    this.source = collate === undefined ? tensorSource(dataset) : null;
  }

  /** Batches per epoch. */
  get length(): number {
    return this.batchesOf(datasetLength('DataLoader', this.dataset));
  }

  private batchesOf(n: number): number {
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** A new iterator: the pass `setState()` restored, if one is pending, or else the next epoch. */
  [Symbol.iterator](): IterableIterator<B> {
    const pass = this.resume ?? this.startPass();
    this.resume = null;
    this.current = pass;
    return this.iterate(pass);
  }

  private startPass(): Pass {
    const n = datasetLength('DataLoader', this.dataset);
    this.epoch += 1;
    const start = this.generator ? this.generator.getState() : null;
    const order = this.generator ? randomPermutation(n, this.generator) : Int32Array.from({ length: n }, (_, i) => i);
    return { order, start, length: this.batchesOf(n), batchIndex: 0, live: true };
  }

  /** The pass's batches, one per `next()`; the pass ends when they run out, at `return()` (a `break`) or on an error. */
  private iterate(pass: Pass): IterableIterator<B> {
    const done = (): IteratorReturnResult<undefined> => {
      pass.live = false;
      return { done: true, value: undefined };
    };
    const iterator: IterableIterator<B> = {
      next: () => {
        if (!pass.live || pass.batchIndex >= pass.length) return done();
        let batch: B;
        try {
          batch = this.fetch(pass, pass.batchIndex);
        } catch (e) {
          pass.live = false;
          throw e;
        }
        pass.batchIndex += 1;
        return { done: false, value: batch };
      },
      return: done,
      [Symbol.iterator]: () => iterator,
    };
    return iterator;
  }

  private fetch(pass: Pass, b: number): B {
    const indices = pass.order.subarray(b * this.batchSize, Math.min((b + 1) * this.batchSize, pass.order.length));
    if (this.source) {
      const { tensors, rows } = this.source;
      const index = tensor(rows ? indices.map((i) => rows[i]!) : indices);
      return tensors.map((t) => indexSelect(t, 0, index)) as B;
    }
    const samples = Array.from(indices, (i) => this.dataset.get(i));
    return this.collate ? this.collate(samples) : (defaultCollate(samples) as B);
  }

  /**
   * The loader's position, for a checkpoint (see `DataLoaderState`): that of the most recently started
   * epoch. With nested loops over one loader that is the innermost loop while it runs; once it has ended,
   * the state is "between epochs" and a resumed loader starts the next one, not the rest of an outer loop.
   */
  state(): DataLoaderState {
    const p = this.current;
    const live = p !== null && p.live;
    return {
      epoch: this.epoch,
      batchIndex: p?.batchIndex ?? 0,
      inProgress: live,
      generator: this.generator ? (live ? p.start : this.generator.getState()) : null,
      datasetLength: datasetLength('DataLoader', this.dataset),
      batchSize: this.batchSize,
      shuffle: this.shuffle,
      dropLast: this.dropLast,
    };
  }

  /**
   * Restores a position from `state()`. If the saved epoch was in progress, the next loop finishes it
   * from its next batch (yielding nothing if all were handed out); otherwise it starts the following
   * epoch. Either way the loader then continues as the saved one would have. Loops already running go on
   * with their own epochs, but the state no longer follows them. The state must come from a loader over a
   * dataset of the same length with the same batchSize, shuffle and dropLast; otherwise nothing changes
   * and the error lists every difference.
   */
  setState(state: DataLoaderState): this {
    if (state === null || typeof state !== 'object') throw new TypeError('DataLoader.setState: expected an object from state()');
    const n = datasetLength('DataLoader', this.dataset);
    const problems: string[] = [];
    const expect = (key: keyof DataLoaderState, mine: unknown) => {
      if (state[key] !== mine) problems.push(`${key} is ${JSON.stringify(state[key])} in the state but ${JSON.stringify(mine)} here`);
    };
    expect('datasetLength', n);
    expect('batchSize', this.batchSize);
    expect('shuffle', this.shuffle);
    expect('dropLast', this.dropLast);
    if (!Number.isInteger(state.epoch) || state.epoch < 0) problems.push(`epoch must be a non-negative integer, got ${state.epoch}`);
    if (typeof state.inProgress !== 'boolean' || (state.inProgress && state.epoch === 0)) {
      problems.push(`inProgress must be a boolean, and false before the first epoch, got ${state.inProgress} at epoch ${state.epoch}`);
    }
    const length = this.batchesOf(n);
    if (!Number.isInteger(state.batchIndex) || state.batchIndex < 0 || state.batchIndex > length) {
      problems.push(`batchIndex must be an integer in [0, ${length}], got ${state.batchIndex}`);
    }
    let scratch: Generator | null = null;
    if (this.shuffle) {
      try {
        scratch = new Generator().setState(state.generator as GeneratorState);
      } catch {
        problems.push('generator is not a state from Generator.getState()');
      }
    }
    if (problems.length > 0) throw new RangeError(`DataLoader.setState: ${problems.join('; ')}. Nothing was restored.`);

    if (scratch) this.generator!.setState(scratch.getState());
    if (state.inProgress) {
      // Redraw the saved epoch's order from the state it was drawn from; the generator ends up where the
      // uninterrupted run's generator was after that draw.
      this.epoch = state.epoch - 1;
      const pass = this.startPass();
      pass.batchIndex = state.batchIndex;
      this.current = this.resume = pass;
    } else {
      this.epoch = state.epoch;
      this.current = state.epoch === 0 ? null : { order: new Int32Array(0), start: null, length, batchIndex: state.batchIndex, live: false };
      this.resume = null;
    }
    return this;
  }
}
