// One training run: a model, its optimizer, its data loader and the random generators it draws from, with
// the training step, evaluation, and a resumable state that goes into a checkpoint.
import { crossEntropy, type Module } from '@tensile/nn';
import type { OptimizerStateDict, StateValue } from '@tensile/optim';
import { Generator as SeededGenerator, Tensor, noGrad, type GeneratorState } from '@tensile/tensor';
import type { DataLoader, DataLoaderState, TensorDataset } from '@tensile/data';
import { CheckpointError, type Checkpoint } from './checkpoint.js';
import type { AnyOptimizer } from './optimizers.js';

/** A batch of images and int32 labels. */
export type Batch = [Tensor, Tensor];

/** What a run is made of. */
export interface RunParts {
  model: Module<[Tensor], Tensor>;
  optimizer: AnyOptimizer;
  loader: DataLoader<Batch, Batch>;
  /** Generators the run draws from besides the loader's (dropout, augmentation); saved in checkpoints. */
  generators?: Record<string, SeededGenerator>;
  /** Applied to each training batch's inputs (augmentation, normalisation, flattening). */
  trainTransform?: (x: Tensor) => Tensor;
  /** Applied to evaluation inputs. */
  evalTransform?: (x: Tensor) => Tensor;
  labelSmoothing?: number;
}

/** Sums over the batches of an epoch. */
export interface EpochTotals {
  /** Σ batch mean loss × batch size. */
  lossSum: number;
  correct: number;
  samples: number;
  batches: number;
}

/** One training step's numbers. */
export interface StepResult {
  /** The optimizer step just taken (1 for the first). */
  step: number;
  /** Batches of this epoch done, this one included. */
  batch: number;
  loss: number;
  accuracy: number;
  /** The learning rate this step used. */
  lr: number;
  totals: EpochTotals;
}

/** The accuracy and loss on a dataset, and each sample's predicted class. */
export interface Evaluation {
  loss: number;
  accuracy: number;
  predictions: Int32Array;
}

/**
 * Past this, a classifier's cross-entropy has diverged: it starts near ln C (2.3 for 10 classes), and a loss
 * of 10,000 means logits off by thousands, which no run comes back from (`--lr 1e9` reaches 1e21 and stays).
 */
export const DIVERGED_LOSS = 1e4;

/**
 * The training loss turned NaN or infinite, or passed `DIVERGED_LOSS`: training stops before that step's
 * update, so the parameters, the optimizer's state and the last checkpoint hold the values from before it.
 */
export class DivergenceError extends Error {
  override name = 'DivergenceError';
  constructor(
    /** NaN, ±Infinity, or a finite loss past `DIVERGED_LOSS`. */
    readonly loss: number,
    readonly epoch: number,
    /** The batch of the epoch (1 for the first). */
    readonly batch: number,
    /** The optimizer step this batch would have taken. */
    readonly step: number,
    readonly lastFinite: { loss: number; step: number } | null,
  ) {
    const last = lastFinite === null ? 'no earlier step had a finite loss' : `the last finite loss was ${Number(lastFinite.loss.toPrecision(5))} at step ${lastFinite.step}`;
    const what = Number.isFinite(loss) ? `${loss.toPrecision(5)}, past ${DIVERGED_LOSS.toLocaleString('en-US')} (it has diverged)` : String(loss);
    super(`the training loss became ${what} at epoch ${epoch}, batch ${batch} (step ${step}); ${last}. Training stopped before this step's update`);
  }
}

/** The JSON part of a run's state in a checkpoint. */
interface RunMeta {
  epochsDone: number;
  partial: EpochTotals | null;
  /** The loss of the last step and its number (absent in checkpoints written before it was kept). */
  lastLoss?: { loss: number; step: number } | null;
  loader: DataLoaderState;
  generators: Record<string, GeneratorState>;
  optimizer: unknown;
}

const zeroTotals = (): EpochTotals => ({ lossSum: 0, correct: 0, samples: 0, batches: 0 });

/**
 * A model being trained. `trainEpoch()` is a generator that takes one optimizer step per batch and yields
 * its numbers, so the caller can draw progress or write a checkpoint between any two steps.
 * @example
 * const run = new Run({ model, optimizer, loader });
 * for (const s of run.trainEpoch()) console.log(s.step, s.loss);
 * const { accuracy } = run.evaluate(test);
 */
