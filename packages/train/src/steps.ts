// What one batch does: a step function computes the loss (and the batch's metrics) from a batch; `fit`
// does the rest (zeroGrad, backward, optimizer.step(loss)) in training, and runs the same function under
// noGrad in eval mode for validation. The default steps cover classification (cross-entropy, accuracy) and
// regression (mean squared error); anything else supplies its own.
import { crossEntropy, l1Loss, mseLoss, type AnyModule } from '@tensile/nn';
import { Tensor, checkOptions, noGrad } from '@tensile/tensor';

/** What a step function knows about where it is. */
export interface StepContext {
  /** The model being fit (typed loosely: a step of your own can use its own typed reference instead). */
  model: AnyModule;
  /** True in a training step (grad on, model in train mode), false in evaluation (noGrad, eval mode). */
  training: boolean;
  /** Optimizer steps taken before this batch. */
  step: number;
  /** The epoch under way (1 for the first; 0 outside `fit`). */
  epoch: number;
}

/** What a step function returns for one batch. */
export interface StepOutput {
  /** The batch's mean loss: a one-element tensor (the graph is needed in training). */
  loss: Tensor;
  /** The model's output and the target, for metric functions (and predictions in `evaluate`). */
  output?: Tensor;
  target?: Tensor;
  /** Samples in the batch, the weight of its means (default: the target's or output's first dimension, else 1). */
  size?: number;
  /** More batch means to record beside `loss` (classificationStep adds `accuracy`). */
  metrics?: Record<string, number>;
}

/** One batch in, its loss and metrics out. */
export type StepFn<B> = (batch: B, ctx: StepContext) => StepOutput;

/** A metric of a batch from the output and target (a batch mean), computed under noGrad. */
export type MetricFn = (output: Tensor, target: Tensor) => number;

/** Options of `classificationStep`. */
export interface ClassificationStepOptions {
  /** Applied to the inputs of training batches (augmentation, normalisation). */
  transform?: (x: Tensor) => Tensor;
  /** Applied to the inputs of evaluation batches (default: none). */
  evalTransform?: (x: Tensor) => Tensor;
  /** crossEntropy's labelSmoothing in training (default 0). */
  labelSmoothing?: number;
}

/**
 * The step for `[inputs, classLabels]` batches: logits = model(x), cross-entropy loss, and accuracy
 * (argmax over dim 1 equals the label).
 * @example
 * await fit({ model, optimizer, train, epochs: 5, step: classificationStep({ transform: augment }) });
 */
export function classificationStep(opts: ClassificationStepOptions = {}): StepFn<[Tensor, Tensor]> {
  checkOptions('classificationStep', opts, ['transform', 'evalTransform', 'labelSmoothing']);
  const { transform, evalTransform, labelSmoothing = 0 } = opts;
  return (batch, ctx) => {
    const [x, y] = checkBatch('classificationStep', batch);
    const t = ctx.training ? transform : evalTransform;
    const output = ctx.model.forward(t ? t(x) : x) as Tensor;
    const loss = crossEntropy(output, y, ctx.training && labelSmoothing > 0 ? { labelSmoothing } : {});
    const accuracy = noGrad(() => output.argmax(1).eq(y).sum().item()) / y.shape[0]!;
    return { loss, output, target: y, metrics: { accuracy } };
  };
}

/** Options of `regressionStep`. */
export interface RegressionStepOptions {
  /** The loss: mean squared error (default) or mean absolute error. */
  loss?: 'mse' | 'l1';
  transform?: (x: Tensor) => Tensor;
  evalTransform?: (x: Tensor) => Tensor;
}

/**
 * The step for `[inputs, targets]` batches with real targets of the output's shape: the mean squared
 * (or absolute) error.
 * @example
 * await fit({ model, optimizer, train, epochs: 20, step: regressionStep(), metrics: { mae } });
 */
export function regressionStep(opts: RegressionStepOptions = {}): StepFn<[Tensor, Tensor]> {
  checkOptions('regressionStep', opts, ['loss', 'transform', 'evalTransform']);
  const { loss: kind = 'mse', transform, evalTransform } = opts;
  if (kind !== 'mse' && kind !== 'l1') throw new TypeError(`regressionStep: loss must be 'mse' or 'l1', got ${JSON.stringify(kind)}`);
  const lossFn = kind === 'mse' ? mseLoss : l1Loss;
  return (batch, ctx) => {
    const [x, y] = checkBatch('regressionStep', batch);
    const t = ctx.training ? transform : evalTransform;
    const output = ctx.model.forward(t ? t(x) : x) as Tensor;
    return { loss: lossFn(output, y), output, target: y };
  };
}

function checkBatch(where: string, batch: unknown): [Tensor, Tensor] {
  if (!Array.isArray(batch) || batch.length !== 2 || !(batch[0] instanceof Tensor) || !(batch[1] instanceof Tensor)) {
    throw new TypeError(`${where}: expected a batch [inputs, targets] of two tensors (a TensorDataset of two tensors gives them); pass your own step for other batches`);
  }
  return batch as [Tensor, Tensor];
}

