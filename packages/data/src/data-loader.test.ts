import { afterEach, describe, expect, it, vi } from 'vitest';
import { Generator, Tensor, arange, manualSeed, tensor } from '@tensile/tensor';
import { DataLoader, type DataLoaderState } from './data-loader.js';
import { Subset, TensorDataset, randomPermutation, randomSplit, type Dataset } from './dataset.js';

const range = (n: number): Dataset<number> => ({ length: n, get: (i) => i });
const batchesOf = (loader: Iterable<Tensor>): number[][] => Array.from(loader, (b) => b.toArray() as number[]);

describe('DataLoader batching', () => {
  it('hands out samples in order in batches of batchSize; the last one may be short', () => {
    const loader = new DataLoader(range(7), { batchSize: 3 });
    expect(loader.length).toBe(3);
    expect(batchesOf(loader)).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(batchesOf(loader)).toEqual([[0, 1, 2], [3, 4, 5], [6]]); // unshuffled epochs are all alike
  });

  it('dropLast skips a short last batch only', () => {
    const loader = new DataLoader(range(7), { batchSize: 3, dropLast: true });
    expect(loader.length).toBe(2);
    expect(batchesOf(loader)).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect(batchesOf(new DataLoader(range(6), { batchSize: 3, dropLast: true }))).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect(batchesOf(new DataLoader(range(2), { batchSize: 3, dropLast: true }))).toEqual([]);
  });

  it('batchSize defaults to 1 and the batches have the collated types', () => {
    const ds: Dataset<{ x: Tensor; y: number }> = { length: 2, get: (i) => ({ x: tensor([i, 2 * i]), y: i }) };
    const batches = [...new DataLoader(ds)];
    expect(batches).toHaveLength(2);
    expect(batches[1]!.x.toArray()).toEqual([[1, 2]]);
    expect(batches[1]!.y.dtype).toBe('int32');
  });

  it('uses a custom collate', () => {
    const loader = new DataLoader(range(5), { batchSize: 2, collate: (s: number[]) => s.reduce((a, b) => a + b, 0) });
    expect([...loader]).toEqual([1, 5, 4]);
  });

  it('rejects bad options', () => {
    expect(() => new DataLoader(range(5), { batchSize: 0 })).toThrow(/batchSize must be a positive integer, got 0/);
    expect(() => new DataLoader(range(5), { batchSize: 2.5 })).toThrow(RangeError);
    expect(() => new DataLoader(range(5), { shuffle: true, generator: {} as Generator })).toThrow(/generator must be a Generator/);
    expect(() => new DataLoader({} as Dataset<number>)).toThrow(/^DataLoader: dataset must have a length and a get\(i\) method, got an object$/);
  });

  it('rejects unknown option keys with a hint, and non-boolean flags', () => {
    const known = 'the options are batchSize, shuffle, dropLast, generator, collate';
    expect(() => new DataLoader(range(5), { batch_size: 2 } as never)).toThrow(new RegExp(`^DataLoader: unknown option "batch_size" \\(did you mean batchSize\\?\\); ${known}$`));
    expect(() => new DataLoader(range(5), { collate_fn: (s: number[]) => s } as never)).toThrow(/unknown option "collate_fn" \(did you mean collate\?\)/);
    expect(() => new DataLoader(range(5), { numWorkers: 2 } as never)).toThrow(new RegExp(`^DataLoader: unknown option "numWorkers"; ${known}$`));
    expect(() => new DataLoader(range(5), { shuffle: 'false' } as never)).toThrow(/^DataLoader: shuffle must be true or false, got a string \("false"\)$/);
    expect(() => new DataLoader(range(5), { dropLast: 1 } as never)).toThrow(/^DataLoader: dropLast must be true or false, got 1$/);
  });
});

