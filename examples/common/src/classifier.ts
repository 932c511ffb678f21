// The command line of the image-classifier examples (mnist-mlp, mnist-cnn): flags → settings (a recipe's,
// overridden by flags, or a checkpoint's when resuming) → data, model, optimizer, schedule → `fit`.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { StateDictError, type Module } from '@tensile/nn';
import { save } from '@tensile/nn/node';
import type { Dialect } from '@tensile/optim';
import { Generator, NonFiniteError, getBackend, getNumThreads, listBackends, manualSeed, setBackend, type Tensor } from '@tensile/tensor';
import {
  CheckpointError, NonFiniteLossError, evaluate, fit, formatDuration, formatLr, formatPercent,
  type Callback, type StepRecord, type TrainingState,
} from '@tensile/train';
import { JsonlHistory, TerminalProgress, classificationPlots, fileCheckpoint, loadCheckpoint, readMetrics, writePlots, type ProgressStream } from '@tensile/train/node';
import { UsageError, choice, int, parseFlags, path, positive, helpText, type FlagValues } from './args.js';
import { commonFlags } from './cli.js';
import { buildClassifierRun } from './build.js';
import { DATASET_LABELS, DATASET_NAMES, loadImages, type DatasetName } from './datasets.js';
import { plural } from './format.js';
import { DEFAULT_LR, OPTIMIZER_LABELS, SCHEDULE_NAMES, type OptimizerName, type ScheduleName } from './optimizers.js';
import { checkpointFile, planOutput, userPath } from './paths.js';
import { exportOnnxFlag, onnxPath, writeOnnx } from './onnx-export.js';
import { DIVERGED_LOSS, DivergenceError } from './divergence.js';
import { OLD_EXAMPLES_FORMAT, oldCheckpointError, safetensorsFormat } from './old-format.js';
import { DEBUG_FLAGS, debugFlags, printSummary, profileCallbacks, stopProfiling } from './debug.js';

/** The recipes `--recipe` takes: the tuned default, and PyTorch's reference recipe. */
export const RECIPE_NAMES = ['tuned', 'pytorch'] as const;
/** `tuned` or `pytorch`. */
export type RecipeName = (typeof RECIPE_NAMES)[number];

/** What a recipe fixes; flags override the first seven. */
export interface Recipe {
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer: OptimizerName;
  schedule: ScheduleName;
  /** Random shifts of up to this many pixels (0: no augmentation). */
  shift: number;
  dropout: number;
  /** Inputs as (x − mean) / std instead of [0, 1]. */
  normalize: boolean;
  /** Batch normalisation after each convolution (the CNN). */
  batchNorm: boolean;
  /** Whose optimizer formulas: PyTorch's for the PyTorch recipe, the reference notebook's otherwise. */
  dialect: Dialect;
  labelSmoothing: number;
}

/** Every setting of a run; saved in its checkpoints and locked when it is resumed. */
export interface ClassifierConfig extends Recipe {
  dataset: DatasetName;
  recipe: RecipeName;
  seed: number;
  dtype: 'float32' | 'float64';
  backend: string;
  trainSize: number | null;
  testSize: number | null;
}

/** What an example supplies: its model and its recipes. */
export interface ClassifierExample {
  name: string;
  summary: string;
  recipes: Record<RecipeName, (dataset: DatasetName) => Recipe>;
  /** The recipes in words, for `--help`. */
  recipeHelp: string;
  /** The model takes flat `[N, 784]` inputs (the MLP) instead of `[N, 1, 28, 28]`. */
  flatten: boolean;
  describeModel(config: ClassifierConfig): string;
  buildModel(config: ClassifierConfig, generators: { init: Generator; dropout: Generator }): Module<[Tensor], Tensor>;
}

function defaultBackend(): string {
  return listBackends().includes('wasm') ? 'wasm' : getBackend().name;
}

/** The backend for the header line: the wasm kernels' thread count with it. */
export function describeBackend(backend: string): string {
  if (backend !== 'wasm') return backend;
  const n = getNumThreads();
  return `wasm (${n} thread${n === 1 ? '' : 's'})`;
}

