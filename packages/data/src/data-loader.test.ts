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
    expect(() => new DataLoader({} as Dataset<number>)).toThrow(/dataset must have an integer length and a get\(i\) method/);
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
