// Shared by the tests: a small seeded classification run with every kind of state (parameters, a batch
// norm's buffers, dropout drawing from the default generator and from its own, an augmentation generator,
// a shuffling loader, Adam with a metric-watching scheduler), and exact snapshots of everything it holds.
import { BatchNorm1d, Dropout, Linear, ReLU, Sequential } from '@tensile/nn';
import { Adam, ReduceLROnPlateau, SGD } from '@tensile/optim';
import { DataLoader, TensorDataset } from '@tensile/data';
import { Generator, getDefaultGenerator, manualSeed, noGrad, randn, type Tensor } from '@tensile/tensor';
import { MetricScheduler } from '../src/metric-scheduler.js';
import type { AnyOptimizer } from '../src/state.js';

export type Batch = [Tensor, Tensor];

/** A run's parts; build it twice with the same options to get two identical runs. */
export interface SmallRun {
  model: Sequential;
  optimizer: AnyOptimizer;
  train: DataLoader<Batch, Batch>;
  validation: DataLoader<Batch, Batch>;
  augment: Generator;
  transform: (x: Tensor) => Tensor;
}

/** Options of `makeRun`. */
export interface RunOptions {
  seed?: number;
  hidden?: number;
  optimizer?: 'adam' | 'sgd';
  samples?: number;
  batchSize?: number;
  features?: number;
  /** Watch val.loss with ReduceLROnPlateau (default true). */
  plateau?: boolean;
}

export function makeRun(opts: RunOptions = {}): SmallRun {
  const { seed = 0, hidden = 8, optimizer = 'adam', samples = 60, batchSize = 8, features = 6, plateau = true } = opts;
  manualSeed(seed);
  const data = new Generator(`${seed}/data`);
  const x = randn([samples, features], { generator: data, dtype: 'float64' });
  // Labels from a fixed linear rule plus noise, so the model has something to learn.
  const w = randn([features, 3], { generator: data, dtype: 'float64' });
  const y = noGrad(() => x.matmul(w).add(randn([samples, 3], { generator: data, dtype: 'float64' }).mul(0.5)).argmax(1)).to('int32');
  const valX = randn([20, features], { generator: data, dtype: 'float64' });
  const valY = noGrad(() => valX.matmul(w).add(randn([20, 3], { generator: data, dtype: 'float64' }).mul(0.5)).argmax(1)).to('int32');
  const init = new Generator(`${seed}/init`);
  const model = new Sequential(
    new Linear(features, hidden, { generator: init, dtype: 'float64' }), new BatchNorm1d(hidden, { dtype: 'float64' }), new ReLU(),
    new Dropout(0.2), // draws from the default generator
    new Linear(hidden, hidden, { generator: init, dtype: 'float64' }), new ReLU(),
    new Dropout(0.1, { generator: new Generator(`${seed}/dropout`) }),
    new Linear(hidden, 3, { generator: init, dtype: 'float64' }),
  );
  const scheduler = plateau ? new MetricScheduler(new ReduceLROnPlateau({ lr: 0.05, patience: 0, factor: 0.5, threshold: 0.1 }), { monitor: 'val.loss' }) : null;
  const opt = optimizer === 'adam' ? new Adam(model, { lr: 0.05, scheduler }) : new SGD(model, { lr: 0.05, scheduler });
  const augment = new Generator(`${seed}/augment`);
  const transform = (t: Tensor) => t.add(randn(t.shape, { generator: augment, dtype: t.dtype }).mul(0.05));
  return {
    model,
    optimizer: opt as unknown as AnyOptimizer,
    train: new DataLoader(new TensorDataset<Batch>(x, y), { batchSize, shuffle: true, generator: new Generator(`${seed}/shuffle`) }),
    validation: new DataLoader(new TensorDataset<Batch>(valX, valY), { batchSize: 10 }),
    augment,
    transform,
  };
}

/** The error a promise rejects with (failing when it resolves). */
export function rejection<E = Error>(p: Promise<unknown>): Promise<E> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as E,
  );
}

/** Every number a run holds, exactly: model tensors, optimizer state, loaders, generators. */
export function snapshot(run: SmallRun): unknown {
  const tensors: Record<string, number[]> = {};
  for (const [k, t] of run.model.stateDict()) tensors[k] = Array.from(t.toTypedArray() as ArrayLike<number>);
  const sd = run.optimizer.stateDict();
  const state: Record<string, Record<string, unknown>> = {};
  for (const [p, entries] of Object.entries(sd.state)) {
    state[p] = Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, typeof v === 'object' && v !== null ? Array.from(v.toTypedArray() as ArrayLike<number>) : v]));
  }
  return {
    tensors,
    optimizer: { ...sd, state, lastLr: run.optimizer.lastLr },
    train: run.train.state(),
    validation: run.validation.state(),
    generators: [getDefaultGenerator().getState(), run.augment.getState(), run.model.modules().flatMap((m) => ('generator' in m && m.generator ? [(m.generator as Generator).getState()] : []))],
  };
}
