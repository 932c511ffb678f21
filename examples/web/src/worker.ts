// The training worker: loads the data, builds the run exactly as `pnpm mnist` / `pnpm mnist:cnn` do
// (buildClassifierRun), trains it with @tensile/train's fit, and keeps the page informed. It saves the run to
// IndexedDB as it goes, so a reloaded page can continue it, and answers predictions and downloads between
// steps: a callback hands control back to the event loop every few tens of milliseconds, and waits there
// while the run is paused.
import {
  DATASET_NAMES, DEFAULT_LR, buildClassifierRun, type ClassifierConfig, type ClassifierExample, type ClassifierRun,
  type DatasetName, type Recipe, type RecipeName,
} from '@tensile/examples-common/browser';
import { mlpExample } from '@tensile/example-mnist-mlp/example';
import { cnnExample } from '@tensile/example-mnist-cnn/example';
import { saveSafetensors } from '@tensile/nn';
import { Tensor, getNumThreads, listBackends, noGrad, setBackend, setNumThreads, softmax } from '@tensile/tensor';
import {
  DataLoader, FASHION_MNIST_CLASSES, TensorDataset, decodeIdx, gunzip, idxImageDataset, isGzip, mnistFromDigits,
  type IdxArray, type ImageClassificationData,
} from '@tensile/data';
import {
  IndexedDBCheckpointStore, MemoryHistory, checkpoint, checkpointFromBytes, checkpointToBytes, classificationPlots,
  evaluate, fit, lineChart, lossChart, smooth, type Callback, type EpochRecord, type FitContext, type MetricsRecord, type StepRecord, type TrainingState,
} from '@tensile/train';
import { kernelBuild } from './kernels.js';
import { w1 } from './w1.js';
import type { EpochRow, FromWorker, IdxFiles, Progress, SavedRun, Settings, ToWorker } from './protocol.js';

type Batch = [Tensor, Tensor];

const EXAMPLES: Record<Settings['model'], ClassifierExample> = { mlp: mlpExample, cnn: cnnExample };
const modelOfExample = (name: unknown): Settings['model'] | null => (name === mlpExample.name ? 'mlp' : name === cnnExample.name ? 'cnn' : null);
/** The key of the run in IndexedDB, and how often (in steps) it is saved there besides each epoch's end. */
const KEY = 'run';
const SAVE_EVERY = 50;
/** A classifier's cross-entropy past this has diverged (the examples' bound). */
const DIVERGED_LOSS = 1e4;

const post = (m: FromWorker, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);
const store = new IndexedDBCheckpointStore({ database: 'tensile-web' });
const backend = listBackends().includes('wasm') ? 'wasm' : 'js';
setBackend(backend);
const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
// The thread count is the Threads field's (4 by default, at most the cores) rather than @tensile/tensor's
// measured default, so a run states its count. The pool starts on first use, its threads join as soon as this
// worker yields (between training steps), and the calling thread runs the jobs of any that has not started
// yet. Threads give the same results as one.
const maxThreads = isolated ? Math.max(1, Math.min(8, navigator.hardwareConcurrency || 1)) : 1;
if (isolated) setNumThreads(Math.min(4, maxThreads));

let dataUrl = '';
let digits: Promise<Float64Array[]> | null = null;
let fashion: { train: [IdxArray, IdxArray, string]; test: [IdxArray, IdxArray, string] } | null = null;

/** The run under way (or finished): its parts, its fit context while training, its final state. */
interface Current {
  config: ClassifierConfig;
  ex: ClassifierExample;
  run: ClassifierRun;
  classes: readonly string[];
  history: MemoryHistory;
  ctx: FitContext | null;
  final: TrainingState | null;
}
let current: Current | null = null;
let paused = false;
let wake: (() => void) | null = null;
const state = (s: FromWorker & { type: 'state' }) => post(s);

/**
 * The digits of the `mnist` package from the page's static asset (two gzipped IDX files, digit 0's images
 * first), as the per-digit pixel arrays `mnistFromDigits` takes (byte / 255, which it snaps back to the byte).
 */
