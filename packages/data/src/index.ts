// The public surface of @tensile/data (re-exports only). Runs in a browser: no `node:` imports here;
// file and zlib access is in `@tensile/data/node`.
export { type Dataset, TensorDataset, Subset, randomSplit, randomPermutation, type RandomSplitOptions } from './dataset.js';
export { DataLoader, type DataLoaderOptions, type DataLoaderState } from './data-loader.js';
export { defaultCollate, type Collated } from './collate.js';
export {
  decodeIdx, encodeIdx, parseIdx, gunzip, gzip, isGzip, idxToTensor, tensorToIdx, IDX_TYPES,
  type IdxType, type IdxData, type IdxArray, type IdxInput, type DecodeIdxOptions,
} from './idx.js';
export {
  mnistFromDigits, idxImageDataset, MNIST_CLASSES, FASHION_MNIST_CLASSES,
  type MnistOptions, type ImageOptions, type ImageClassificationData,
} from './mnist.js';
export {
  Vocabulary, parseWords, splitWords, contextWindows, nextTokenSequences,
  type VocabularyJSON, type ParseWordsOptions, type SequenceOptions,
} from './text.js';
export * as transforms from './transforms.js';
export type { Transform, RandomShiftOptions } from './transforms.js';
export { IdxFormatError, DatasetNotFoundError, type IdxProblem } from './errors.js';
