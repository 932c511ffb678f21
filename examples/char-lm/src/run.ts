// The command line of `pnpm words`: flags → settings (a model's recipe, overridden by flags, or a
// checkpoint's when resuming) → words, vocabulary, datasets, model, optimizer → `fit` → samples.
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crossEntropy } from '@tensile/nn';
import { save } from '@tensile/nn/node';
import { DataLoader, Vocabulary, contextWindows, nextTokenSequences, splitWords, type TensorDataset } from '@tensile/data';
import { WORDS_FILE, readWords } from '@tensile/data/node';
import { Generator, getBackend, listBackends, logicalAnd, manualSeed, noGrad, setBackend, zeros, type Tensor } from '@tensile/tensor';
import {
  CheckpointError, NonFiniteLossError, evaluate, fit, formatDuration, formatLr,
  type Callback, type JsonValue, type StepFn, type StepRecord, type TrainingState,
} from '@tensile/train';
import { JsonlHistory, TerminalProgress, accuracyChart, fileCheckpoint, loadCheckpoint, lossChart, lrChart, readMetrics, writePlots, type ProgressStream } from '@tensile/train/node';
import {
  DEBUG_FLAGS, DIVERGED_LOSS, DivergenceError, OPTIMIZER_LABELS, SCHEDULE_NAMES, UsageError, checkpointFile, choice, commonFlags, debugFlags, describeBackend, exportOnnxFlag,
  helpText, int, makeOptimizer, makeSchedule, onnxPath, parseFlags, path, planOutput, plural, positive, printSummary, profileCallbacks, stopProfiling, userPath, writeOnnx,
  type ExportOnnxOptions, type FlagValues, type OptimizerName, type ScheduleName,
} from '@tensile/examples-common';
import { MODEL_NAMES, buildModel, describeModel, type CharModel, type ModelName } from './models.js';
import { sampleWords } from './sample.js';

export const EXAMPLE = 'char-lm';

/** The target of padding positions in the sequence datasets (crossEntropy's default ignoreIndex). */
const IGNORE = -100;

/** What a model's recipe fixes; flags override each. */
export interface Recipe {
  /** Characters of context of the MLP. */
  blockSize: number;
  /** Embedding width (the transformer's model width). */
  embedding: number;
  /** Hidden width (MLP, LSTM); the transformer's feed-forward width. */
  hidden: number;
  /** Hidden layers (MLP), stacked LSTM layers, transformer blocks. */
  layers: number;
  /** Attention heads (transformer). */
  heads: number;
  dropout: number;
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer: OptimizerName;
  schedule: ScheduleName;
  /** Global gradient-norm clipping (0: none). */
  clip: number;
}

/** The recipes, one per model: makemore part 2's MLP, a one-layer LSTM, a small decoder-only transformer. */
export const RECIPES: Record<ModelName, Recipe> = {
  mlp: { blockSize: 3, embedding: 10, hidden: 200, layers: 1, heads: 1, dropout: 0, epochs: 10, batchSize: 64, lr: 3e-3, optimizer: 'adam', schedule: 'cosine', clip: 1 },
  lstm: { blockSize: 3, embedding: 64, hidden: 128, layers: 1, heads: 1, dropout: 0, epochs: 5, batchSize: 64, lr: 3e-3, optimizer: 'adam', schedule: 'cosine', clip: 1 },
  transformer: { blockSize: 3, embedding: 128, hidden: 512, layers: 4, heads: 4, dropout: 0, epochs: 5, batchSize: 64, lr: 1e-3, optimizer: 'adam', schedule: 'cosine', clip: 1 },
};

/** Every setting of a run; saved in its checkpoints and kept when it is resumed. */
export interface CharLmConfig extends Recipe {
  model: ModelName;
  /** The word file (absolute). */
  words: string;
  /** Use this many words of the list (a seeded sample), or all. */
  maxWords: number | null;
  /** The seed of the word sample and the 80/10/10 split. */
  splitSeed: number;
  seed: number;
  dtype: 'float32' | 'float64';
  backend: string;
}

function defaultBackend(): string {
  return listBackends().includes('wasm') ? 'wasm' : getBackend().name;
}