/** The flags of an image-classifier example. */
export function classifierFlags(ex: ClassifierExample) {
  const tuned = ex.recipes.tuned('mnist');
  return {
    ...commonFlags({
      epochs: `the recipe's (tuned: ${tuned.epochs} on mnist, ${ex.recipes.tuned('fashion-mnist').epochs} on fashion-mnist)`,
      batchSize: `${tuned.batchSize}`,
      lr: `the recipe's (tuned: ${tuned.lr}), or the optimizer's usual one`,
      optimizer: tuned.optimizer,
      out: `runs/${ex.name}[-fashion]/<date>_<time>, a new one per run; latest/ beside it is the newest`,
    }),
    dataset: choice('dataset', DATASET_NAMES, { default: 'mnist' }),
    recipe: choice('training recipe', RECIPE_NAMES, { default: 'tuned' }),
    schedule: choice('learning-rate schedule', SCHEDULE_NAMES, { default: "the recipe's" }),
    shift: int('augment by random shifts of up to this many pixels', { min: 0, max: 8, default: "the recipe's" }),
    dropout: positive('dropout probability', { allowZero: true, default: "the recipe's" }),
    trainSize: int('train on the first n training samples only', { min: 1 }),
    testSize: int('evaluate on the first n test samples only', { min: 1 }),
    checkpointEvery: int('also write the checkpoint every n steps, mid-epoch', { min: 1 }),
    backend: choice('tensor backend', listBackends(), { default: defaultBackend() }),
    exportOnnx: exportOnnxFlag('any batch size; it takes the inputs as the model does (normalised, flattened for the MLP)'),
    ...debugFlags(),
  };
}

type Values = FlagValues<ReturnType<typeof classifierFlags>>;

const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The settings from the recipe and the flags. */
export function resolveConfig(ex: ClassifierExample, v: Values): ClassifierConfig {
  const dataset = v.dataset ?? 'mnist';
  const recipeName = v.recipe ?? 'tuned';
  const recipe = ex.recipes[recipeName](dataset);
  const optimizer = v.optimizer ?? recipe.optimizer;
  if (v.dropout !== undefined && v.dropout >= 1) throw new UsageError(`--dropout must be in [0, 1), got ${v.dropout}`);
  return {
    ...recipe,
    dataset,
    recipe: recipeName,
    optimizer,
    lr: v.lr ?? (optimizer === recipe.optimizer ? recipe.lr : DEFAULT_LR[optimizer]),
    epochs: v.epochs ?? recipe.epochs,
    batchSize: v.batchSize ?? recipe.batchSize,
    schedule: v.schedule ?? recipe.schedule,
    shift: v.shift ?? recipe.shift,
    dropout: v.dropout ?? recipe.dropout,
    seed: v.seed ?? 0,
    dtype: v.dtype ?? 'float32',
    backend: v.backend ?? defaultBackend(),
    trainSize: v.trainSize ?? null,
    testSize: v.testSize ?? null,
  };
}

/**
 * The settings of a checkpoint. A resumed run keeps all of them, so a flag that says otherwise is an error
 * rather than a silently different run.
 */
function configOfCheckpoint(ex: ClassifierExample, state: TrainingState, path: string, v: Values): ClassifierConfig {
  const config = state.extra.config as unknown as ClassifierConfig | undefined;
  if (state.extra.example !== ex.name || typeof config !== 'object' || config === null) {
    let detail = '';
    if (typeof config === 'object' && config !== null) {
      // Say what does not fit: load the checkpoint's weights into a throwaway model of this example.
      const model = ex.buildModel({ ...resolveConfig(ex, {}), ...config, dtype: config.dtype ?? 'float32' }, { init: new Generator(0), dropout: new Generator(0) });
      const weights = new Map([...state.tensors].filter(([k]) => k.startsWith('model.')).map(([k, t]) => [k.slice(6), t]));
      try {
        model.loadStateDict(weights);
      } catch (e) {
        if (e instanceof StateDictError) detail = `: ${e.message}`;
        else throw e;
      }
    }
    throw new CheckpointError('extra', `${path} was written by ${JSON.stringify(state.extra.example ?? 'something else')}, not ${ex.name}${detail}`);
  }
  for (const [key, value] of Object.entries(v)) {
    if (['checkpoint', 'resume', 'out', 'checkpointEvery', 'exportOnnx', ...DEBUG_FLAGS].includes(key)) continue;
    const saved = (config as unknown as Record<string, unknown>)[key];
    if (saved !== value) {
      throw new UsageError(
        `--${kebab(key)} ${value} differs from the checkpoint's ${saved ?? 'unset'}; a resumed run keeps its checkpoint's settings, so leave --${kebab(key)} out`,
      );
    }
  }
  return config;
}