export class Run {
  readonly parts: RunParts;
  /** Epochs finished. */
  epochsDone = 0;
  /** The sums of the epoch under way (null between epochs). */
  private partial: EpochTotals | null = null;
  /** The last step's loss, for the message when the next one is NaN. */
  private lastLoss: { loss: number; step: number } | null = null;

  constructor(parts: RunParts) {
    this.parts = parts;
  }

  get step(): number {
    return this.parts.optimizer.stepCount;
  }

  /** Batches per epoch. */
  get batchesPerEpoch(): number {
    return this.parts.loader.length;
  }

  /** Batches of the epoch under way already done (non-zero only in a run resumed mid-epoch). */
  get batchesDone(): number {
    return this.partial?.batches ?? 0;
  }

  /**
   * Trains one epoch (or the rest of one, after a mid-epoch resume); returns its sums.
   * @throws DivergenceError when a batch's loss is NaN, infinite or past `DIVERGED_LOSS`, before that step's update
   */
  *trainEpoch(): Generator<StepResult, EpochTotals> {
    const { model, optimizer, loader, trainTransform, labelSmoothing = 0 } = this.parts;
    model.train();
    const totals = (this.partial ??= zeroTotals());
    for (const [x, y] of loader) {
      const input = trainTransform ? trainTransform(x) : x;
      optimizer.zeroGrad();
      const logits = model.forward(input);
      const loss = crossEntropy(logits, y, { labelSmoothing });
      const value = loss.item();
      if (!(Math.abs(value) <= DIVERGED_LOSS)) throw new DivergenceError(value, this.epochsDone + 1, totals.batches + 1, optimizer.stepCount + 1, this.lastLoss);
      loss.backward();
      optimizer.step();
      this.lastLoss = { loss: value, step: optimizer.stepCount };
      const n = y.shape[0]!;
      const correct = noGrad(() => logits.argmax(1).eq(y).sum().item());
      totals.lossSum += value * n;
      totals.correct += correct;
      totals.samples += n;
      totals.batches += 1;
      yield { step: optimizer.stepCount, batch: totals.batches, loss: value, accuracy: correct / n, lr: optimizer.lastLr[0]!, totals: { ...totals } };
    }
    this.partial = null;
    this.epochsDone += 1;
    return totals;
  }

  /** Mean loss, accuracy and predictions on `dataset`, in eval mode (no dropout, batch norm's running stats). */
  evaluate(dataset: TensorDataset<Batch>, batchSize = 500): Evaluation {
    const { model, evalTransform } = this.parts;
    const [images, labels] = dataset.tensors;
    const n = labels.shape[0]!;
    const predictions = new Int32Array(n);
    let lossSum = 0;
    let correct = 0;
    model.eval();
    noGrad(() => {
      for (let start = 0; start < n; start += batchSize) {
        const size = Math.min(batchSize, n - start);
        const x = images.narrow(0, start, size);
        const y = labels.narrow(0, start, size);
        const logits = model.forward(evalTransform ? evalTransform(x) : x);
        lossSum += crossEntropy(logits, y, { reduction: 'sum' }).item();
        const pred = logits.argmax(1);
        correct += pred.eq(y).sum().item();
        predictions.set(pred.toTypedArray() as Int32Array, start);
      }
    });
    model.train();
    return { loss: lossSum / n, accuracy: correct / n, predictions };
  }

  /**
   * The run's state: tensors `model.<name>` and `optimizer.<parameter>.<key>`, and the JSON of the rest,
   * every name behind `prefix` (several runs share a file in the optimizer comparison).
   */
  state(prefix = ''): Checkpoint {
    const { model, optimizer, loader, generators = {} } = this.parts;
    const tensors = new Map<string, Tensor>();
    for (const [name, t] of model.stateDict()) tensors.set(`${prefix}model.${name}`, t);
    const sd = optimizer.stateDict();
    // Tensors go into the file as tensors; the JSON keeps a reference to each by its name.
    const state: Record<string, Record<string, unknown>> = {};
    for (const [param, entries] of Object.entries(sd.state)) {
      state[param] = {};
      for (const [key, v] of Object.entries(entries)) {
        if (v instanceof Tensor) {
          const name = `${prefix}optimizer.${param}.${key}`;
          tensors.set(name, v);
          state[param]![key] = { tensor: name };
        } else state[param]![key] = v;
      }
    }
    const meta: RunMeta = {
      epochsDone: this.epochsDone,
      partial: this.partial,
      lastLoss: this.lastLoss,
      loader: loader.state(),
      generators: Object.fromEntries(Object.entries(generators).map(([k, g]) => [k, g.getState()])),
      optimizer: { ...sd, state },
    };
    return { tensors, meta: { [`${prefix}run`]: meta } };
  }