/** The flags of `pnpm words`. */
export function charLmFlags() {
  const mlp = RECIPES.mlp;
  return {
    model: choice('model', MODEL_NAMES, { default: 'mlp' }),
    ...commonFlags({
      epochs: `the model's (mlp: ${mlp.epochs})`,
      batchSize: `the model's (mlp: ${mlp.batchSize} windows)`,
      lr: `the model's (mlp: ${mlp.lr})`,
      optimizer: mlp.optimizer,
      out: `runs/${EXAMPLE}/<date>_<time>, a new one per run; latest/ beside it is the newest`,
    }),
    words: path('the word list, one word per line (lower-cased; only a–z words are kept)', { default: WORDS_FILE }),
    maxWords: int('train on a seeded sample of this many words of the list (80/10/10 of it)', { min: 10 }),
    splitSeed: int('seed of the word sample and the train/validation/test split', { min: 0, max: 2 ** 31 - 1, default: '42' }),
    blockSize: int('characters of context (mlp)', { min: 1, max: 64, default: `${mlp.blockSize}` }),
    embedding: int('embedding width (the transformer\'s model width)', { min: 1, default: "the model's" }),
    hidden: int('hidden width (mlp, lstm; the transformer\'s feed-forward width)', { min: 1, default: "the model's" }),
    layers: int('hidden layers (mlp), lstm layers, transformer blocks', { min: 1, max: 64, default: "the model's" }),
    heads: int('attention heads (transformer)', { min: 1, default: "the model's" }),
    dropout: positive('dropout probability', { allowZero: true, default: "the model's" }),
    schedule: choice('learning-rate schedule', SCHEDULE_NAMES, { default: "the model's" }),
    clip: positive('clip the gradients to this global norm (0: no clipping)', { allowZero: true, default: "the model's (1)" }),
    temperature: positive('sampling temperature of the words printed at the end', { default: '1' }),
    samples: int('words to sample at the end', { min: 0, max: 1000, default: '20' }),
    checkpointEvery: int('also write the checkpoint every n steps, mid-epoch', { min: 1 }),
    backend: choice('tensor backend', listBackends(), { default: defaultBackend() }),
    exportOnnx: exportOnnxFlag('int32 character ids in, logits out (mlp: [batch, blockSize] → [batch, V]; lstm, transformer: [batch, length] → [batch, length, V], the transformer\'s length at most its position table\'s)'),
    ...debugFlags(),
  };
}

type Values = FlagValues<ReturnType<typeof charLmFlags>>;

/** Flags that are not settings of the run: a resumed run may give them anew. */
const RUN_ONLY = ['checkpoint', 'resume', 'out', 'checkpointEvery', 'temperature', 'samples', 'exportOnnx', ...DEBUG_FLAGS];

/** The settings from the model's recipe and the flags. */
export function resolveConfig(v: Values): CharLmConfig {
  const model = v.model ?? 'mlp';
  const recipe = RECIPES[model];
  if (v.dropout !== undefined && v.dropout >= 1) throw new UsageError(`--dropout must be in [0, 1), got ${v.dropout}`);
  const config: CharLmConfig = {
    model,
    words: userPath(v.words ?? WORDS_FILE),
    maxWords: v.maxWords ?? null,
    splitSeed: v.splitSeed ?? 42,
    blockSize: v.blockSize ?? recipe.blockSize,
    embedding: v.embedding ?? recipe.embedding,
    hidden: v.hidden ?? recipe.hidden,
    layers: v.layers ?? recipe.layers,
    heads: v.heads ?? recipe.heads,
    dropout: v.dropout ?? recipe.dropout,
    epochs: v.epochs ?? recipe.epochs,
    batchSize: v.batchSize ?? recipe.batchSize,
    optimizer: v.optimizer ?? recipe.optimizer,
    lr: v.lr ?? recipe.lr,
    schedule: v.schedule ?? recipe.schedule,
    clip: v.clip ?? recipe.clip,
    seed: v.seed ?? 0,
    dtype: v.dtype ?? 'float32',
    backend: v.backend ?? defaultBackend(),
  };
  if (config.embedding % config.heads !== 0) throw new UsageError(`--embedding ${config.embedding} must be a multiple of --heads ${config.heads}`);
  return config;
}

/** The words of a run, its vocabulary and the split, as the settings say. */
export interface WordData {
  vocab: Vocabulary;
  train: string[];
  val: string[];
  test: string[];
  /** Positions of the sequence datasets: the longest word of the list, plus one. */
  length: number;
}

/**
 * Reads the word list and splits it: with `maxWords`, a seeded sample of that many words first; then the
 * 80/10/10 split (`splitWords`, seed `splitSeed`). The vocabulary is that of all the words used.
 */
