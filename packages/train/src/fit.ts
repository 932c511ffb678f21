// fit(): epochs of steps over a DataLoader, validation after each epoch, a metrics history, callbacks at
// the step, epoch and fit boundaries, and exact resumption: a run resumed from any of its checkpoints
// trains on the same batches with the same random numbers and records the same metrics, bit for bit.
import type { AnyModule } from '@tensile/nn';
import { clipGradNorm } from '@tensile/optim';
import type { DataLoader } from '@tensile/data';
import { NonFiniteError, checkOptions, copy_, noGrad, setNanGuard, type Generator } from '@tensile/tensor';
import { availableMetrics, type Callback, type FitContext, type StopInfo } from './callbacks.js';
import { CheckpointError, NonFiniteLossError } from './errors.js';
import { MemoryHistory, metricOf, type EpochRecord, type MetricsHistory, type MetricsRecord, type StepRecord } from './history.js';
import type { JsonValue } from './json.js';
import { MetricScheduler } from './metric-scheduler.js';
import { captureState, restoreState, type AnyOptimizer, type TrainingParts, type TrainingState } from './state.js';
import { addBatch, classificationStep, emptySums, evaluate, means, measure, type MetricFn, type MetricSums, type StepFn } from './steps.js';


/** How often (ms) fit lets the event loop turn between steps. */
const TURN_MS = 50;