describe('DataLoader over a dataset whose length is not a count', () => {
  class Broken implements Dataset<number> {
    constructor(readonly length: number) {}
    get(i: number): number {
      return i;
    }
  }
  it.each([
    [-1, RangeError, '-1'],
    [2.5, RangeError, '2\\.5'],
    [NaN, RangeError, 'NaN'],
    [Infinity, RangeError, 'Infinity'],
    ['3' as unknown as number, TypeError, 'a string \\("3"\\)'],
    [undefined as unknown as number, TypeError, 'undefined'],
  ])('length %s is an error naming the class and the value', (length, Err, shown) => {
    const message = (where: string) => new RegExp(`^${where}: the dataset \\(Broken\\) has length ${shown}; a dataset's length must be a non-negative integer$`);
    expect(() => new DataLoader(new Broken(length))).toThrow(Err);
    expect(() => new DataLoader(new Broken(length))).toThrow(message('DataLoader'));
    expect(() => new Subset(new Broken(length), [])).toThrow(message('Subset'));
    expect(() => randomSplit(new Broken(length), [0])).toThrow(message('randomSplit'));
  });

  it('a plain-object dataset is named as one, and a length that goes bad later is caught at the next epoch', () => {
    expect(() => new DataLoader({ length: -2, get: (i: number) => i })).toThrow(/^DataLoader: the dataset \(a plain object\) has length -2;/);
    const ds = new Broken(4);
    const loader = new DataLoader(ds, { batchSize: 2 });
    expect(batchesOf(loader)).toEqual([[0, 1], [2, 3]]);
    (ds as { length: number }).length = -1;
    expect(() => loader.length).toThrow(/^DataLoader: the dataset \(Broken\) has length -1;/);
    expect(() => [...loader]).toThrow(/^DataLoader: the dataset \(Broken\) has length -1;/);
  });
});

describe('DataLoader: each loop has its own iterator', () => {
  const N = 5;
  const shuffled = (seed: number) => new DataLoader(range(N), { batchSize: 2, shuffle: true, generator: new Generator(seed) });
  /** The orders a Generator(seed) gives to the passes in the order they start. */
  const orders = (seed: number, k: number): number[][] => {
    const g = new Generator(seed);
    return Array.from({ length: k }, () => Array.from(randomPermutation(N, g)));
  };
  const split = (p: number[]) => [p.slice(0, 2), p.slice(2, 4), p.slice(4)];

  it('a loop nested in a loop over the same loader runs fully, and so does the outer one (as in PyTorch)', () => {
    const loader = new DataLoader(range(N), { batchSize: 2 });
    const seen: string[] = [];
    for (const outer of loader) {
      for (const inner of loader) seen.push(`${outer.toArray()}|${inner.toArray()}`);
    }
    // 3 outer batches × 3 inner batches.
    expect(seen).toEqual(['0,1|0,1', '0,1|2,3', '0,1|4', '2,3|0,1', '2,3|2,3', '2,3|4', '4|0,1', '4|2,3', '4|4']);
  });

  it('with shuffling, each loop draws its order when it starts, and the outer loop keeps its own', () => {
    const loader = shuffled(3);
    const outer: number[][] = [];
    const inner: number[][][] = [];
    for (const b of loader) {
      outer.push(b.toArray() as number[]);
      inner.push(batchesOf(loader));
    }
    const p = orders(3, 4); // the outer pass, then one inner pass per outer batch
    expect(outer).toEqual(split(p[0]!));
    expect(inner).toEqual([split(p[1]!), split(p[2]!), split(p[3]!)]);
  });

  it('two iterators advanced in turn do not disturb each other', () => {
    const loader = new DataLoader(range(N), { batchSize: 2 });
    const a = loader[Symbol.iterator]();
    const b = loader[Symbol.iterator]();
    const got = [a.next(), b.next(), a.next(), a.next(), b.next(), a.next()].map((r) => (r.done ? 'done' : (r.value.toArray() as number[]).join()));
    expect(got).toEqual(['0,1', '0,1', '2,3', '4', '2,3', 'done']);
  });

  it('state() describes the most recently started loop; resuming from it gives what the uninterrupted run gives next', () => {
    // The uninterrupted run: an outer pass; inside it, at its second batch, an inner pass; then two more passes.
    const run = shuffled(7);
    const states: DataLoaderState[] = [];
    const after: number[][][] = [];
    let k = 0;
    for (const _ of run) {
      if (k++ !== 1) continue;
      for (const _inner of run) states.push(JSON.parse(JSON.stringify(run.state())) as DataLoaderState);
      // The inner loop ended: between epochs, even though the outer one goes on.
      expect(run.state()).toMatchObject({ epoch: 2, batchIndex: 3, inProgress: false });
    }
    after.push(batchesOf(run), batchesOf(run));
    const p = orders(7, 4);
    expect(states.map((s) => [s.epoch, s.batchIndex, s.inProgress])).toEqual([[2, 1, true], [2, 2, true], [2, 3, true]]);
    expect(after).toEqual([split(p[2]!), split(p[3]!)]);
    // Resumed from a state inside the inner loop: the rest of the inner pass, then the same later passes.
    states.forEach((s, b) => {
      const resumed = shuffled(99).setState(s);
      expect(batchesOf(resumed)).toEqual(split(p[1]!).slice(b + 1));
      expect(batchesOf(resumed)).toEqual(split(p[2]!));
      expect(batchesOf(resumed)).toEqual(split(p[3]!));
    });
  });

  it('an iterator left before its first batch still ends its epoch at return(), and setState leaves running loops alone', () => {
    const loader = new DataLoader(range(N), { batchSize: 2 });
    const it = loader[Symbol.iterator]();
    expect(loader.state()).toMatchObject({ epoch: 1, batchIndex: 0, inProgress: true });
    it.return!();
    expect(loader.state()).toMatchObject({ epoch: 1, batchIndex: 0, inProgress: false });
    expect(it.next().done).toBe(true);
    const running = loader[Symbol.iterator]();
    running.next();
    loader.setState({ ...loader.state(), epoch: 0, batchIndex: 0, inProgress: false });
    expect((running.next().value as Tensor).toArray()).toEqual([2, 3]);
    expect(loader.state()).toMatchObject({ epoch: 0, batchIndex: 0, inProgress: false });
  });
});