/**
 * Reads the checkpoint `--resume` names. A checkpoint of the examples' earlier format gets one line saying
 * this version cannot continue it, rather than the generic "not a training checkpoint".
 */
async function readResume(path: string): Promise<TrainingState> {
  try {
    return await loadCheckpoint(path);
  } catch (e) {
    if (e instanceof CheckpointError && e.part === 'format' && (await safetensorsFormat(path)) === OLD_EXAMPLES_FORMAT) throw oldCheckpointError(path, e);
    throw e;
  }
}

/** The output folder a checkpoint's run wrote to, if the checkpoint says. */
function outputFolderOfState(state: TrainingState | null): string | null {
  return typeof state?.extra.out === 'string' ? state.extra.out : null;
}

/** Batches of the epoch under way when the checkpoint was written (0 at an epoch's end). */
function batchesDoneIn(state: TrainingState): number {
  const fit = state.extra.fit as { partial?: { batches?: unknown } | null } | undefined;
  return typeof fit?.partial?.batches === 'number' ? fit.partial.batches : 0;
}

/** Parses the command line and trains; the lines a user reads go to `opts.stream` (default stdout). */
export async function runClassifier(ex: ClassifierExample, argv: readonly string[], opts: { stream?: ProgressStream } = {}): Promise<void> {
  const stream = opts.stream ?? process.stdout;
  const spec = classifierFlags(ex);
  const { values, help } = parseFlags(spec, argv);
  if (help) {
    stream.write(helpText(`pnpm ${ex.name === 'mnist-mlp' ? 'mnist' : 'mnist:cnn'} [options]`, `${ex.name}: ${ex.summary}\n\n${ex.recipeHelp}`, spec));
    return;
  }
  const resumePath = values.resume === undefined ? null : userPath(values.resume);
  const resume = resumePath === null ? null : await readResume(resumePath);
  const config = resume ? configOfCheckpoint(ex, resume, resumePath!, values) : resolveConfig(ex, values);
  const resumeFolder = outputFolderOfState(resume);
  if (resume && resume.epoch >= config.epochs) {
    throw new CheckpointError(
      'fit',
      `${resumePath}: this run already finished its ${plural(config.epochs, 'epoch')}; there is nothing to resume${resumeFolder ? ` (its plots and metrics are in ${resumeFolder})` : ''}`,
    );
  }
  if (values.checkpointEvery !== undefined && values.checkpoint === undefined && resumePath === null) {
    throw new UsageError('--checkpoint-every needs --checkpoint <file>');
  }
  // Every path is checked before the data loads.
  const checkpointPath = values.checkpoint !== undefined ? checkpointFile(values.checkpoint, 'checkpoint') : values.resume !== undefined ? checkpointFile(values.resume, 'resume') : null;
  const onnxFile = onnxPath(values.exportOnnx);
  const output = planOutput({ out: values.out, base: `runs/${ex.name}${config.dataset === 'fashion-mnist' ? '-fashion' : ''}`, resumeFolder });

  setBackend(config.backend);
  manualSeed(config.seed);
  const data = await loadImages(config.dataset, { trainSize: config.trainSize, testSize: config.testSize, dtype: config.dtype });
  const { model, optimizer, train, validation, step, prepare, generators, extra } = buildClassifierRun(ex, config, data);

  // The run's metrics.jsonl must still hold the records the checkpoint counts (fit cuts it back to them).
  const metricsSource = resume && resumeFolder ? join(resumeFolder, 'metrics.jsonl') : null;
  if (resume !== null && metricsSource !== null) {
    const want = (resume.extra.fit as { historyLength?: unknown } | undefined)?.historyLength;
    const have = readMetrics(metricsSource).length;
    if (typeof want === 'number' && have < want) {
      throw new CheckpointError(
        'fit',
        `${resumePath}: the run's ${metricsSource} has ${have} complete records but the checkpoint was written after ${want}; it was moved, cut or replaced, so this run cannot continue its metrics (start a new run)`,
      );
    }
  }
  const out = output.create();
  // Resumed into another folder: the records up to the checkpoint come along from the run's own folder.
  if (resume && !output.continuing && metricsSource) copyFileSync(metricsSource, join(out, 'metrics.jsonl'));
  const progress = new TerminalProgress({ stream, valLabel: 'test' });
  const n = (x: number) => x.toLocaleString('en-US');
  const extras = [
    config.normalize ? 'normalised inputs' : 'inputs in [0, 1]',
    config.shift > 0 ? `shift ±${config.shift} px` : '',
    config.dropout > 0 ? `dropout ${config.dropout}` : '',
    config.labelSmoothing > 0 ? `label smoothing ${config.labelSmoothing}` : '',
  ].filter((s) => s !== '');
  progress.line(`${ex.name} · ${ex.describeModel(config)} (${n(model.numParameters())} parameters) · ${DATASET_LABELS[config.dataset]}: ${n(data.train.length)} train / ${n(data.test.length)} test · recipe ${config.recipe}`);
  progress.line(
    `  ${OPTIMIZER_LABELS[config.optimizer]} lr ${formatLr(config.lr)} (${config.schedule}) · batch ${config.batchSize} · ${plural(config.epochs, 'epoch')} · ${extras.join(' · ')} · seed ${config.seed} · ${config.dtype} · backend ${describeBackend(config.backend)}`,
  );
  progress.line(`  output ${out}${checkpointPath ? ` · checkpoint ${checkpointPath}` : ''}`);
  if (resume) {
    const batches = batchesDoneIn(resume);
    progress.line(`  resumed from ${resumePath} after ${plural(resume.epoch, 'epoch')}${batches > 0 ? ` and ${plural(batches, 'batch', 'batches')}` : ''} (step ${resume.step})`);
  }

  printSummary(values, progress, model, () => {
    const images = data.train.tensors[0];
    return prepare(images.narrow(0, 0, Math.min(config.batchSize, images.shape[0]!)));
  }, optimizer);
  const profiler = profileCallbacks(values, progress);

  const title = `${ex.name} on ${config.dataset}`;
  const plotOptions = { title, classes: data.classes, stepsPerEpoch: train.length };
  const history = new JsonlHistory(join(out, 'metrics.jsonl'));
  // The curves so far after each epoch, so a long run can be watched.
  const plots: Callback = { onEpochEnd: () => void writePlots(out, classificationPlots(history.records, plotOptions)) };
  const began = performance.now();
  try {
    await fit({
      model, optimizer, train, validation, epochs: config.epochs, step, history, resume,
      generators,
      onNonFinite: 'throw', maxLoss: DIVERGED_LOSS,
      extra: { ...extra, out },
      callbacks: [
        progress, plots, ...profiler,
        ...(checkpointPath ? [fileCheckpoint(checkpointPath, { everySteps: values.checkpointEvery ?? 0 })] : []),
      ],
    });
  } catch (e) {
    stopProfiling();
    if (e instanceof NonFiniteError) {
      // The NaN guard (on in fit by default) named the op, the pass, the layer and the parameter.
      progress.stop();
      writePlots(out, classificationPlots(history.records, plotOptions));
      throw e;
    }
    if (!(e instanceof NonFiniteLossError)) throw e;
    progress.stop();
    // The curves up to the bad step show how it got there.
    writePlots(out, classificationPlots(history.records, plotOptions));
    const err = DivergenceError.from(e, history.records);
    err.message += `; try a smaller --lr (this run's is ${formatLr(config.lr)})`;
    throw err;
  }
  const final = evaluate(model, validation, { step, predictions: true });
  const [images, labels] = data.test.tensors;
  writePlots(out, classificationPlots(history.records, {
    ...plotOptions, test: { images, labels: labels.toTypedArray() as Int32Array, predictions: final.predictions! },
  }));
  await save(join(out, 'model.safetensors'), model);
  if (onnxFile !== null) {
    // Traced on two prepared test images; the file runs any batch size.
    const sample = prepare(images.narrow(0, 0, 2));
    await writeOnnx(onnxFile, model, sample);
    progress.line(`  ONNX model in ${onnxFile} (input "input" [batch, ${sample.shape.slice(1).join(', ')}]${config.normalize ? ', normalised' : ''}; output "output" logits [batch, ${data.classes.length}])`);
  }
  progress.line(
    `done: test accuracy ${formatPercent(final.metrics.accuracy!)} (loss ${final.metrics.loss!.toFixed(4)}) after ${plural(config.epochs, 'epoch')}, ${formatDuration((performance.now() - began) / 1000)}` +
      ` · plots and metrics.jsonl in ${out}`,
  );
}