/** Resolves on a later task of the event loop (setImmediate in Node, a MessageChannel message in browsers). */
function nextTask(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => unknown };
  if (typeof g.setImmediate === 'function') return new Promise((resolve) => void g.setImmediate!(resolve));
  if (typeof MessageChannel === 'function') {
    return new Promise((resolve) => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => {
        ch.port1.close();
        resolve();
      };
      ch.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** What `fit` trains and how. */
export interface FitOptions<B> {
  model: AnyModule;
  optimizer: AnyOptimizer;
  /** The training batches; one pass is one epoch. Saved in checkpoints as loader "train". */
  train: DataLoader<any, B>;
  /** Evaluated after each epoch (loader "validation" in checkpoints); its metrics are the record's `val`. */
  validation?: DataLoader<any, B> | null;
  /** Train until this many epochs are done (a resumed run counts the epochs before its checkpoint). */
  epochs: number;
  /** The loss and metrics of one batch (default `classificationStep()`). */
  step?: StepFn<B>;
  /** More metrics of each batch from the step's output and target, averaged like the loss. */
  metrics?: Readonly<Record<string, MetricFn>>;
  callbacks?: readonly Callback[];
  /** Generators only a closure holds (an augmentation's); see `captureState`. */
  generators?: Readonly<Record<string, Generator>>;
  /** Where the records go (default: a new `MemoryHistory`). */
  history?: MetricsHistory;
  /** A checkpoint of this run (from `loadCheckpoint`, `checkpointFromBytes`, IndexedDB): continue from it. */
  resume?: TrainingState | null;
  /**
   * A NaN or infinite training loss: `stop` (default) ends the fit with `stopped` naming the step, `throw`
   * throws a NonFiniteLossError. Either way the optimizer does not take that step and the buffers the
   * forward pass moved (batch norm's running statistics) are put back: the model is as after the step before.
   */
  onNonFinite?: 'stop' | 'throw';
  /**
   * A finite training loss whose magnitude passes this is treated like a NaN one (default Infinity: only
   * NaN and ±Infinity). A classifier's cross-entropy past 10,000 has diverged and does not come back.
   */
  maxLoss?: number;
  /**
   * The NaN guard (`nanGuard` of @tensile/tensor) during each training step (default true): the first NaN or
   * ±Inf in a forward output, a gradient or an updated parameter raises a NonFiniteError naming the op, the
   * pass, the module path and the parameter. `onNonFinite` decides as for a non-finite loss: `stop` ends the
   * fit with `stopped.message` holding the guard's message, `throw` rethrows the error. A forward or backward
   * NaN leaves the model as after the step before (buffers put back); one in the optimizer step leaves the
   * parameters updated up to the one named.
   */
  nanGuard?: boolean;
  /** JSON saved in every checkpoint beside the run (settings); the key `fit` is fit's own. */
  extra?: Readonly<Record<string, unknown>>;
  /**
   * Clip the model's gradients to this global L2 norm after each backward, before the optimizer's step
   * (`clipGradNorm` from @tensile/optim, PyTorch's `clip_grad_norm_`; Lightning's `gradient_clip_val`).
   * Default: no clipping. The step record's `gradNorm` metric is the norm before clipping.
   */
  clipGradNorm?: number | null;
}

/** What `fit` returns. */
export interface FitResult {
  /** Every record of the run (those before a resume included). */
  history: readonly MetricsRecord[];
  /** The epoch records. */
  epochs: EpochRecord[];
  /** Optimizer steps and epochs done at the end. */
  step: number;
  epoch: number;
  /** Why the fit stopped before `epochs`, or null. */
  stopped: StopInfo | null;
  /** The step and epoch it resumed from, or null for a fresh run. */
  resumedFrom: { step: number; epoch: number } | null;
}

/** fit's own entry in a checkpoint's `extra`. */
interface FitState {
  epochsDone: number;
  partial: MetricSums | null;
  historyLength: number;
  records: MetricsRecord[] | null;
  callbacks: Record<string, JsonValue>;
  stopped: StopInfo | null;
}

const FIT_KEYS = ['model', 'optimizer', 'train', 'validation', 'epochs', 'step', 'metrics', 'callbacks', 'generators', 'history', 'resume', 'onNonFinite', 'maxLoss', 'nanGuard', 'extra', 'clipGradNorm'];

/**
 * Trains `model` for `epochs` epochs over `train`: per batch, `optimizer.zeroGrad()`, the step's loss,
 * `backward()`, `optimizer.step(loss)` (loss-driven schedulers see it); per epoch, validation and an epoch
 * record; callbacks at each boundary. With `resume`, the run continues exactly where its checkpoint was
 * taken, mid-epoch too.
 * @example
 * const history = new MemoryHistory();
 * const result = await fit({
 *   model, optimizer: new Adam(model, { lr: 1e-3 }), train, validation, epochs: 10, history,
 *   callbacks: [earlyStopping({ patience: 2 }), checkpoint({ save: (s) => store.save('run', s), everySteps: 200 })],
 * });
 */
export async function fit<B>(opts: FitOptions<B>): Promise<FitResult> {
  checkOptions('fit', opts, FIT_KEYS);
  const { model, optimizer, train, validation = null, epochs, metrics = {}, callbacks = [], generators = {}, extra = {}, onNonFinite = 'stop', maxLoss = Infinity, nanGuard = true, clipGradNorm: maxNorm = null } = opts;
  const stepFn = opts.step ?? (classificationStep() as unknown as StepFn<B>);
  const history = opts.history ?? new MemoryHistory();
  if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`fit: epochs must be an integer ≥ 0, got ${epochs}`);
  if (typeof stepFn !== 'function') throw new TypeError('fit: step must be a function (batch, ctx) => { loss, … }');
  if (onNonFinite !== 'stop' && onNonFinite !== 'throw') throw new TypeError(`fit: onNonFinite must be 'stop' or 'throw', got ${JSON.stringify(onNonFinite)}`);
  if (typeof nanGuard !== 'boolean') throw new TypeError(`fit: nanGuard must be a boolean, got ${JSON.stringify(nanGuard)}`);
  if (typeof maxLoss !== 'number' || !(maxLoss > 0)) throw new RangeError(`fit: maxLoss must be a number > 0 (Infinity for no bound), got ${maxLoss}`);
  if (maxNorm !== null && (typeof maxNorm !== 'number' || !(maxNorm > 0))) throw new RangeError(`fit: clipGradNorm must be a number > 0 (or null for no clipping), got ${maxNorm}`);
  if ('fit' in extra) throw new TypeError('fit: extra.fit is reserved for fit\'s own state; use another key');
  if (train === null || typeof train !== 'object' || typeof train.state !== 'function') throw new TypeError('fit: train must be a DataLoader from @tensile/data');
  const ordered = [...callbacks.filter((c) => !c.last), ...callbacks.filter((c) => c.last)];
  const stateful = statefulCallbacks(ordered);
  const scheduler = optimizer?.scheduler instanceof MetricScheduler ? optimizer.scheduler : null;
  if (scheduler && scheduler.monitor.startsWith('val.') && validation === null) {
    throw new TypeError(`fit: the optimizer's ${scheduler.name} watches "${scheduler.monitor}", which needs a validation loader`);
  }
  const parts: TrainingParts = { model, optimizer, loaders: validation ? { train, validation } : { train }, generators };

  let step = 0;
  let epochsDone = 0;
  let partial: MetricSums | null = null;
  let batch = 0;
  let epoch = 1;
  let stopped: StopInfo | null = null;
  let resumedFrom: FitResult['resumedFrom'] = null;
  if (opts.resume) {
    const fs = resumeRun(opts.resume, parts, stateful, history);
    ({ epochsDone, partial, stopped } = fs);
    step = opts.resume.step;
    resumedFrom = { step, epoch: epochsDone };
  } else {
    history.clear();
  }
  const samplesPerEpoch = train.dropLast ? train.length * train.batchSize : train.dataset.length;

  const fitState = (): FitState => ({
    epochsDone,
    partial: partial && { samples: partial.samples, batches: partial.batches, sums: { ...partial.sums } },
    historyLength: history.records.length,
    records: history.inCheckpoint ? [...history.records] : null,
    callbacks: Object.fromEntries(stateful.map((c) => [c.name!, c.stateDict!()])),
    stopped,
  });
  const ctx: FitContext = {
    model, optimizer, epochs, history, samplesPerEpoch,
    get epoch() { return epoch; },
    get step() { return step; },
    get batch() { return batch; },
    get batchesPerEpoch() { return train.length; },
    get running() { return partial ? means(partial) : {}; },
    get stopped() { return stopped; },
    stop(message, by = 'user') {
      stopped ??= { by, message, step, epoch };
    },
    capture: () => captureState({ ...parts, step, epoch: epochsDone, extra: { ...extra, fit: fitState() as unknown as JsonValue } }),
  };
  const run = async (hook: 'onFitStart' | 'onEpochStart' | 'onFitEnd') => {
    for (const c of ordered) await c[hook]?.(ctx);
  };

  await run('onFitStart');
  let lastTurn = performance.now();
  for (epoch = epochsDone + 1; epoch <= epochs && stopped === null; epoch++) {
    const sums = (partial ??= emptySums());
    batch = sums.batches;
    const began = performance.now();
    const samplesBefore = sums.samples;
    model.train();
    await run('onEpochStart');
    for (const b of train) {
      optimizer.zeroGrad();
      // The forward pass moves buffers (batch norm's running statistics); a step refused below puts them back.
      const buffers = model.namedBuffers().map(([, t]) => t);
      const saved = noGrad(() => buffers.map((t) => t.clone()));
      // The guard is a global flag: on for the synchronous part of the step only, never across an await.
      const prevGuard = setNanGuard(nanGuard);
      let guardError: NonFiniteError | null = null;
      let measured: ReturnType<typeof measure> | null = null;
      try {
        const out = stepFn(b, { model, training: true, step, epoch });
        measured = measure('fit', out, metrics);
        const { values } = measured;
        if (Number.isFinite(values.loss) && Math.abs(values.loss) <= maxLoss) {
          out.loss.backward();
          if (maxNorm !== null) values.gradNorm = clipGradNorm(model, maxNorm);
          optimizer.step(values.loss);
        }
      } catch (err) {
        if (!(err instanceof NonFiniteError)) throw err;
        guardError = err;
      } finally {
        setNanGuard(prevGuard);
      }
      if (guardError !== null) {
        if (guardError.pass !== 'optimizer step') noGrad(() => buffers.forEach((t, i) => copy_(t, saved[i]!)));
        if (onNonFinite === 'throw') throw guardError;
        const after = guardError.pass === 'optimizer step'
          ? `the optimizer had updated the parameters up to "${guardError.paramName}"`
          : `the optimizer did not take that step, so the model is as after step ${step}`;
        stopped = { by: 'nonFinite', message: `${guardError.message} (at step ${step + 1}, epoch ${epoch}, batch ${batch + 1}; ${after})`, step: step + 1, epoch };
        break;
      }
      const { size, values } = measured!;
      if (!Number.isFinite(values.loss) || Math.abs(values.loss) > maxLoss) {
        noGrad(() => buffers.forEach((t, i) => copy_(t, saved[i]!)));
        const what = Number.isFinite(values.loss) ? `${values.loss}, past maxLoss ${maxLoss},` : `${values.loss}`;
        const message = `the training loss is ${what} at step ${step + 1} (epoch ${epoch}, batch ${batch + 1}); the optimizer did not take that step, so the model is as after step ${step}`;
        if (onNonFinite === 'throw') throw new NonFiniteLossError(`fit: ${message}`, step + 1, epoch, batch + 1, values.loss);
        stopped = { by: 'nonFinite', message, step: step + 1, epoch };
        break;
      }
      step += 1;
      batch += 1;
      addBatch(sums, size, values);
      const record: StepRecord = { type: 'step', epoch, step, batch, lr: optimizer.lastLr[0]!, metrics: values };
      history.append(record);
      for (const c of ordered) await c.onStepEnd?.(ctx, record);
      if (stopped) break;
      // A turn of the event loop now and then: the finalizers that return dropped tensors' storage (wasm
      // memory) to its allocator run only between tasks, never inside a loop of awaited promises.
      if (performance.now() - lastTurn >= TURN_MS) {
        await nextTask();
        lastTurn = performance.now();
      }
    }
    if (stopped) break; // an epoch cut short gets no epoch record
    const trainSeconds = (performance.now() - began) / 1000;
    const val = validation ? evaluate(model, validation, { step: stepFn, metrics, epoch, globalStep: step }).metrics : undefined;
    model.train();
    const record: EpochRecord = {
      type: 'epoch', epoch, step, lr: optimizer.lastLr[0]!, train: means(sums), ...(val ? { val } : {}),
      seconds: (performance.now() - began) / 1000, samplesPerSec: (sums.samples - samplesBefore) / Math.max(trainSeconds, 1e-9),
    };
    partial = null;
    epochsDone = epoch;
    if (scheduler) {
      const v = metricOf(record, scheduler.monitor);
      if (v === undefined) throw new TypeError(`fit: the optimizer's ${scheduler.name} watches "${scheduler.monitor}", which the epoch record lacks (it has ${availableMetrics(record).join(', ')})`);
      scheduler.observe(v);
    }
    history.append(record);
    for (const c of ordered) await c.onEpochEnd?.(ctx, record);
  }
  epoch = stopped?.epoch ?? Math.max(epochsDone, 1); // the last epoch trained, for onFitEnd
  await run('onFitEnd');
  return {
    history: history.records,
    epochs: history.records.flatMap((r) => (r.type === 'epoch' ? [r] : [])),
    step,
    epoch: epochsDone,
    stopped,
    resumedFrom,
  };
}

/** The callbacks whose state goes into checkpoints; each needs a unique name. */
function statefulCallbacks(callbacks: readonly Callback[]): Callback[] {
  const out = callbacks.filter((c) => typeof c.stateDict === 'function');
  const names = new Set<string>();
  for (const c of out) {
    if (typeof c.name !== 'string' || c.name === '') throw new TypeError('fit: a callback with stateDict() needs a name (its key in checkpoints)');
    if (typeof c.loadStateDict !== 'function') throw new TypeError(`fit: the callback "${c.name}" has stateDict() but no loadStateDict()`);
    if (names.has(c.name)) throw new TypeError(`fit: two callbacks are named "${c.name}"; their states would share one key in checkpoints`);
    names.add(c.name);
  }
  return out;
}

/**
 * Restores the run, the callbacks' states and the history from `state`, all or nothing: if a callback or
 * the history refuses, the run is put back as it was.
 */
function resumeRun(state: TrainingState, parts: TrainingParts, stateful: Callback[], history: MetricsHistory): FitState {
  const fs = checkFitState(state);
  const savedNames = Object.keys(fs.callbacks).sort();
  const names = stateful.map((c) => c.name!).sort();
  if (savedNames.join('\0') !== names.join('\0')) {
    throw new CheckpointError('fit', `fit: the checkpoint has state for the callbacks [${savedNames.join(', ')}] but this fit has [${names.join(', ')}]. Nothing was restored.`);
  }
  const before = captureState(parts);
  const callbacksBefore = stateful.map((c) => [c, c.stateDict!()] as const);
  restoreState(state, parts);
  let loading = '';
  try {
    for (const c of stateful) {
      loading = `the state of the callback "${c.name}"`;
      c.loadStateDict!(fs.callbacks[c.name!]!);
    }
    loading = 'the metrics history';
    history.resume(fs.historyLength, fs.records);
  } catch (e) {
    for (const [c, s] of callbacksBefore) c.loadStateDict!(s);
    restoreState(before, parts);
    throw new CheckpointError('fit', `fit: ${loading} cannot be restored: ${(e as Error).message}. Nothing was restored.`, { cause: e });
  }
  return fs;
}

function checkFitState(state: TrainingState): FitState {
  const fs = state?.extra?.fit as unknown as FitState | undefined;
  const bad = (what: string): never => {
    throw new CheckpointError('fit', `fit: ${what}. Nothing was restored.`);
  };
  if (fs === undefined || fs === null || typeof fs !== 'object') return bad('the checkpoint was not written by fit (its extra has no "fit" entry); restore it with restoreState');
  if (!Number.isInteger(fs.epochsDone) || fs.epochsDone !== state.epoch) bad(`its fit.epochsDone (${fs.epochsDone}) does not match its epoch (${state.epoch})`);
  if (!Number.isInteger(fs.historyLength) || fs.historyLength < 0) bad('its fit.historyLength is not an integer ≥ 0');
  if (fs.records !== null && !Array.isArray(fs.records)) bad('its fit.records is neither null nor an array');
  if (fs.callbacks === null || typeof fs.callbacks !== 'object') bad('its fit.callbacks is not an object');
  const p = fs.partial;
  if (p !== null && (typeof p !== 'object' || !Number.isInteger(p.samples) || !Number.isInteger(p.batches) || typeof p.sums !== 'object' || p.sums === null)) {
    bad('its fit.partial (the sums of the epoch under way) is malformed');
  }
  return { ...fs, partial: p && { samples: p.samples, batches: p.batches, sums: { ...p.sums } } };
}