describe('DataLoader over tensors', () => {
  afterEach(() => vi.restoreAllMocks());

  const x = arange(40, undefined, 1, { dtype: 'float32' }).reshape([10, 2, 2]);
  const y = arange(100, 110);

  it('gathers a TensorDataset batch with indexSelect, never touching get()', () => {
    const spy = vi.spyOn(TensorDataset.prototype, 'get');
    const ds = new TensorDataset(x, y);
    const loader = new DataLoader(ds, { batchSize: 4, shuffle: true, generator: new Generator(7) });
    const order = randomPermutation(10, new Generator(7));
    const batches = [...loader];
    expect(spy).not.toHaveBeenCalled();
    expect(batches.map(([, yb]) => yb.toArray())).toEqual([
      Array.from(order.subarray(0, 4), (i) => 100 + i),
      Array.from(order.subarray(4, 8), (i) => 100 + i),
      Array.from(order.subarray(8), (i) => 100 + i),
    ]);
    const [xb] = batches[0]!;
    expect(xb.shape).toEqual([4, 2, 2]);
    expect(xb.toArray()).toEqual(Array.from(order.subarray(0, 4), (i) => x.toArray() && (x.narrow(0, i, 1).reshape([2, 2]).toArray())));
  });

  it('gives the same batches as stacking samples one by one', () => {
    const ds = new TensorDataset(x, y);
    const viaGet: Dataset<[Tensor, Tensor]> = { length: ds.length, get: (i) => ds.get(i) };
    const fast = [...new DataLoader(ds, { batchSize: 3, shuffle: true, generator: new Generator(1) })];
    const slow = [...new DataLoader(viaGet, { batchSize: 3, shuffle: true, generator: new Generator(1) })];
    expect(fast.map(([a, b]) => [a.toArray(), b.toArray(), a.dtype, b.dtype])).toEqual(slow.map(([a, b]) => [a.toArray(), b.toArray(), a.dtype, b.dtype]));
  });

  it('takes the fast path through Subsets (randomSplit) too', () => {
    const spy = vi.spyOn(TensorDataset.prototype, 'get');
    const [train] = randomSplit(new TensorDataset(x, y), [6, 4], { generator: new Generator(2) });
    const inner = new Subset(train!, [5, 0, 3]);
    const batches = [...new DataLoader(inner, { batchSize: 2 })];
    expect(spy).not.toHaveBeenCalled();
    const expected = [5, 0, 3].map((k) => 100 + train!.indices[k]!);
    expect(batches.map(([, yb]) => yb.toArray())).toEqual([expected.slice(0, 2), expected.slice(2)]);
  });

  it('respects a subclass that overrides get(), and a custom collate', () => {
    class Doubled extends TensorDataset<[Tensor]> {
      override get(i: number): [Tensor] {
        return [super.get(i)[0].mul(2)];
      }
    }
    const [[b]] = [...new DataLoader(new Doubled(arange(3)), { batchSize: 3 })] as [[Tensor]];
    expect(b.toArray()).toEqual([0, 2, 4]);
    const sums = [...new DataLoader(new TensorDataset(arange(4)), { batchSize: 2, collate: (s) => s.length })];
    expect(sums).toEqual([2, 2]);
  });
});

