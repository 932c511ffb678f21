// The page: a form, buttons, live numbers and charts, a drawing pad. Everything that touches a tensor runs in
// the worker (worker.ts), so training never stalls the page; this file holds no tensor and imports no
// Tensile package, which keeps the page's own script small.
import { drawingPad } from './draw.js';
import type { FromWorker, IdxFiles, RunState, SavedRun, Settings, ToWorker } from './protocol.js';
import './style.css';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const input = (id: string) => $<HTMLInputElement>(id);
const select = (id: string) => $<HTMLSelectElement>(id);

let worker: Worker;
let ready: (FromWorker & { type: 'ready' }) | null = null;
let runState: RunState = 'loading';
let predictionId = 0;
let lastPixels: Float32Array | null = null;
let longestTask = 0;

/** What the browser test reads (and what a curious reader can look at in the console). */
const hook = {
  state: runState as RunState,
  step: 0,
  /** Runs started in this page (each start, continuation or upload). */
  runs: 0,
  savedStep: -1,
  ready: null as (FromWorker & { type: 'ready' }) | null,
  prediction: null as number[] | null,
  longestTask: 0,
  /** The longest handling of each kind of message from the worker, in ms (what the page's tasks spend). */
  slowestMessage: {} as Record<string, number>,
  errors: [] as string[],
  /** Times the bench's W1 workload in the worker (no run may be training). */
  bench: (steps = 200) => new Promise<FromWorker & { type: 'bench' }>((resolve) => {
    benchDone = resolve;
    send({ type: 'bench', steps });
  }),
};
let benchDone: ((r: FromWorker & { type: 'bench' }) => void) | null = null;
(globalThis as { tensileApp?: typeof hook }).tensileApp = hook;

/** Messages wait until the worker says it is alive (see the end of worker.ts). */
let alive = false;
let queued: [ToWorker, Transferable[]][] = [];
function send(m: ToWorker, transfer: Transferable[] = []): void {
  if (alive) worker.postMessage(m, transfer);
  else queued.push([m, transfer]);
}

function startWorker(): void {
  alive = false;
  queued = [];
  worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'tensile-training' });
  worker.onmessage = (e: MessageEvent<FromWorker>) => {
    const t = performance.now();
    receive(e.data);
    const ms = performance.now() - t;
    if (ms > (hook.slowestMessage[e.data.type] ?? 0)) hook.slowestMessage[e.data.type] = ms;
  };
  worker.onerror = (e) => showError(`the training worker failed: ${e.message}`);
  send({ type: 'init', dataUrl: new URL('data/', document.baseURI).href });
}

function showError(message: string): void {
  hook.errors.push(message);
  $('status').textContent = `Error: ${message}`;
}

// ── the form ────────────────────────────────────────────────────────────────────────────────────────────

function settings(): Settings {
  return {
    dataset: select('dataset').value as Settings['dataset'],
    model: select('model').value as Settings['model'],
    recipe: select('recipe').value as Settings['recipe'],
    optimizer: select('optimizer').value as Settings['optimizer'],
    lr: Number(input('lr').value),
    batchSize: Number(input('batch').value),
    epochs: Number(input('epochs').value),
    seed: Number(input('seed').value),
  };
}

function showSettings(s: Settings): void {
  select('dataset').value = s.dataset;
  select('model').value = s.model;
  select('recipe').value = s.recipe;
  select('optimizer').value = s.optimizer;
  input('lr').value = String(s.lr);
  input('batch').value = String(s.batchSize);
  input('epochs').value = String(s.epochs);
  input('seed').value = String(s.seed);
  $('fashion-files').hidden = s.dataset !== 'fashion-mnist';
}

/** The recipe's settings (and the optimizer's usual rate for another optimizer), as the examples' flags default. */
function applyRecipe(changed: 'recipe' | 'optimizer'): void {
  if (ready === null) return;
  const s = settings();
  const recipe = ready.recipes[s.model][s.recipe][s.dataset];
  if (changed === 'recipe') {
    select('optimizer').value = recipe.optimizer;
    input('epochs').value = String(recipe.epochs);
    input('batch').value = String(recipe.batchSize);
  }
  const optimizer = select('optimizer').value as Settings['optimizer'];
  input('lr').value = String(optimizer === recipe.optimizer ? recipe.lr : ready.defaultLr[optimizer]);
}

function validSettings(): Settings | null {
  const form = $<HTMLFormElement>('settings');
  if (!form.reportValidity()) return null;
  const s = settings();
  if (!(s.lr > 0) || !Number.isInteger(s.batchSize) || !Number.isInteger(s.epochs) || !Number.isInteger(s.seed)) return null;
  return s;
}

