// The datasets' names and pixel statistics, without loading anything (browser-safe: examples/web uses them).

/** The datasets `--dataset` takes. */
export const DATASET_NAMES = ['mnist', 'fashion-mnist'] as const;
/** `mnist` (the digits of the mnist package) or `fashion-mnist`. */
export type DatasetName = (typeof DATASET_NAMES)[number];

/** What the user reads: `MNIST digits (8,000 train / 2,000 held out)`. */
export const DATASET_LABELS: Record<DatasetName, string> = { mnist: 'MNIST digits', 'fashion-mnist': 'Fashion-MNIST' };

/** Pixel mean and standard deviation of the training images (in [0, 1]), for normalisation. */
export const PIXEL_STATS: Record<DatasetName, { mean: number; std: number }> = {
  mnist: { mean: 0.1307, std: 0.3081 },
  'fashion-mnist': { mean: 0.286, std: 0.353 },
};