export async function loadWordData(config: Pick<CharLmConfig, 'words' | 'maxWords' | 'splitSeed'>): Promise<WordData> {
  let words = await readWords(config.words);
  if (words.length < 10) throw new UsageError(`--words ${config.words} has ${words.length} usable words (a–z only); a run needs at least 10`);
  if (config.maxWords !== null && config.maxWords < words.length) words = splitWords(words, [1], { seed: `${config.splitSeed}/sample` })[0]!.slice(0, config.maxWords);
  const [train, val, test] = splitWords(words, [0.8, 0.1, 0.1], { seed: config.splitSeed }) as [string[], string[], string[]];
  const length = words.reduce((m, w) => Math.max(m, w.length), 0) + 1;
  return { vocab: Vocabulary.fromWords(words), train, val, test, length };
}

/** The dataset a model trains on: context windows (MLP) or whole padded words (sequence models). */
export function datasetOf(config: CharLmConfig, data: WordData, words: readonly string[]): TensorDataset<[Tensor, Tensor]> {
  return config.model === 'mlp' ? contextWindows(words, data.vocab, config.blockSize) : nextTokenSequences(words, data.vocab, { length: data.length, ignoreIndex: IGNORE });
}

/**
 * The language-model step: cross-entropy of the next character, in nats per character. Sequence batches
 * (`[B, T]` targets) skip the padding (`ignoreIndex`) and weigh each batch by its characters, so the
 * epoch means are per character as the MLP's (one window, one character).
 */
export function lmStep(): StepFn<[Tensor, Tensor]> {
  return ([x, y], ctx) => {
    const out = ctx.model.forward(x) as Tensor;
    const sequences = y.ndim === 2;
    const logits = sequences ? out.reshape([-1, out.shape[2]!]) : out;
    const target = sequences ? y.reshape([-1]) : y;
    const loss = crossEntropy(logits, target, sequences ? { ignoreIndex: IGNORE } : {});
    const { size, correct } = noGrad(() => {
      const hit = logits.argmax(1).eq(target);
      if (!sequences) return { size: target.shape[0]!, correct: hit.sum().item() };
      const valid = target.ne(IGNORE);
      return { size: valid.sum().item(), correct: logicalAnd(hit, valid).sum().item() };
    });
    return { loss, size, metrics: { accuracy: correct / size } };
  };
}

/** The settings of a checkpoint; a flag that says otherwise is refused rather than silently ignored. */
function configOfCheckpoint(state: TrainingState, path: string, v: Values): CharLmConfig {
  const config = state.extra.config as unknown as CharLmConfig | undefined;
  if (state.extra.example !== EXAMPLE || typeof config !== 'object' || config === null) {
    throw new CheckpointError('extra', `${path} was written by ${JSON.stringify(state.extra.example ?? 'something else')}, not ${EXAMPLE}`);
  }
  const given = { ...v, ...(v.words === undefined ? {} : { words: userPath(v.words) }) } as Record<string, unknown>;
  for (const [key, value] of Object.entries(given)) {
    if (RUN_ONLY.includes(key)) continue;
    const saved = (config as unknown as Record<string, unknown>)[key];
    if (saved !== value) {
      const flag = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      throw new UsageError(`--${flag} ${String(value)} differs from the checkpoint's ${String(saved ?? 'unset')}; a resumed run keeps its checkpoint's settings, so leave --${flag} out`);
    }
  }
  return config;
}

/**
 * What `--export-onnx` traces the model on: two rows of boundary ids (0), the batch dimension dynamic. The MLP
 * reads `blockSize` ids; the LSTM any length, the transformer any length up to its position table's (both
 * dynamic too).
 */
export function onnxExample(config: CharLmConfig, length: number): [Tensor, ExportOnnxOptions, [string, string]] {
  switch (config.model) {
    case 'mlp':
      return [zeros([2, config.blockSize], { dtype: 'int32' }), {}, [`[batch, ${config.blockSize}]`, '[batch, V]']];
    case 'lstm':
      return [zeros([2, 3], { dtype: 'int32' }), { dynamicAxes: { input: { 0: 'batch', 1: 'length' } } }, ['[batch, length]', '[batch, length, V]']];
    case 'transformer':
      return [zeros([2, 3], { dtype: 'int32' }), { dynamicAxes: { input: { 0: 'batch', 1: 'length' } } }, [`[batch, length ≤ ${length}]`, '[batch, length, V]']];
  }
}