describe('DataLoader shuffling', () => {
  it('draws each epoch a new permutation from its generator, deterministically', () => {
    const make = () => new DataLoader(range(10), { batchSize: 4, shuffle: true, generator: new Generator(42) });
    const a = make();
    const epoch1 = batchesOf(a).flat();
    const epoch2 = batchesOf(a).flat();
    const g = new Generator(42);
    expect(epoch1).toEqual(Array.from(randomPermutation(10, g)));
    expect(epoch2).toEqual(Array.from(randomPermutation(10, g)));
    expect(epoch1).not.toEqual(epoch2);
    const b = make();
    expect(batchesOf(b).flat()).toEqual(epoch1);
    expect(batchesOf(b).flat()).toEqual(epoch2);
  });

  it('without a generator, seeds its own from the default generator', () => {
    manualSeed(3);
    const a = batchesOf(new DataLoader(range(10), { batchSize: 10, shuffle: true }));
    manualSeed(3);
    const b = batchesOf(new DataLoader(range(10), { batchSize: 10, shuffle: true }));
    expect(a).toEqual(b);
    manualSeed(4);
    expect(batchesOf(new DataLoader(range(10), { batchSize: 10, shuffle: true }))).not.toEqual(a);
  });

  it('dropLast with shuffling drops a different tail each epoch', () => {
    const loader = new DataLoader(range(10), { batchSize: 4, shuffle: true, dropLast: true, generator: new Generator(5) });
    const g = new Generator(5);
    for (let e = 0; e < 3; e++) {
      const p = Array.from(randomPermutation(10, g));
      expect(batchesOf(loader)).toEqual([p.slice(0, 4), p.slice(4, 8)]);
    }
  });
});

