// The messages between the page (main.ts) and the training worker (worker.ts). The page holds no tensor:
// it sends settings, files and drawn pixels, and receives numbers, SVG text and file bytes.
import type { DatasetName, OptimizerName, Recipe, RecipeName } from '@tensile/examples-common/browser';

/** What the page's form sets; the rest of a run's settings come from the recipe. */
export interface Settings {
  dataset: DatasetName;
  model: 'mlp' | 'cnn';
  recipe: RecipeName;
  optimizer: OptimizerName;
  lr: number;
  batchSize: number;
  epochs: number;
  seed: number;
}

/** Fashion-MNIST's four IDX files (raw or gzipped), as the user chose them. */
export interface IdxFiles {
  trainImages: ArrayBuffer;
  trainLabels: ArrayBuffer;
  testImages: ArrayBuffer;
  testLabels: ArrayBuffer;
}

/** A run kept in IndexedDB, as the page offers it after a reload. */
export interface SavedRun {
  model: string;
  dataset: DatasetName;
  step: number;
  epoch: number;
  epochs: number;
  /** Batches of the epoch under way done (0 at an epoch's end). */
  batch: number;
}

export type ToWorker =
  | { type: 'init'; dataUrl: string }
  | { type: 'fashion'; files: IdxFiles; names: string[] }
  | { type: 'start'; settings: Settings }
  | { type: 'resume-saved' }
  | { type: 'resume-file'; bytes: ArrayBuffer; name: string }
  | { type: 'pause' }
  | { type: 'continue' }
  | { type: 'predict'; id: number; pixels: Float32Array }
  | { type: 'download'; what: 'checkpoint' | 'model' }
  | { type: 'discard-saved' }
  /** The kernels' thread count (the results do not depend on it). */
  | { type: 'threads'; threads: number }
  /** Times the bench's W1 workload (src/w1.ts) when no run is training. */
  | { type: 'bench'; steps: number };

/** The state of the worker, as the page's buttons follow it. */
export type RunState = 'loading' | 'idle' | 'training' | 'paused' | 'done' | 'error';

export interface Progress {
  epoch: number;
  epochs: number;
  step: number;
  batch: number;
  batchesPerEpoch: number;
  loss: number;
  accuracy: number;
  lr: number;
  /** Training samples per second over the last second or so. */
  samplesPerSec: number;
}

export type FromWorker =
  | { type: 'alive' }
  | {
    type: 'ready'; backend: string; threads: number; maxThreads: number; isolated: boolean; kernels: string; saved: SavedRun | null;
    /** Each model's recipes by dataset, and each optimizer's usual learning rate, for the form's defaults. */
    recipes: Record<Settings['model'], Record<RecipeName, Record<DatasetName, Recipe>>>;
    defaultLr: Record<OptimizerName, number>;
  }
  | { type: 'state'; state: RunState; message: string }
  | { type: 'settings'; settings: Settings; classes: readonly string[] }
  | { type: 'progress'; progress: Progress }
  | { type: 'charts'; loss: string; accuracy: string; epochTable: EpochRow[] }
  | { type: 'epoch-plots'; confusion: string; misclassified: string }
  | { type: 'prediction'; id: number; probabilities: number[] | null; classes: readonly string[] }
  | { type: 'file'; name: string; bytes: ArrayBuffer }
  | { type: 'saved'; step: number; epoch: number }
  | { type: 'dataset'; message: string }
  | { type: 'threads'; threads: number }
  | { type: 'bench'; samplesPerSec: number; msPerStep: number; threads: number }
  | { type: 'error'; message: string };

/** One epoch's line of the table under the charts. */
export interface EpochRow {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  valLoss: number | null;
  valAccuracy: number | null;
  seconds: number;
  samplesPerSec: number;
}