/** Parses the command line, trains, and prints the samples; the lines a user reads go to `opts.stream`. */
export async function runCharLm(argv: readonly string[], opts: { stream?: ProgressStream } = {}): Promise<{ out: string; samples: string[]; val: number; test: number }> {
  const stream = opts.stream ?? process.stdout;
  const spec = charLmFlags();
  const { values, help } = parseFlags(spec, argv);
  if (help) {
    stream.write(helpText('pnpm words [options]', `${EXAMPLE}: a character-level language model of English words (${WORDS_FILE}, Debian's wamerican); samples new words at the end.`, spec));
    return { out: '', samples: [], val: NaN, test: NaN };
  }
  const resumePath = values.resume === undefined ? null : userPath(values.resume);
  const resume = resumePath === null ? null : await loadCheckpoint(resumePath);
  const config = resume ? configOfCheckpoint(resume, resumePath!, values) : resolveConfig(values);
  const resumeFolder = typeof resume?.extra.out === 'string' ? resume.extra.out : null;
  if (resume && resume.epoch >= config.epochs) {
    throw new CheckpointError('fit', `${resumePath}: this run already finished its ${plural(config.epochs, 'epoch')}; there is nothing to resume${resumeFolder ? ` (its plots and metrics are in ${resumeFolder})` : ''}`);
  }
  if (values.checkpointEvery !== undefined && values.checkpoint === undefined && resumePath === null) throw new UsageError('--checkpoint-every needs --checkpoint <file>');
  const checkpointPath = values.checkpoint !== undefined ? checkpointFile(values.checkpoint, 'checkpoint') : values.resume !== undefined ? checkpointFile(values.resume, 'resume') : null;
  const onnxFile = onnxPath(values.exportOnnx);
  const output = planOutput({ out: values.out, base: `runs/${EXAMPLE}`, resumeFolder });
  const temperature = values.temperature ?? 1;

  setBackend(config.backend);
  manualSeed(config.seed);
  const data = await loadWordData(config);
  if (resume) {
    const saved = (resume.extra.vocab as { tokens?: unknown } | undefined)?.tokens;
    if (JSON.stringify(saved) !== JSON.stringify(data.vocab.tokens)) {
      throw new CheckpointError('extra', `${resumePath}: the checkpoint's vocabulary ${JSON.stringify(saved)} differs from that of ${config.words} now (${JSON.stringify(data.vocab.tokens)}); the word list changed`);
    }
  }
  const gen = (what: string) => new Generator(`${config.seed}/${what}`);
  const model = buildModel(config, { vocabSize: data.vocab.size, length: data.length, init: gen('init') });
  const trainSet = datasetOf(config, data, data.train);
  const train = new DataLoader(trainSet, { batchSize: config.batchSize, shuffle: true, generator: gen('shuffle') });
  const validation = new DataLoader(datasetOf(config, data, data.val), { batchSize: 512 });
  const scheduler = makeSchedule(config.schedule, config.lr, config.epochs * train.length, train.length);
  const optimizer = makeOptimizer(config.optimizer, model, { lr: config.lr, scheduler, dialect: 'torch' });
  const step = lmStep();

  const metricsSource = resume && resumeFolder ? join(resumeFolder, 'metrics.jsonl') : null;
  if (resume !== null && metricsSource !== null) {
    const want = (resume.extra.fit as { historyLength?: unknown } | undefined)?.historyLength;
    const have = readMetrics(metricsSource).length;
    if (typeof want === 'number' && have < want) {
      throw new CheckpointError('fit', `${resumePath}: the run's ${metricsSource} has ${have} complete records but the checkpoint was written after ${want}; it was moved, cut or replaced, so this run cannot continue its metrics (start a new run)`);
    }
  }
  const out = output.create();
  if (resume && !output.continuing && metricsSource) copyFileSync(metricsSource, join(out, 'metrics.jsonl'));
  const progress = new TerminalProgress({ stream, valLabel: 'val' });
  const n = (x: number) => x.toLocaleString('en-US');
  const uniform = Math.log(data.vocab.size);
  progress.line(
    `${EXAMPLE} · ${describeModel(config, data.vocab.size)} (${n(model.numParameters())} parameters) · ${n(data.train.length)} / ${n(data.val.length)} / ${n(data.test.length)} words (train / val / test) from ${config.words}` +
      ` · ${data.vocab.size} tokens (uniform loss ln ${data.vocab.size} = ${uniform.toFixed(4)})`,
  );
  progress.line(
    `  ${OPTIMIZER_LABELS[config.optimizer]} lr ${formatLr(config.lr)} (${config.schedule}) · batch ${config.batchSize} · ${plural(config.epochs, 'epoch')} · clip ${config.clip || 'none'}` +
      `${config.dropout > 0 ? ` · dropout ${config.dropout}` : ''} · seed ${config.seed} · ${config.dtype} · backend ${describeBackend(config.backend)}`,
  );
  progress.line(`  loss in nats per character · output ${out}${checkpointPath ? ` · checkpoint ${checkpointPath}` : ''}`);
  if (resume) progress.line(`  resumed from ${resumePath} after ${plural(resume.epoch, 'epoch')} (step ${resume.step})`);

  // One batch of the model's inputs: context windows (MLP) or padded words (sequence models).
  printSummary(values, progress, model, () => {
    const inputs = trainSet.tensors[0];
    return inputs.narrow(0, 0, Math.min(config.batchSize, inputs.shape[0]!));
  }, optimizer);
  const profiler = profileCallbacks(values, progress);

  const plotOptions = { title: `${EXAMPLE} (${config.model})`, stepsPerEpoch: train.length };
  const history = new JsonlHistory(join(out, 'metrics.jsonl'));
  const plots = () => writePlots(out, { 'loss.svg': lossChart(history.records, plotOptions), 'accuracy.svg': accuracyChart(history.records, plotOptions), 'lr.svg': lrChart(history.records, plotOptions) });
  const plotCallback: Callback = { onEpochEnd: () => void plots() };
  const began = performance.now();
  try {
    await fit({
      model, optimizer, train, validation, epochs: config.epochs, step, history, resume,
      clipGradNorm: config.clip > 0 ? config.clip : null,
      onNonFinite: 'throw', maxLoss: DIVERGED_LOSS,
      extra: { example: EXAMPLE, config: config as unknown as JsonValue, vocab: data.vocab.toJSON() as unknown as JsonValue, out },
      callbacks: [progress, plotCallback, ...profiler, ...(checkpointPath ? [fileCheckpoint(checkpointPath, { everySteps: values.checkpointEvery ?? 0 })] : [])],
    });
  } catch (e) {
    stopProfiling();
    if (!(e instanceof NonFiniteLossError)) throw e;
    progress.stop();
    plots();
    const last = history.records.filter((r): r is StepRecord => r.type === 'step').at(-1);
    const err = new DivergenceError(e.loss, e.epoch, e.batch, e.step, last ? { loss: last.metrics.loss!, step: last.step } : null);
    err.message += `; try a smaller --lr (this run's is ${formatLr(config.lr)})`;
    throw err;
  }
  const seconds = (performance.now() - began) / 1000;
  plots();
  const val = evaluate(model, validation, { step }).metrics.loss!;
  const test = evaluate(model, new DataLoader(datasetOf(config, data, data.test), { batchSize: 512 }), { step }).metrics.loss!;
  await save(join(out, 'model.safetensors'), model);
  if (onnxFile !== null) {
    const [example, options, shapes] = onnxExample(config, data.length);
    await writeOnnx(onnxFile, model, example, options);
    progress.line(`  ONNX model in ${onnxFile} (input "input" int32 ids ${shapes[0]}; output "output" logits ${shapes[1]})`);
  }
  progress.line(`done: validation loss ${val.toFixed(4)}, test loss ${test.toFixed(4)} nats per character (uniform ${uniform.toFixed(4)}) after ${plural(config.epochs, 'epoch')}, ${formatDuration(seconds)}`);

  const samples = values.samples === 0 ? [] : sampleWords(model as CharModel, data.vocab, { count: values.samples ?? 20, temperature, generator: gen('sample') });
  if (samples.length > 0) {
    const known = new Set(data.train);
    const shown = samples.map((w) => (known.has(w) ? `${w} *` : w));
    progress.line(`${samples.length} new words at temperature ${temperature} (* = in the training words):`);
    const width = Math.max(...shown.map((s) => s.length)) + 2;
    const perLine = Math.max(1, Math.floor(100 / width));
    for (let i = 0; i < shown.length; i += perLine) progress.line(`  ${shown.slice(i, i + perLine).map((s) => s.padEnd(width)).join('').trimEnd()}`);
    writeFileSync(join(out, 'samples.txt'), `${shown.join('\n')}\n`);
  }
  progress.line(`plots, metrics.jsonl, samples.txt and model.safetensors in ${out}`);
  return { out, samples, val, test };
}
