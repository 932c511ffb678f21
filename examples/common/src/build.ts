// The parts of an image-classifier run (model, optimizer, loaders, step, generators) from its settings and
// data. Browser-safe: `pnpm mnist` / `pnpm mnist:cnn` (classifier.ts) and the page of examples/web build
// their runs here, so a checkpoint of one continues in the other with the same batches and random numbers.
import type { Module } from '@tensile/nn';
import { Generator, manualSeed, setBackend, type Tensor } from '@tensile/tensor';
import { DataLoader, transforms, type ImageClassificationData, type TensorDataset } from '@tensile/data';
import { classificationStep, type JsonValue, type StepFn } from '@tensile/train';
import type { ClassifierConfig, ClassifierExample } from './classifier.js';
import { PIXEL_STATS } from './dataset-names.js';
import { makeOptimizer, makeSchedule, type AnyOptimizer } from './optimizers.js';

type Batch = [Tensor, Tensor];

/** What `fit` needs of a classifier run, and what its checkpoints carry in `extra`. */
export interface ClassifierRun {
  model: Module<[Tensor], Tensor>;
  optimizer: AnyOptimizer;
  train: DataLoader<Batch, Batch>;
  /** The test set in batches of 500 (fit's validation loader). */
  validation: DataLoader<Batch, Batch>;
  step: StepFn<Batch>;
  /** What the model's inputs go through outside training (normalisation, flattening): for a summary or an export. */
  prepare: (x: Tensor) => Tensor;
  /** Generators only a closure holds (the augmentation's), for fit's `generators`. */
  generators: { augment: Generator };
  /** The checkpoints' `extra`: `{ example, config }`; `pnpm mnist --resume` reads the settings from it. */
  extra: { example: string; config: JsonValue };
}

/**
 * Builds a run: selects `config.backend`, seeds the default generator with `config.seed`, and draws the
 * initial weights, dropout, shuffling and augmentation from generators named `<seed>/init`, `<seed>/dropout`,
 * `<seed>/shuffle` and `<seed>/augment`.
 */
export function buildClassifierRun(ex: ClassifierExample, config: ClassifierConfig, data: Pick<ImageClassificationData, 'train' | 'test'>): ClassifierRun {
  setBackend(config.backend);
  manualSeed(config.seed);
  const gen = (what: string) => new Generator(`${config.seed}/${what}`);
  // The dropout generator is found in the model by fit's checkpoints; the augmentation's only a closure holds.
  const augment = gen('augment');
  const model = ex.buildModel(config, { init: gen('init'), dropout: gen('dropout') });
  const { mean, std } = PIXEL_STATS[config.dataset];
  const prepare = [...(config.normalize ? [transforms.normalize(mean, std)] : []), ...(ex.flatten ? [transforms.flatten()] : [])];
  const shifts = config.shift > 0 ? [transforms.randomShift(config.shift, { generator: augment })] : [];
  const train = new DataLoader(data.train as TensorDataset<Batch>, { batchSize: config.batchSize, shuffle: true, generator: gen('shuffle') });
  const validation = new DataLoader(data.test as TensorDataset<Batch>, { batchSize: 500 });
  const scheduler = makeSchedule(config.schedule, config.lr, config.epochs * train.length, train.length);
  const optimizer = makeOptimizer(config.optimizer, model, { lr: config.lr, scheduler, dialect: config.dialect });
  const evalTransform = transforms.compose(...prepare);
  const step = classificationStep({
    transform: transforms.compose(...shifts, ...prepare), evalTransform, labelSmoothing: config.labelSmoothing,
  }) as StepFn<Batch>;
  return { model, optimizer, train, validation, step, prepare: evalTransform, generators: { augment }, extra: { example: ex.name, config: config as unknown as JsonValue } };
}