async function loadDigits(): Promise<Float64Array[]> {
  const read = async (name: string) => {
    const res = await fetch(new URL(name, dataUrl));
    if (!res.ok) throw new Error(`cannot load ${name}: HTTP ${res.status}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    return decodeIdx(isGzip(bytes) ? await gunzip(bytes, { source: name }) : bytes, { source: name });
  };
  const [images, labels] = await Promise.all([read('mnist-digits-images-idx3-ubyte.gz'), read('mnist-digits-labels-idx1-ubyte.gz')]);
  const perDigit: Float64Array[] = [];
  const pixels = images.data as Uint8Array;
  for (let d = 0, at = 0; d < 10; d++) {
    let n = 0;
    while (at + n < labels.shape[0]! && labels.data[at + n] === d) n++;
    const values = new Float64Array(n * 784);
    for (let i = 0; i < values.length; i++) values[i] = pixels[at * 784 + i]! / 255;
    perDigit.push(values);
    at += n;
  }
  if (perDigit.reduce((s, d) => s + d.length / 784, 0) !== labels.shape[0]) throw new Error('the digits asset is not in digit order; rebuild it (node scripts/digits.mjs)');
  return perDigit;
}

function firstN(ds: TensorDataset<Batch>, n: number | null): TensorDataset<Batch> {
  if (n === null || n >= ds.length) return ds;
  const [x, y] = ds.tensors;
  return new TensorDataset<Batch>(x.narrow(0, 0, n).contiguous(), y.narrow(0, 0, n).contiguous());
}

/** The data of a run, with its trainSize / testSize as `loadImages` in Node applies them. */
async function dataFor(config: ClassifierConfig): Promise<ImageClassificationData> {
  const { trainSize, testSize } = config;
  if (config.dataset === 'mnist') {
    digits ??= loadDigits();
    // As loadImages in Node asks mnist() for them: trainSize alone leaves up to 2,000 of the rest for testing.
    const sizes = { ...(trainSize === null ? {} : { trainSize }), ...(testSize === null ? {} : { testSize }) };
    if (trainSize !== null && testSize === null) sizes.testSize = Math.min(2000, 10000 - trainSize);
    return mnistFromDigits(await digits, { ...sizes, dtype: config.dtype });
  }
  if (fashion === null) throw new Error('choose the four Fashion-MNIST IDX files first (train-images, train-labels, t10k-images, t10k-labels)');
  const split = ([images, labels, source]: [IdxArray, IdxArray, string], n: number | null) =>
    firstN(idxImageDataset(images, labels, { source, dtype: config.dtype }) as TensorDataset<Batch>, n);
  return { train: split(fashion.train, trainSize), test: split(fashion.test, testSize), classes: FASHION_MNIST_CLASSES };
}

async function loadFashion(files: IdxFiles, names: string[]): Promise<void> {
  const decode = async (buf: ArrayBuffer, source: string) => {
    const bytes = new Uint8Array(buf);
    return decodeIdx(isGzip(bytes) ? await gunzip(bytes, { source }) : bytes, { source });
  };
  const [ti, tl, vi, vl] = await Promise.all([
    decode(files.trainImages, names[0]!), decode(files.trainLabels, names[1]!), decode(files.testImages, names[2]!), decode(files.testLabels, names[3]!),
  ]);
  // Checked now, so a bad file is reported when it is chosen rather than when training starts.
  const n = (images: IdxArray, labels: IdxArray, source: string) => idxImageDataset(images, labels, { source }).length.toLocaleString('en-US');
  const message = `Fashion-MNIST: ${n(ti, tl, names[0]!)} train / ${n(vi, vl, names[2]!)} test images`;
  fashion = { train: [ti, tl, names[0]!], test: [vi, vl, names[2]!] };
  post({ type: 'dataset', message });
}

const recipesOf = (ex: ClassifierExample) => {
  const of = (name: RecipeName) => Object.fromEntries(DATASET_NAMES.map((d) => [d, ex.recipes[name](d)])) as Record<DatasetName, Recipe>;
  return { tuned: of('tuned'), pytorch: of('pytorch') };
};

/** The run's settings as the examples' command line would resolve them (see resolveConfig). */
function configOf(s: Settings): ClassifierConfig {
  const recipe = EXAMPLES[s.model].recipes[s.recipe](s.dataset);
  return {
    ...recipe, dataset: s.dataset, recipe: s.recipe, optimizer: s.optimizer, lr: s.lr, epochs: s.epochs, batchSize: s.batchSize,
    seed: s.seed, dtype: 'float32', backend, trainSize: null, testSize: null,
  };
}

function settingsOf(config: ClassifierConfig, model: Settings['model']): Settings {
  const { dataset, recipe, optimizer, lr, batchSize, epochs, seed } = config;
  return { dataset, model, recipe, optimizer, lr, batchSize, epochs, seed };
}

/** Hands control to the event loop (messages from the page) without a timer's clamping. */
const channel = new MessageChannel();
const yieldToEvents = () => new Promise<void>((resolve) => {
  channel.port1.onmessage = () => resolve();
  channel.port2.postMessage(0);
});

function epochRows(records: MemoryHistory['records']): EpochRow[] {
  return records.filter((r): r is EpochRecord => r.type === 'epoch').map((r) => ({
    epoch: r.epoch, trainLoss: r.train.loss!, trainAccuracy: r.train.accuracy!, valLoss: r.val?.loss ?? null, valAccuracy: r.val?.accuracy ?? null,
    seconds: r.seconds, samplesPerSec: r.samplesPerSec,
  }));
}

/** Accuracy per step (its moving average) and per epoch (training mean and validation), in percent. */
function accuracyChart(records: readonly MetricsRecord[], stepsPerEpoch: number, width: number, height: number): string {
  const steps = records.filter((r): r is StepRecord => r.type === 'step').map((r) => [r.step / stepsPerEpoch, r.metrics.accuracy ?? NaN] as const);
  const epochs = records.filter((r): r is EpochRecord => r.type === 'epoch');
  return lineChart({
    title: 'accuracy', xLabel: 'epoch', yLabel: 'accuracy', yFormat: 'percent', legend: 'bottom-right',
    series: [
      { name: 'train (moving average)', points: smooth(steps), color: '#4e79a7' },
      { name: 'train (epoch mean)', points: epochs.map((r) => [r.epoch, r.train.accuracy ?? NaN]), color: '#4e79a7', markers: true, dashed: true },
      { name: 'validation', points: epochs.map((r) => [r.epoch, r.val?.accuracy ?? NaN]), color: '#e15759', markers: true },
    ],
  }, width, height);
}

function postCharts(c: Current): void {
  const opts = { stepsPerEpoch: c.run.train.length, width: 560, height: 300 };
  post({
    type: 'charts', loss: lossChart(c.history.records, opts), accuracy: accuracyChart(c.history.records, opts.stepsPerEpoch, opts.width, opts.height),
    epochTable: epochRows(c.history.records),
  });
}

/** The confusion matrix and the misclassified test images of the model as it is now. */
function postEpochPlots(c: Current, test: DataLoader<Batch, Batch>): void {
  const { predictions } = evaluate(c.run.model, test, { step: c.run.step, predictions: true });
  const [images, labels] = (test.dataset as TensorDataset<Batch>).tensors;
  const plots = classificationPlots(c.history.records, {
    classes: c.classes, test: { images, labels: labels.toTypedArray() as Int32Array, predictions: predictions! },
  });
  post({ type: 'epoch-plots', confusion: plots['confusion-matrix.svg']!, misclassified: plots['misclassified.svg']! });
}

/** Trains `config` (from `resume` when given) to its last epoch. */
async function train(config: ClassifierConfig, model: Settings['model'], resume: TrainingState | null): Promise<void> {
  state({ type: 'state', state: 'loading', message: 'loading the data…' });
  const data = await dataFor(config);
  const ex = EXAMPLES[model];
  const run = buildClassifierRun(ex, config, data);
  const c: Current = { config, ex, run, classes: data.classes, history: new MemoryHistory(), ctx: null, final: null };
  current = c;
  paused = false;
  post({ type: 'settings', settings: settingsOf(config, model), classes: data.classes });
  // Its own loader for the plots, so fit's validation loader keeps the position a Node run would have.
  const test = new DataLoader(data.test as TensorDataset<Batch>, { batchSize: 500 });
  let lastYield = performance.now();
  let lastProgress = 0;
  let lastCharts = 0;
  const window: [number, number][] = []; // (time, samples so far) over the last second or so
  let samples = 0;
  let last: { ctx: FitContext; record: StepRecord; now: number } | null = null;
  const postProgress = () => {
    if (last === null) return;
    const { ctx, record, now } = last;
    const [t0, s0] = window[0]!;
    const progress: Progress = {
      epoch: record.epoch, epochs: ctx.epochs, step: record.step, batch: record.batch, batchesPerEpoch: ctx.batchesPerEpoch,
      loss: record.metrics.loss!, accuracy: record.metrics.accuracy!, lr: record.lr,
      samplesPerSec: now > t0 ? ((samples - s0) * 1000) / (now - t0) : 0,
    };
    post({ type: 'progress', progress });
  };
  const control: Callback = {
    onFitStart(ctx) {
      c.ctx = ctx;
      state({ type: 'state', state: 'training', message: resume ? `resumed at step ${resume.step}` : 'training' });
      if (resume) postCharts(c);
    },
    async onStepEnd(ctx, record) {
      const now = performance.now();
      samples += ctx.samplesPerEpoch / ctx.batchesPerEpoch;
      window.push([now, samples]);
      while (window.length > 2 && now - window[0]![0] > 1500) window.shift();
      last = { ctx, record, now };
      if (now - lastProgress > 100 || record.step === ctx.epochs * ctx.batchesPerEpoch) {
        lastProgress = now;
        postProgress();
      }
      if (now - lastCharts > 750) {
        postCharts(c);
        lastCharts = performance.now();
      }
      if (performance.now() - lastYield > 40) {
        await yieldToEvents();
        while (paused) await new Promise<void>((resolve) => (wake = resolve));
        lastYield = performance.now();
      }
    },
    async onEpochEnd() {
      postCharts(c);
      postEpochPlots(c, test);
      lastCharts = performance.now();
      await yieldToEvents();
    },
    onFitEnd(ctx) {
      postProgress();
      c.final = ctx.capture();
      c.ctx = null;
    },
  };
  const autosave = checkpoint({
    everySteps: SAVE_EVERY,
    save: async (s) => {
      await store.save(KEY, s);
      post({ type: 'saved', step: s.step, epoch: s.epoch });
    },
  });
  const result = await fit({
    model: run.model, optimizer: run.optimizer, train: run.train, validation: run.validation, epochs: config.epochs, step: run.step,
    history: c.history, resume, generators: run.generators, extra: run.extra, maxLoss: DIVERGED_LOSS,
    callbacks: [control, autosave],
  });
  postCharts(c);
  if (result.stopped) state({ type: 'state', state: 'error', message: result.stopped.message });
  else state({ type: 'state', state: 'done', message: `done after ${config.epochs} epochs (step ${result.step})` });
}

/** The saved run's summary, or null (also when what is stored cannot be read). */
async function savedRun(): Promise<SavedRun | null> {
  if (!store.available) return null;
  try {
    const s = await store.load(KEY);
    return s === null ? null : describe(s);
  } catch {
    return null;
  }
}

function describe(s: TrainingState): SavedRun {
  const config = s.extra.config as unknown as ClassifierConfig;
  const partial = (s.extra.fit as { partial?: { batches?: number } | null } | undefined)?.partial;
  return { model: String(s.extra.example), dataset: config.dataset, step: s.step, epoch: s.epoch, epochs: config.epochs, batch: partial?.batches ?? 0 };
}

/** Continues a checkpoint of the page or of `pnpm mnist` / `pnpm mnist:cnn`. */
async function resumeFrom(s: TrainingState): Promise<void> {
  const model = modelOfExample(s.extra.example);
  const config = s.extra.config as unknown as ClassifierConfig | undefined;
  if (model === null || typeof config !== 'object' || config === null) {
    throw new Error(`this checkpoint was written by ${JSON.stringify(s.extra.example ?? 'something else')}, not by this page or the mnist-mlp / mnist-cnn examples`);
  }
  const fitState = s.extra.fit as { historyLength: number; records: unknown[] | null } | undefined;
  if (fitState && fitState.records === null) {
    // Written in Node: its records are in the run's metrics.jsonl, not in the file. The page continues
    // without them (its charts start here); the run itself continues exactly.
    fitState.historyLength = 0;
    fitState.records = [];
  }
  await train(config, model, s);
}

async function handle(m: ToWorker): Promise<void> {
  switch (m.type) {
    case 'init': {
      dataUrl = m.dataUrl;
      post({
        type: 'ready', backend, threads: getNumThreads(), maxThreads, isolated, kernels: kernelBuild(backend), saved: await savedRun(),
        recipes: { mlp: recipesOf(mlpExample), cnn: recipesOf(cnnExample) }, defaultLr: DEFAULT_LR,
      });
      state({ type: 'state', state: 'idle', message: 'ready' });
      return;
    }
    case 'fashion':
      return loadFashion(m.files, m.names);
    case 'start':
      await store.delete(KEY).catch(() => {});
      return train(configOf(m.settings), m.settings.model, null);
    case 'resume-saved': {
      const s = await store.load(KEY);
      if (s === null) throw new Error('there is no saved run');
      return resumeFrom(s);
    }
    case 'resume-file':
      return resumeFrom(checkpointFromBytes(new Uint8Array(m.bytes), m.name));
    case 'pause':
      if (current?.ctx) {
        paused = true;
        state({ type: 'state', state: 'paused', message: `paused at step ${current.ctx.step}` });
      }
      return;
    case 'continue':
      if (paused) {
        paused = false;
        state({ type: 'state', state: 'training', message: 'training' });
        wake?.();
        wake = null;
      }
      return;
    case 'predict':
      post({ type: 'prediction', id: m.id, probabilities: predict(m.pixels), classes: current?.classes ?? [] });
      return;
    case 'download':
      return download(m.what);
    case 'discard-saved':
      await store.delete(KEY);
      return;
    case 'threads':
      setNumThreads(Math.max(1, Math.min(maxThreads, m.threads)));
      post({ type: 'threads', threads: getNumThreads() });
      return;
    case 'bench':
      if (current?.ctx) throw new Error('the benchmark runs only while no run is training');
      post({ type: 'bench', ...w1(m.steps) });
      return;
  }
}

/** The ten class probabilities of a 28×28 image in [0, 1], by the model as it is now (eval mode, no graph). */
function predict(pixels: Float32Array): number[] | null {
  if (current === null) return null;
  const { run } = current;
  const x = new Tensor(Float32Array.from(pixels), [1, 1, 28, 28]);
  const y = new Tensor(new Int32Array(1), [1]);
  const modes = run.model.modules().map((m) => [m, m.training] as const);
  run.model.eval();
  try {
    return noGrad(() => {
      const { output } = run.step([x, y], { model: run.model, training: false, step: 0, epoch: 0 });
      return Array.from(softmax(output!, 1).toTypedArray() as Float32Array);
    });
  } finally {
    for (const [m, training] of modes) m.training = training;
  }
}

function download(what: 'checkpoint' | 'model'): void {
  if (current === null) throw new Error('there is no run to save yet');
  const { config, ex } = current;
  if (what === 'model') {
    const bytes = saveSafetensors(current.run.model.stateDict());
    post({ type: 'file', name: `${ex.name}-${config.dataset}-model.safetensors`, bytes: bytes.buffer as ArrayBuffer }, [bytes.buffer as ArrayBuffer]);
    return;
  }
  const s = current.ctx?.capture() ?? current.final;
  if (s === null) throw new Error('the run has not started yet');
  const bytes = checkpointToBytes(s);
  post({ type: 'file', name: `${ex.name}-${config.dataset}-step${s.step}.safetensors`, bytes: bytes.buffer as ArrayBuffer }, [bytes.buffer as ArrayBuffer]);
}

// Messages are handled as they come; a long one (training) awaits, so the others run between its steps.
// The page sends nothing before 'alive': a module worker's messages that arrive while its imports are still
// evaluating (the kernels compile at import, awaited at the top level) find no handler and are lost.
self.onmessage = (e: MessageEvent<ToWorker>) => {
  handle(e.data).catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    if (e.data.type === 'start' || e.data.type.startsWith('resume')) state({ type: 'state', state: 'error', message });
    post({ type: 'error', message });
  });
};
post({ type: 'alive' });