/** The batch's size, its loss as a number and its metrics (step metrics, then metric functions), checked. */
export function measure(where: string, out: StepOutput, metricFns: Readonly<Record<string, MetricFn>>): { size: number; values: Record<string, number> & { loss: number } } {
  if (out === null || typeof out !== 'object' || !(out.loss instanceof Tensor) || out.loss.numel !== 1) {
    throw new TypeError(`${where}: the step must return { loss } with loss a one-element tensor`);
  }
  const size = out.size ?? out.target?.shape[0] ?? out.output?.shape[0] ?? 1;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`${where}: the batch size must be a positive integer, got ${size}`);
  const values: Record<string, number> & { loss: number } = { loss: out.loss.item() };
  for (const [k, v] of Object.entries(out.metrics ?? {})) {
    if (k === 'loss') throw new TypeError(`${where}: the step's metrics must not be called "loss" (it is recorded already)`);
    if (typeof v !== 'number') throw new TypeError(`${where}: the step's metric "${k}" must be a number, got ${typeof v}`);
    values[k] = v;
  }
  const fnNames = Object.keys(metricFns);
  if (fnNames.length > 0) {
    if (!(out.output instanceof Tensor) || !(out.target instanceof Tensor)) {
      throw new TypeError(`${where}: metrics [${fnNames.join(', ')}] need the step to return output and target`);
    }
    noGrad(() => {
      for (const [k, fn] of Object.entries(metricFns)) {
        const v = fn(out.output!, out.target!);
        if (typeof v !== 'number') throw new TypeError(`${where}: metric "${k}" must return a number, got ${typeof v}`);
        values[k] = v;
      }
    });
  }
  return { size, values };
}

/** Sample-weighted sums of metrics over batches; plain JSON, so an epoch under way goes into a checkpoint. */
export interface MetricSums {
  samples: number;
  batches: number;
  sums: Record<string, number>;
}

export const emptySums = (): MetricSums => ({ samples: 0, batches: 0, sums: {} });

/** Adds one batch (Σ mean × size, in batch order, so a resumed epoch sums the same way). */
export function addBatch(s: MetricSums, size: number, values: Readonly<Record<string, number>>): void {
  for (const [k, v] of Object.entries(values)) s.sums[k] = (s.sums[k] ?? 0) + v * size;
  s.samples += size;
  s.batches += 1;
}

/** The sample-weighted means. */
export function means(s: MetricSums): Record<string, number> {
  return Object.fromEntries(Object.entries(s.sums).map(([k, v]) => [k, v / s.samples]));
}

/** Options of `evaluate`. */
export interface EvaluateOptions<B> {
  /** Default: `classificationStep()`. */
  step?: StepFn<B>;
  metrics?: Readonly<Record<string, MetricFn>>;
  /** Also return each sample's predicted class (argmax of the output over dim 1), for a confusion matrix. */
  predictions?: boolean;
  /** The epoch and step passed to the step function (default 0). */
  epoch?: number;
  globalStep?: number;
}

/** What `evaluate` returns: sample-weighted means, and the predictions when asked. */
export interface Evaluation {
  metrics: Record<string, number>;
  samples: number;
  predictions?: Int32Array;
}

/**
 * Runs `step` over every batch of `loader` in eval mode under noGrad and averages the metrics; the
 * model's train/eval mode is put back after.
 * @example
 * const { metrics } = evaluate(model, testLoader); // { loss: 0.08, accuracy: 0.975 }
 */
export function evaluate<B>(model: AnyModule, loader: Iterable<B>, opts: EvaluateOptions<B> = {}): Evaluation {
  checkOptions('evaluate', opts, ['step', 'metrics', 'predictions', 'epoch', 'globalStep']);
  const step = opts.step ?? (classificationStep() as unknown as StepFn<B>);
  const metricFns = opts.metrics ?? {};
  const modes = model.modules().map((m) => [m, m.training] as const);
  const sums = emptySums();
  const predicted: Int32Array[] = [];
  model.eval();
  try {
    noGrad(() => {
      for (const batch of loader) {
        const out = step(batch, { model, training: false, step: opts.globalStep ?? 0, epoch: opts.epoch ?? 0 });
        const { size, values } = measure('evaluate', out, metricFns);
        addBatch(sums, size, values);
        if (opts.predictions) {
          if (!(out.output instanceof Tensor) || out.output.ndim !== 2) throw new TypeError('evaluate: predictions need the step to return a 2-d output [batch, classes]');
          predicted.push(out.output.argmax(1).to('int32').toTypedArray() as Int32Array);
        }
      }
    });
  } finally {
    for (const [m, training] of modes) m.training = training;
  }
  const result: Evaluation = { metrics: means(sums), samples: sums.samples };
  if (opts.predictions) {
    const all = new Int32Array(predicted.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of predicted) {
      all.set(p, at);
      at += p.length;
    }
    result.predictions = all;
  }
  return result;
}
