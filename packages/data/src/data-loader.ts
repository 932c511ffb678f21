// Batches over a dataset, reshuffled each epoch from a seeded generator, with a resumable position.
import { Generator, getDefaultGenerator, indexSelect, tensor, type GeneratorState, type Tensor } from '@tensile/tensor';
import { defaultCollate, type Collated } from './collate.js';
import { Subset, TensorDataset, randomPermutation, type Dataset } from './dataset.js';

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
 * generator state its order was drawn from. Plain JSON; store it in a checkpoint.
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

/**
 * Iterates over a dataset in batches (PyTorch's `DataLoader`). Each `for … of` is one epoch; with
 * `shuffle` every epoch draws a fresh order from the loader's seeded generator. `state()` records the
 * position (mid-epoch too) and `setState()` restores it, so a resumed run gets exactly the batches the
 * uninterrupted run would have: the first loop after `setState()` finishes the saved epoch if it was in
 * progress, and later loops continue the same sequence of orders. Leaving a loop early (`break`) ends
 * that epoch.
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
  private epoch = 0;
  private batchIndex = 0;
  private order: Int32Array | null = null;
  private epochStart: GeneratorState | null = null;
  private inProgress = false;
  private resumePending = false;

  constructor(dataset: Dataset<T>, opts: DataLoaderOptions<T, B> = {}) {
    if (dataset === null || typeof dataset !== 'object' || typeof dataset.get !== 'function' || !Number.isInteger(dataset.length)) {
      throw new TypeError('DataLoader: dataset must have an integer length and a get(i) method');
    }
    const { batchSize = 1, shuffle = false, dropLast = false, generator, collate } = opts;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`DataLoader: batchSize must be a positive integer, got ${batchSize}`);
    if (generator !== undefined && !(generator instanceof Generator)) throw new TypeError('DataLoader: generator must be a Generator from @tensile/tensor');
    if (collate !== undefined && typeof collate !== 'function') throw new TypeError(`DataLoader: collate must be a function, got ${typeof collate}`);
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = Boolean(shuffle);
    this.dropLast = Boolean(dropLast);
    this.generator = this.shuffle ? (generator ?? new Generator(getDefaultGenerator().int(0, 2 ** 31 - 1))) : null;
    this.collate = collate ?? null;
    this.source = collate === undefined ? tensorSource(dataset) : null;
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  [Symbol.iterator](): Iterator<B> {
    if (this.resumePending) this.resumePending = false;
    else this.startEpoch();
    return this.run(this.epoch);
  }

  private startEpoch(): void {
    const n = this.dataset.length;
    this.epoch += 1;
    this.batchIndex = 0;
    this.inProgress = true;
    this.epochStart = this.generator ? this.generator.getState() : null;
    this.order = this.generator ? randomPermutation(n, this.generator) : Int32Array.from({ length: n }, (_, i) => i);
  }

  private *run(epoch: number): IterableIterator<B> {
    try {
      while (this.epoch === epoch && this.batchIndex < this.length) {
        const batch = this.fetch(this.batchIndex);
        this.batchIndex += 1;
        yield batch;
      }
    } finally {
      // Runs when the loop ends, normally or by break / throw: the epoch is over either way.
      if (this.epoch === epoch) this.inProgress = false;
    }
  }

  private fetch(b: number): B {
    const order = this.order!;
    const indices = order.subarray(b * this.batchSize, Math.min((b + 1) * this.batchSize, order.length));
    if (this.source) {
      const { tensors, rows } = this.source;
      const index = tensor(rows ? indices.map((i) => rows[i]!) : indices);
      return tensors.map((t) => indexSelect(t, 0, index)) as B;
    }
    const samples = Array.from(indices, (i) => this.dataset.get(i));
    return this.collate ? this.collate(samples) : (defaultCollate(samples) as B);
  }

  /** The loader's position, for a checkpoint (see `DataLoaderState`). */
  state(): DataLoaderState {
    return {
      epoch: this.epoch,
      batchIndex: this.batchIndex,
      inProgress: this.inProgress,
      generator: this.generator ? (this.inProgress ? this.epochStart : this.generator.getState()) : null,
      datasetLength: this.dataset.length,
      batchSize: this.batchSize,
      shuffle: this.shuffle,
      dropLast: this.dropLast,
    };
  }

  /**
   * Restores a position from `state()`. If the saved epoch was in progress, the next loop finishes it
   * from its next batch (yielding nothing if all were handed out); otherwise it starts the following
   * epoch. Either way the loader then continues as the saved one would have. The state must come from a
   * loader over a dataset of the same length with the same batchSize, shuffle and dropLast; otherwise
   * nothing changes and the error lists every difference.
   */
  setState(state: DataLoaderState): this {
    if (state === null || typeof state !== 'object') throw new TypeError('DataLoader.setState: expected an object from state()');
    const problems: string[] = [];
    const expect = (key: keyof DataLoaderState, mine: unknown) => {
      if (state[key] !== mine) problems.push(`${key} is ${JSON.stringify(state[key])} in the state but ${JSON.stringify(mine)} here`);
    };
    expect('datasetLength', this.dataset.length);
    expect('batchSize', this.batchSize);
    expect('shuffle', this.shuffle);
    expect('dropLast', this.dropLast);
    if (!Number.isInteger(state.epoch) || state.epoch < 0) problems.push(`epoch must be a non-negative integer, got ${state.epoch}`);
    if (typeof state.inProgress !== 'boolean' || (state.inProgress && state.epoch === 0)) {
      problems.push(`inProgress must be a boolean, and false before the first epoch, got ${state.inProgress} at epoch ${state.epoch}`);
    }
    if (!Number.isInteger(state.batchIndex) || state.batchIndex < 0 || state.batchIndex > this.length) {
      problems.push(`batchIndex must be an integer in [0, ${this.length}], got ${state.batchIndex}`);
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
      this.startEpoch();
    } else {
      this.epoch = state.epoch;
      this.inProgress = false;
      this.order = null;
      this.epochStart = null;
    }
    this.batchIndex = state.batchIndex;
    this.resumePending = state.inProgress;
    return this;
  }
}