  /**
   * Restores `state(prefix)`. Everything is checked before anything changes: a model that does not fit
   * (names, shapes, dtypes), optimizer state that does not fit, a loader or generator that differs. On
   * any problem it throws, listing them, and the run is as it was.
   */
  restore(ckpt: Checkpoint, prefix = ''): void {
    const { model, optimizer, loader, generators = {} } = this.parts;
    const meta = ckpt.meta[`${prefix}run`] as RunMeta | undefined;
    if (meta === undefined || typeof meta !== 'object' || meta === null) throw new CheckpointError(`the checkpoint has no state for the run "${prefix}run"`);
    const modelSd = new Map<string, Tensor>();
    for (const [name, t] of ckpt.tensors) if (name.startsWith(`${prefix}model.`)) modelSd.set(name.slice(prefix.length + 6), t);

    const problems: string[] = [];
    const osd = decodeOptimizer(meta.optimizer, ckpt.tensors, problems);
    const names = Object.keys(generators).sort();
    const saved = Object.keys(meta.generators ?? {}).sort();
    if (names.join() !== saved.join()) problems.push(`the checkpoint has generators [${saved.join(', ')}] but this run has [${names.join(', ')}]`);
    const generatorStates = new Map<string, GeneratorState>();
    for (const name of names) {
      const s = meta.generators?.[name];
      if (s === undefined) continue;
      try {
        new SeededGenerator().setState(s);
        generatorStates.set(name, s);
      } catch {
        problems.push(`generator "${name}" has an invalid state`);
      }
    }
    if (!Number.isInteger(meta.epochsDone) || meta.epochsDone < 0) problems.push(`epochsDone must be an integer ≥ 0, got ${JSON.stringify(meta.epochsDone)}`);
    if (problems.length > 0) throw new CheckpointError(`${problems.join('; ')}. Nothing was loaded.`);

    // The model validates everything before it copies anything; the optimizer and the loader do too, and
    // if either refuses, the model's previous values are put back.
    const before = noGrad(() => new Map([...model.stateDict()].map(([k, t]) => [k, t.clone()])));
    const optimizerBefore = optimizer.stateDict();
    const loaderBefore = loader.state();
    model.loadStateDict(modelSd);
    try {
      optimizer.loadStateDict(osd!);
      loader.setState(meta.loader);
    } catch (e) {
      model.loadStateDict(before);
      optimizer.loadStateDict(optimizerBefore);
      loader.setState(loaderBefore);
      throw e;
    }
    for (const [name, s] of generatorStates) generators[name]!.setState(s);
    this.epochsDone = meta.epochsDone;
    this.partial = meta.partial ? { ...meta.partial } : null;
    this.lastLoss = meta.lastLoss ?? null;
  }
}

/** The optimizer's state dict from its JSON, with each `{ tensor: name }` replaced by that tensor. */
function decodeOptimizer(json: unknown, tensors: ReadonlyMap<string, Tensor>, problems: string[]): OptimizerStateDict | null {
  if (typeof json !== 'object' || json === null) {
    problems.push('the checkpoint has no optimizer state');
    return null;
  }
  const sd = json as OptimizerStateDict;
  const state: OptimizerStateDict['state'] = {};
  for (const [param, entries] of Object.entries(sd.state ?? {})) {
    state[param] = {};
    for (const [key, v] of Object.entries(entries as Record<string, unknown>)) {
      if (v !== null && typeof v === 'object' && typeof (v as { tensor?: unknown }).tensor === 'string') {
        const name = (v as { tensor: string }).tensor;
        const t = tensors.get(name);
        if (t === undefined) problems.push(`the optimizer state of "${param}" refers to a tensor "${name}" that is not in the file`);
        else state[param]![key] = t;
      } else state[param]![key] = v as StateValue;
    }
  }
  return { ...sd, state };
}
