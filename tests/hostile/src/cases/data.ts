// Datasets, data loaders, transforms and the IDX format. A loader is iterable like PyTorch's: every
// `for … of` gets its own full pass, even nested inside another over the same loader.
import { Generator, ShapeError, Tensor, arange, ones, tensor, zeros } from '@tensile/tensor';
import {
  DataLoader, IdxFormatError, Subset, TensorDataset, decodeIdx, defaultCollate, encodeIdx, randomSplit, tensorToIdx, transforms, type Dataset,
} from '@tensile/data';
import { category, err, ok } from '../harness.js';
import { bad, equals, tensorIs } from '../checks.js';

/** Six samples: x = 0…5, y = 10…15. */
const six = () => new TensorDataset(arange(6, undefined, 1, { dtype: 'float32' }), arange(10, 16));
/** A dataset of `length` samples that are their own index. */
const sized = (length: number): Dataset<number> => ({ length, get: (i) => i });
const idx = (...bytes: number[]) => Uint8Array.from(bytes);

export default category('data', [
  // ---- DataLoader options ----
  { name: 'DataLoader with batchSize 0', run: () => new DataLoader(six(), { batchSize: 0 }), expect: err(RangeError, /DataLoader/, /batchSize/, /0/) },
  { name: 'DataLoader with batchSize -1', run: () => new DataLoader(six(), { batchSize: -1 }), expect: err(RangeError, /DataLoader/, /batchSize/, /-1/) },
  { name: 'DataLoader with batchSize 1.5', run: () => new DataLoader(six(), { batchSize: 1.5 }), expect: err(RangeError, /DataLoader/, /batchSize/, /1\.5/) },
  { name: 'DataLoader with batchSize NaN', run: () => new DataLoader(six(), { batchSize: NaN }), expect: err(RangeError, /DataLoader/, /batchSize/, /NaN/) },
  { name: "DataLoader with batchSize '2' (a string)", run: () => new DataLoader(six(), bad({ batchSize: '2' })), expect: err([TypeError, RangeError], /DataLoader/, /batchSize/, /"2"|string/) },
  { name: 'DataLoader with the option batch_size (snake_case)', run: () => new DataLoader(six(), bad({ batch_size: 2 })), expect: err(TypeError, /DataLoader/, /unknown option "batch_size"/, /batchSize/) },
  { name: 'DataLoader with a misspelt option shufle', run: () => new DataLoader(six(), bad({ batchSize: 2, shufle: true })), expect: err(TypeError, /DataLoader/, /unknown option "shufle"/, /shuffle/) },
  { name: 'DataLoader with a number for the generator', run: () => new DataLoader(six(), bad({ shuffle: true, generator: 3 })), expect: err(TypeError, /DataLoader/, /generator/) },
  { name: 'DataLoader over an array', run: () => new DataLoader(bad([1, 2, 3])), expect: err(TypeError, /DataLoader/, /dataset/) },

  // ---- datasets with impossible lengths ----
  { name: 'a dataset of length -1', run: () => new DataLoader(sized(-1)), expect: err([RangeError, TypeError], /DataLoader/, /length/, /-1/) },
  { name: 'a dataset of length 2.5', run: () => new DataLoader(sized(2.5)), expect: err([RangeError, TypeError], /DataLoader/, /length/, /2\.5|integer/) },
  { name: 'a dataset of length NaN', run: () => new DataLoader(sized(NaN)), expect: err([RangeError, TypeError], /DataLoader/, /length/, /NaN|integer/) },
  { name: 'a dataset of length Infinity', run: () => new DataLoader(sized(Infinity)), expect: err([RangeError, TypeError], /DataLoader/, /length/, /Infinity|integer/) },
  { name: 'randomSplit of a dataset of length -3', run: () => randomSplit(sized(-3), [1]), expect: err([RangeError, TypeError], /randomSplit/, /-3/) },

  // ---- iteration ----
  {
    name: 'nested for…of over the same loader runs fully',
    run: () => {
      const loader = new DataLoader(six(), { batchSize: 2 });
      let outer = 0;
      let inner = 0;
      for (const _ of loader) {
        outer += 1;
        for (const __ of loader) inner += 1;
      }
      return { outer, inner };
    },
    expect: ok(equals({ outer: 3, inner: 9 })),
  },
  {
    name: 'two iterators over one loader each yield every batch',
    run: () => {
      const loader = new DataLoader(six(), { batchSize: 4 });
      const a = loader[Symbol.iterator]();
      const b = loader[Symbol.iterator]();
      const sizes: number[] = [];
      for (const it of [a, b, a, b, a, b]) {
        const r = it.next();
        sizes.push(r.done ? -1 : (r.value as Tensor[])[0]!.shape[0]!);
      }
      return sizes;
    },
    // Each yields a batch of 4, one of 2, then is done: a, b, a, b, a, b.
    expect: ok(equals([4, 4, 2, 2, -1, -1])),
  },
  {
    name: 'a shuffled epoch visits every sample once',
    run: () => {
      const loader = new DataLoader(six(), { batchSize: 4, shuffle: true, generator: new Generator(5) });
      const seen: number[] = [];
      for (const [x] of loader) seen.push(...Array.from((x as Tensor).toTypedArray()));
      return seen.sort((p, q) => p - q);
    },
    expect: ok(equals([0, 1, 2, 3, 4, 5])),
  },
  {
    name: 'dropLast drops only the short batch',
    run: () => [...new DataLoader(six(), { batchSize: 4, dropLast: true })].map((b) => (b as Tensor[])[1]!.toArray()),
    expect: ok(equals([[10, 11, 12, 13]])),
  },
  { name: 'setState with garbage', setup: () => new DataLoader(six(), { batchSize: 2 }), run: (l: DataLoader<unknown>) => l.setState(bad({ epoch: 'x' })), unchanged: (l: DataLoader<unknown>) => l.state(), expect: err(RangeError, /setState/, /Nothing was restored/) },

  // ---- datasets ----
  { name: 'TensorDataset of tensors with different lengths', run: () => new TensorDataset(zeros([3]), zeros([4])), expect: err(ShapeError, /TensorDataset/, /\[3\]/, /\[4\]/) },
  { name: 'TensorDataset of a 0-d tensor', run: () => new TensorDataset(tensor(1)), expect: err(ShapeError, /TensorDataset/, /0-d/) },
  { name: 'TensorDataset of a string', run: () => new TensorDataset(bad('abc')), expect: err(TypeError, /TensorDataset/, /string/) },
  { name: 'TensorDataset.get(-1)', run: () => six().get(-1), expect: err(RangeError, /get/, /-1/) },
  { name: 'TensorDataset.get(1.5)', run: () => six().get(1.5), expect: err(RangeError, /get/, /1\.5/) },
  { name: 'Subset with an index out of range', run: () => new Subset(six(), [0, 6]), expect: err(RangeError, /Subset/, /6/) },
  { name: 'randomSplit with sizes that do not sum', run: () => randomSplit(six(), [2, 2]), expect: err(RangeError, /randomSplit/, /\[2, 2\]/) },
  { name: 'randomSplit with a negative size', run: () => randomSplit(six(), [7, -1]), expect: err(RangeError, /randomSplit/, /-1/) },
  { name: 'randomSplit with fractions over 1', run: () => randomSplit(six(), [0.5, 0.6]), expect: err(RangeError, /randomSplit/) },
  { name: 'defaultCollate of samples with different shapes', run: () => defaultCollate([zeros([2]), zeros([3])]), expect: err(ShapeError, /collate/i, /\[3\]/) },
  { name: 'defaultCollate of a number and a string', run: () => defaultCollate(bad([1, 'a'])), expect: err(TypeError, /collate/i, /string/) },

  // ---- transforms ----
  { name: 'normalize with std 0', run: () => transforms.normalize(0.5, 0), expect: err(RangeError, /normalize/, /std/) },
  { name: 'normalize with std NaN', run: () => transforms.normalize(0.5, NaN), expect: err(RangeError, /normalize/, /std/, /NaN/) },
  { name: "normalize with std '0.3'", run: () => transforms.normalize(0.5, bad('0.3')), expect: err([TypeError, RangeError], /normalize/, /std/) },
  { name: 'normalize with a NaN mean', run: () => transforms.normalize(NaN, 0.3), expect: err(RangeError, /normalize/, /mean/, /NaN/) },
  { name: 'randomShift(-1)', run: () => transforms.randomShift(-1), expect: err(RangeError, /randomShift/, /-1/) },
  { name: 'randomShift of a 1-d tensor', run: () => transforms.randomShift(1)(ones([4])), expect: err(ShapeError, /randomShift/, /\[4\]/) },

  // ---- IDX ----
  { name: 'an IDX file of 3 bytes', run: () => decodeIdx(idx(0, 0, 8)), expect: err(IdxFormatError, /truncated/) },
  { name: 'an IDX file with the wrong magic', run: () => decodeIdx(idx(1, 0, 8, 1, 0, 0, 0, 1, 7)), expect: err(IdxFormatError, /bad magic/, /01 00 08 01/) },
  { name: 'an IDX file with an unknown type code', run: () => decodeIdx(idx(0, 0, 7, 1, 0, 0, 0, 1, 7)), expect: err(IdxFormatError, /unknown element type/, /0x07/) },
  { name: 'an IDX file whose header is cut short', run: () => decodeIdx(idx(0, 0, 8, 3, 0, 0, 0, 1)), expect: err(IdxFormatError, /truncated header/, /3 dimensions/) },
  { name: 'an IDX file with less data than its dims', run: () => decodeIdx(idx(0, 0, 8, 1, 0, 0, 0, 4, 1, 2)), expect: err(IdxFormatError, /truncated/, /\[4\]/) },
  { name: 'an IDX file with more data than its dims', run: () => decodeIdx(idx(0, 0, 8, 1, 0, 0, 0, 1, 1, 2)), expect: err(IdxFormatError, /disagree/, /\[1\]/) },
  { name: 'an IDX file declaring [2^31, 2^31] with no data', run: () => decodeIdx(idx(0, 0, 8, 2, 0x80, 0, 0, 0, 0x80, 0, 0, 0)), expect: err(IdxFormatError, /truncated/, /2147483648/) },
  { name: 'gzipped bytes given to decodeIdx', run: () => decodeIdx(idx(0x1f, 0x8b, 8, 0)), expect: err(IdxFormatError, /gzip/) },
  { name: 'decodeIdx of a string', run: () => decodeIdx(bad('abc')), expect: err(TypeError, /decodeIdx/, /string/) },
  { name: 'encodeIdx of 300 as ubyte', run: () => encodeIdx({ type: 'ubyte', shape: [1], data: [300] }), expect: err(RangeError, /encodeIdx/, /300/, /ubyte/) },
  { name: 'encodeIdx of 1.5 as int', run: () => encodeIdx({ type: 'int', shape: [1], data: [1.5] }), expect: err(RangeError, /encodeIdx/, /1\.5/) },
  { name: 'tensorToIdx of a float tensor as ubyte with 256', run: () => encodeIdx(tensorToIdx(tensor([256]), 'ubyte')), expect: err(RangeError, /256/, /ubyte/) },
  {
    name: 'an IDX round trip of shorts',
    run: () => decodeIdx(encodeIdx({ type: 'short', shape: [2, 2], data: [-32768, -1, 0, 32767] })),
    expect: ok((a: { type: string; shape: number[]; data: ArrayLike<number> }) => equals({ type: 'short', shape: [2, 2], data: [-32768, -1, 0, 32767] })({ ...a, data: Array.from(a.data) })),
  },
  { name: 'an IDX tensor of ubytes converts to int32 values', run: () => tensor(Int32Array.from(decodeIdx(idx(0, 0, 8, 1, 0, 0, 0, 2, 255, 7)).data)), expect: ok(tensorIs({ dtype: 'int32', values: [255, 7] })) },
]);