function setState(state: RunState, message: string): void {
  runState = state;
  hook.state = state;
  document.body.dataset.state = state;
  $('status').textContent = message;
  const busy = state === 'training' || state === 'paused' || state === 'loading';
  $<HTMLButtonElement>('start').disabled = busy || ready === null;
  $<HTMLButtonElement>('pause').disabled = state !== 'training';
  $<HTMLButtonElement>('resume').disabled = state !== 'paused';
  $<HTMLButtonElement>('download-checkpoint').disabled = !(state === 'training' || state === 'paused' || state === 'done');
  $<HTMLButtonElement>('download-model').disabled = $<HTMLButtonElement>('download-checkpoint').disabled;
  for (const el of $('settings').querySelectorAll<HTMLInputElement | HTMLSelectElement>('input, select')) el.disabled = busy && el.id !== 'threads';
  select('threads').disabled = ready === null || ready.maxThreads === 1;
  $<HTMLInputElement>('upload').disabled = busy;
}

// ── messages from the worker ───────────────────────────────────────────────────────────────────────────

const fmt = (x: number, digits = 4) => (Number.isFinite(x) ? x.toFixed(digits) : String(x));
const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(2)}%`);

function receive(m: FromWorker): void {
  switch (m.type) {
    case 'alive':
      alive = true;
      for (const [q, transfer] of queued) worker.postMessage(q, transfer);
      queued = [];
      return;
    case 'ready': {
      ready = m;
      hook.ready = m;
      select('threads').innerHTML = Array.from({ length: m.maxThreads }, (_, i) => `<option value="${i + 1}">${i + 1}</option>`).join('');
      showEnv(m.threads);
      applyRecipe('recipe');
      showSaved(m.saved);
      return;
    }
    case 'state':
      setState(m.state, m.message);
      return;
    case 'settings':
      hook.runs += 1;
      showSettings(m.settings);
      return;
    case 'progress': {
      const p = m.progress;
      hook.step = p.step;
      $('s-epoch').textContent = `${p.epoch} / ${p.epochs}`;
      $('s-step').textContent = `${p.step} (batch ${p.batch} / ${p.batchesPerEpoch})`;
      $('s-loss').textContent = fmt(p.loss);
      $('s-acc').textContent = pct(p.accuracy);
      $('s-lr').textContent = p.lr.toPrecision(3);
      $('s-rate').textContent = Math.round(p.samplesPerSec).toLocaleString('en-US');
      const bar = $<HTMLProgressElement>('bar');
      bar.max = p.epochs * p.batchesPerEpoch;
      bar.value = (p.epoch - 1) * p.batchesPerEpoch + p.batch;
      return;
    }
    case 'charts': {
      $('loss-chart').innerHTML = m.loss;
      $('acc-chart').innerHTML = m.accuracy;
      $('epochs-table').querySelector('tbody')!.innerHTML = m.epochTable
        .map((r) => `<tr><td>${r.epoch}</td><td>${fmt(r.trainLoss)}</td><td>${pct(r.trainAccuracy)}</td><td>${r.valLoss === null ? '–' : fmt(r.valLoss)}</td><td>${pct(r.valAccuracy)}</td><td>${Math.round(r.samplesPerSec).toLocaleString('en-US')}</td></tr>`)
        .join('');
      return;
    }
    case 'epoch-plots':
      $('confusion').innerHTML = m.confusion;
      $('misclassified').innerHTML = m.misclassified;
      if (lastPixels) predict(lastPixels);
      return;
    case 'prediction':
      if (m.id === predictionId) showPrediction(m.probabilities, m.classes);
      return;
    case 'file':
      saveFile(m.name, m.bytes);
      return;
    case 'saved':
      hook.savedStep = m.step;
      $('s-saved').textContent = `step ${m.step}`;
      return;
    case 'dataset':
      $('status').textContent = m.message;
      return;
    case 'threads':
      showEnv(m.threads);
      return;
    case 'bench':
      benchDone?.(m);
      benchDone = null;
      return;
    case 'error':
      showError(m.message);
      return;
  }
}

function showEnv(threads: number): void {
  const m = ready!;
  select('threads').value = String(threads);
  const count = `${threads} thread${threads === 1 ? '' : 's'}`;
  $('env').textContent = `backend ${m.kernels} · ${count} · ${m.isolated ? 'cross-origin isolated (SharedArrayBuffer)' : 'not cross-origin isolated: one thread'}`;
}

function showSaved(saved: SavedRun | null): void {
  $('saved').hidden = saved === null;
  if (saved === null) return;
  const where = saved.epoch >= saved.epochs ? 'finished' : `at epoch ${saved.epoch + 1} of ${saved.epochs}, ${saved.batch} batches in (step ${saved.step})`;
  $('saved-text').textContent = `This browser holds a saved ${saved.model} run on ${saved.dataset}, ${where}.`;
}

function saveFile(name: string, bytes: ArrayBuffer): void {
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// ── drawing and predictions ────────────────────────────────────────────────────────────────────────────

function predict(pixels: Float32Array): void {
  predictionId += 1;
  send({ type: 'predict', id: predictionId, pixels });
}

function showPrediction(probabilities: number[] | null, classes: readonly string[]): void {
  hook.prediction = probabilities;
  const list = $('probs');
  if (probabilities === null) {
    $('guess').textContent = lastPixels ? 'No model yet: start (or continue) a run first.' : 'Train a model, then draw.';
    list.innerHTML = '';
    return;
  }
  const best = probabilities.indexOf(Math.max(...probabilities));
  $('guess').innerHTML = `Prediction: <strong>${classes[best] ?? best}</strong> (${(100 * probabilities[best]!).toFixed(1)}%)`;
  list.innerHTML = probabilities
    .map((p, k) => `<li${k === best ? ' class="top"' : ''}><span>${classes[k] ?? k}</span><span class="bar"><span style="width:${(100 * p).toFixed(1)}%"></span></span><span>${(100 * p).toFixed(1)}%</span></li>`)
    .join('');
}

const pad = drawingPad($<HTMLCanvasElement>('draw'), (pixels) => {
  lastPixels = pixels;
  if (pixels) predict(pixels);
  else showPrediction(null, []);
});

// ── controls ───────────────────────────────────────────────────────────────────────────────────────────

$('start').addEventListener('click', () => {
  const s = validSettings();
  if (s === null) return;
  $('saved').hidden = true;
  clearPlots();
  send({ type: 'start', settings: s });
});
$('pause').addEventListener('click', () => send({ type: 'pause' }));
$('resume').addEventListener('click', () => send({ type: 'continue' }));
$('reset').addEventListener('click', () => {
  // A new worker: the run, its model and the saved copy are gone.
  worker.terminate();
  clearPlots();
  setState('loading', 'starting the worker…');
  startWorker();
  send({ type: 'discard-saved' });
  $('saved').hidden = true;
});
$('resume-saved').addEventListener('click', () => {
  $('saved').hidden = true;
  clearPlots();
  send({ type: 'resume-saved' });
});
$('discard-saved').addEventListener('click', () => {
  send({ type: 'discard-saved' });
  $('saved').hidden = true;
});
$('download-checkpoint').addEventListener('click', () => send({ type: 'download', what: 'checkpoint' }));
$('download-model').addEventListener('click', () => send({ type: 'download', what: 'model' }));
$('upload').addEventListener('change', async () => {
  const file = input('upload').files?.[0];
  if (!file) return;
  clearPlots();
  const bytes = await file.arrayBuffer();
  send({ type: 'resume-file', bytes, name: file.name }, [bytes]);
  input('upload').value = '';
});
$('clear').addEventListener('click', () => pad.clear());
select('recipe').addEventListener('change', () => applyRecipe('recipe'));
select('threads').addEventListener('change', () => send({ type: 'threads', threads: Number(select('threads').value) }));
select('model').addEventListener('change', () => applyRecipe('recipe'));
select('optimizer').addEventListener('change', () => applyRecipe('optimizer'));
select('dataset').addEventListener('change', () => {
  $('fashion-files').hidden = select('dataset').value !== 'fashion-mnist';
  applyRecipe('recipe');
});
input('fashion').addEventListener('change', async () => {
  const files = [...(input('fashion').files ?? [])];
  const find = (what: RegExp) => files.find((f) => what.test(f.name));
  const chosen = [find(/train-images/), find(/train-labels/), find(/t10k-images/), find(/t10k-labels/)];
  if (chosen.some((f) => f === undefined)) {
    showError('choose the four files: train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (each raw or .gz)');
    return;
  }
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(chosen.map((f) => f!.arrayBuffer()));
  const idx: IdxFiles = { trainImages: trainImages!, trainLabels: trainLabels!, testImages: testImages!, testLabels: testLabels! };
  send({ type: 'fashion', files: idx, names: chosen.map((f) => f!.name) }, Object.values(idx));
});

function clearPlots(): void {
  for (const id of ['loss-chart', 'acc-chart', 'confusion', 'misclassified']) $(id).innerHTML = '';
  $('epochs-table').querySelector('tbody')!.innerHTML = '';
}

// The longest task on this page's thread while a run trains: the worker should keep it short.
if (PerformanceObserver.supportedEntryTypes?.includes('longtask')) {
  new PerformanceObserver((list) => {
    if (runState !== 'training') return;
    for (const e of list.getEntries()) longestTask = Math.max(longestTask, e.duration);
    hook.longestTask = longestTask;
    $('s-task').textContent = `${Math.round(longestTask)} ms`;
  }).observe({ type: 'longtask' });
  $('s-task').textContent = 'under 50 ms';
}

setState('loading', 'starting the worker…');
startWorker();