describe('DataLoader state and resume', () => {
  const N = 11;
  const opts = { batchSize: 3, shuffle: true } as const; // 4 batches per epoch, the last one of 2
  const make = (seed: number) => new DataLoader(range(N), { ...opts, generator: new Generator(seed) });
  const json = (s: DataLoaderState): DataLoaderState => JSON.parse(JSON.stringify(s));

  /** The first `epochs` epochs of an uninterrupted run, batch by batch. */
  const reference = (epochs: number): number[][][] => {
    const loader = make(9);
    return Array.from({ length: epochs }, () => batchesOf(loader));
  };

  it('resumes mid-epoch, then continues with the same later epochs', () => {
    const ref = reference(4);
    for (const [stopEpoch, stopBatch] of [[0, 0], [0, 1], [1, 2], [1, 3], [2, 1]] as const) {
      // The interrupted run: full epochs, then `stopBatch + 1` batches of the next, then a checkpoint.
      const run = make(9);
      for (let e = 0; e < stopEpoch; e++) batchesOf(run);
      let saved: DataLoaderState | null = null;
      let b = 0;
      for (const batch of run) {
        expect(batch.toArray()).toEqual(ref[stopEpoch]![b]);
        if (b++ === stopBatch) {
          saved = json(run.state());
          break;
        }
      }
      expect(saved).toMatchObject({ epoch: stopEpoch + 1, batchIndex: stopBatch + 1, inProgress: true, datasetLength: N, batchSize: 3, shuffle: true, dropLast: false });
      // A new process: a loader with a different seed, restored from the checkpoint.
      const resumed = make(12345).setState(saved!);
      const rest = [batchesOf(resumed), batchesOf(resumed)];
      expect(rest[0]).toEqual(ref[stopEpoch]!.slice(stopBatch + 1));
      expect(rest[1]).toEqual(ref[stopEpoch + 1]);
    }
  });

  it('a state taken at the end of an epoch resumes with the next epoch', () => {
    const ref = reference(3);
    const run = make(9);
    batchesOf(run);
    const saved = json(run.state());
    expect(saved).toMatchObject({ epoch: 1, batchIndex: 4, inProgress: false });
    const resumed = make(0).setState(saved);
    expect(batchesOf(resumed)).toEqual(ref[1]);
    expect(batchesOf(resumed)).toEqual(ref[2]);
  });

  it('a state taken before any epoch resumes from the first', () => {
    const ref = reference(2);
    const saved = json(make(9).state());
    expect(saved).toMatchObject({ epoch: 0, batchIndex: 0, inProgress: false });
    const resumed = make(0).setState(saved);
    expect(batchesOf(resumed)).toEqual(ref[0]);
    expect(batchesOf(resumed)).toEqual(ref[1]);
  });

  it('a state taken inside the loop body (the checkpoint case) skips exactly the batches already used', () => {
    const ref = reference(2);
    const run = make(9);
    const states: DataLoaderState[] = [];
    for (const _ of run) states.push(json(run.state()));
    states.forEach((s, b) => {
      const resumed = make(1).setState(s);
      expect(batchesOf(resumed)).toEqual(ref[0]!.slice(b + 1));
      expect(batchesOf(resumed)).toEqual(ref[1]);
    });
  });

  it('breaking out of a loop ends that epoch; the next loop starts a new one', () => {
    const ref = reference(2);
    const run = make(9);
    for (const _ of run) break;
    expect(run.state()).toMatchObject({ epoch: 1, batchIndex: 1, inProgress: false });
    expect(batchesOf(make(0).setState(json(run.state())))).toEqual(ref[1]);
    expect(batchesOf(run)).toEqual(ref[1]);
  });

  it('resumes unshuffled loaders too', () => {
    const run = new DataLoader(range(7), { batchSize: 2 });
    const it = run[Symbol.iterator]();
    it.next();
    const saved = json(run.state());
    expect(saved.generator).toBeNull();
    const resumed = new DataLoader(range(7), { batchSize: 2 }).setState(saved);
    expect(batchesOf(resumed)).toEqual([[2, 3], [4, 5], [6]]);
    expect(batchesOf(resumed)).toEqual([[0, 1], [2, 3], [4, 5], [6]]);
  });

  it('resumes the TensorDataset fast path to the same tensors', () => {
    const ds = new TensorDataset(arange(20).reshape([10, 2]), arange(10));
    const mk = (seed: number) => new DataLoader(ds, { batchSize: 4, shuffle: true, generator: new Generator(seed) });
    const full = mk(3);
    const all = [...full, ...full].map(([a, b]) => [a.toArray(), b.toArray()]);
    const run = mk(3);
    const it = run[Symbol.iterator]();
    it.next();
    const resumed = mk(8).setState(json(run.state()));
    expect([...resumed, ...resumed].map(([a, b]) => [a.toArray(), b.toArray()])).toEqual(all.slice(1));
  });

  it('refuses a state from a different loader, listing every difference, and changes nothing', () => {
    const run = make(9);
    batchesOf(run);
    const before = run.state();
    const other = new DataLoader(range(12), { batchSize: 4, shuffle: true, generator: new Generator(0) });
    const foreign = json(other.state());
    expect(() => run.setState(foreign)).toThrow(
      /DataLoader\.setState: datasetLength is 12 in the state but 11 here; batchSize is 4 in the state but 3 here\. Nothing was restored\./,
    );
    expect(() => run.setState({ ...before, batchIndex: 9 })).toThrow(/batchIndex must be an integer in \[0, 4\], got 9/);
    expect(() => run.setState({ ...before, generator: null })).toThrow(/generator is not a state from Generator.getState\(\)/);
    expect(() => run.setState({ ...before, shuffle: false, epoch: -1 })).toThrow(/shuffle is false in the state but true here; epoch must be a non-negative integer, got -1/);
    expect(() => run.setState({ ...before, inProgress: 'yes' as unknown as boolean })).toThrow(/inProgress must be a boolean/);
    expect(() => run.setState(null as unknown as DataLoaderState)).toThrow(TypeError);
    expect(run.state()).toEqual(before);
    expect(batchesOf(run)).toEqual(reference(2)[1]);
  });
});
