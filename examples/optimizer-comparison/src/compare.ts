// pnpm compare: the reference notebook's story in numbers. The same MLP, from the same initial weights, is
// trained by each optimizer on the same batches in the same order, one optimizer after another, each with
// @tensile/train's fit; then the learning-rate schedules are previewed and each optimizer walks the
// Rosenbrock valley. Plots: curves.svg, lr-schedules.svg, rosenbrock.svg; numbers: metrics.jsonl (every
// record tagged with its optimizer); checkpoints: see manifest.ts.
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Flatten, Linear, ReLU, Sequential } from '@tensile/nn';
import { save } from '@tensile/nn/node';
import { Generator, listBackends, manualSeed, setBackend } from '@tensile/tensor';
import { DataLoader, transforms } from '@tensile/data';
import {
  DATASET_LABELS, DATASET_NAMES, DEFAULT_LR, DIVERGED_LOSS, DivergenceError, OPTIMIZER_LABELS, OPTIMIZER_NAMES, PIXEL_STATS, SCHEDULE_NAMES, UsageError,
  checkpointFile, choice, choiceList, commonFlags, describeBackend, helpText, int, loadImages, makeOptimizer, makeSchedule, parseFlags, planOutput, plural,
  userPath, type OptimizerName,
} from '@tensile/examples-common';
import {
  CheckpointError, NonFiniteLossError, PALETTE, chartGroup, classificationStep, comparisonChart, contourGroup, fit, formatLr, formatPercent,
  lineChart, recordsByRun, svgDocument, type EpochRecord, type JsonValue, type MetricsRecord, type TrainingState,
} from '@tensile/train';
import { JsonlHistory, TerminalProgress, fileCheckpoint, loadCheckpoint, readMetrics, saveCheckpoint, type ProgressStream } from '@tensile/train/node';
import { readManifest, runFile, writeManifest, type CompareConfig, type Manifest } from './manifest.js';
import { ROSENBROCK_LR, ROSENBROCK_VIEW, rosenbrockPath } from './rosenbrock.js';
import { schedulePreviews } from './schedules.js';

export type { CompareConfig } from './manifest.js';

const EXAMPLE = 'optimizer-comparison';
const defaultBackend = () => (listBackends().includes('wasm') ? 'wasm' : 'js');

/** The comparison's flags: the common ones, with `--optimizer` taking a list. */
export function compareFlags() {
  const common = commonFlags({
    epochs: '5', batchSize: '64', lr: "each optimizer's usual one", optimizer: 'all',
    out: 'runs/optimizer-comparison/<date>_<time>, a new one per run; latest/ beside it is the newest',
  });
  return {
    ...common,
    optimizer: choiceList('optimizers to compare', OPTIMIZER_NAMES, { default: 'all of them' }),
    checkpoint: { ...common.checkpoint, help: "write the comparison's checkpoint to this .safetensors file (the settings, which optimizers finished) and each optimizer's training checkpoint beside it (<file>.<optimizer>.safetensors), after every epoch, atomically" },
    resume: { ...common.resume, help: 'continue the comparison saved in this checkpoint: finished optimizers are skipped, the others continue exactly where their checkpoints were taken; in its output folder unless --out says otherwise; --epochs may ask for more epochs' },
    checkpointEvery: int('also write the training checkpoint every n steps, mid-epoch', { min: 1 }),
    schedule: choice("every optimizer's learning-rate schedule, peaking at its lr", SCHEDULE_NAMES, { default: 'constant' }),
    dataset: choice('dataset', DATASET_NAMES, { default: 'mnist' }),
    trainSize: int('train on the first n training samples only', { min: 1 }),
    testSize: int('evaluate on the first n test samples only', { min: 1 }),
    rosenbrockSteps: int('steps of each optimizer on the Rosenbrock function', { min: 1, default: '2000' }),
    backend: choice('tensor backend', listBackends(), { default: defaultBackend() }),
  };
}

const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The MLP every optimizer trains: 784-128-10, PyTorch's default init from `generator`. */
function makeModel(config: CompareConfig, generator: Generator) {
  const opts = { dtype: config.dtype, generator };
  return new Sequential(new Flatten(), new Linear(784, 128, opts), new ReLU(), new Linear(128, 10, opts));
}

const lrOf = (config: CompareConfig, name: OptimizerName) => config.lr ?? DEFAULT_LR[name];

/** The settings of a resumed comparison: its checkpoint's, with more epochs if `--epochs` asks; a flag that says otherwise is an error. */
function configOfManifest(saved: CompareConfig, v: Record<string, unknown>): CompareConfig {
  const given: Record<string, unknown> = { ...v, optimizers: v.optimizer };
  for (const key of (Object.keys(saved) as (keyof CompareConfig)[]).filter((k) => k !== 'epochs')) {
    const value = given[key];
    if (value !== undefined && JSON.stringify(value) !== JSON.stringify(saved[key])) {
      const flag = key === 'optimizers' ? 'optimizer' : kebab(key);
      throw new UsageError(`--${flag} ${String(value)} differs from the checkpoint's ${String(saved[key])}; a resumed run keeps its checkpoint's settings, so leave --${flag} out`);
    }
  }
  const epochs = v.epochs as number | undefined;
  if (epochs !== undefined && epochs < saved.epochs) {
    throw new UsageError(`--epochs ${epochs} is fewer than the checkpoint's ${saved.epochs}; a resumed comparison can train longer, not shorter`);
  }
  if (epochs !== undefined && epochs !== saved.epochs && saved.schedule !== 'constant') {
    throw new UsageError(
      `--epochs ${epochs} differs from the checkpoint's ${saved.epochs}; its ${saved.schedule} schedule is laid out over ${plural(saved.epochs, 'epoch')}, so it keeps them (only a constant schedule can train longer)`,
    );
  }
  return { ...saved, epochs: epochs ?? saved.epochs };
}

/** The settings without their epochs, to compare a run's checkpoint with its comparison's. */
const settings = (c: CompareConfig) => JSON.stringify({ ...c, epochs: 0 });

/**
 * The training checkpoint of each optimizer that has one beside the manifest, checked to belong to this
 * comparison (an optimizer killed before its first checkpoint has none: it starts from the beginning).
 */
async function readRunStates(manifestPath: string, manifest: Manifest): Promise<Map<OptimizerName, TrainingState>> {
  const states = new Map<OptimizerName, TrainingState>();
  for (const name of manifest.config.optimizers) {
    const file = join(dirname(manifestPath), manifest.runs[name]!.file);
    const state = await loadCheckpoint(file, { ifExists: true });
    if (state === null) {
      if (manifest.runs[name]!.finished) throw new CheckpointError('file', `${manifestPath}: ${OPTIMIZER_LABELS[name]} finished, but its checkpoint ${file} is missing`);
      continue;
    }
    const config = state.extra.config as unknown as CompareConfig | undefined;
    if (state.extra.example !== EXAMPLE || state.extra.run !== name || typeof config !== 'object' || config === null || settings(config) !== settings(manifest.config)) {
      throw new CheckpointError('extra', `${file} is not ${OPTIMIZER_LABELS[name]}'s checkpoint of the comparison in ${manifestPath} (its settings or its run differ)`);
    }
    states.set(name, state);
  }
  return states;
}

/** Batches of the epoch under way when a checkpoint was written (0 at an epoch's end). */
function batchesDoneIn(state: TrainingState): number {
  const f = state.extra.fit as { partial?: { batches?: unknown } | null } | undefined;
  return typeof f?.partial?.batches === 'number' ? f.partial.batches : 0;
}

/** Records of the run `name` that its checkpoint counts (fit's `historyLength`). */
const historyLengthOf = (state: TrainingState) => (state.extra.fit as { historyLength?: number } | undefined)?.historyLength ?? 0;

/** Parses the command line and runs the comparison; lines go to `opts.stream` (default stdout). */
export async function runComparison(argv: readonly string[], opts: { stream?: ProgressStream } = {}): Promise<void> {
  const stream = opts.stream ?? process.stdout;
  const spec = compareFlags();
  const { values: v, help } = parseFlags(spec, argv);
  if (help) {
    stream.write(helpText('pnpm compare [options]',
      'optimizer-comparison: trains the same 784-128-10 MLP with SGD, SGD + momentum, AdaGrad, RMSProp, Adam and AdamW,\n' +
      'one after another, from the same initial weights on the same batches; previews the learning-rate schedules;\n' +
      'and runs each optimizer on the Rosenbrock function.', spec));
    return;
  }
  const resumePath = v.resume === undefined ? null : userPath(v.resume);
  const manifest0 = resumePath === null ? null : await readManifest(resumePath);
  const config: CompareConfig = manifest0 ? configOfManifest(manifest0.config, v) : {
    optimizers: v.optimizer ?? [...OPTIMIZER_NAMES], lr: v.lr ?? null, schedule: v.schedule ?? 'constant', epochs: v.epochs ?? 5, batchSize: v.batchSize ?? 64,
    seed: v.seed ?? 0, dtype: v.dtype ?? 'float32', dataset: v.dataset ?? 'mnist', trainSize: v.trainSize ?? null,
    testSize: v.testSize ?? null, rosenbrockSteps: v.rosenbrockSteps ?? 2000, backend: v.backend ?? defaultBackend(),
  };
  const states = manifest0 ? await readRunStates(resumePath!, manifest0) : new Map<OptimizerName, TrainingState>();
  const resumeFolder = manifest0?.out ?? null;
  if (manifest0) {
    const done = Math.min(...config.optimizers.map((name) => states.get(name)?.epoch ?? 0));
    if (done >= config.epochs) {
      throw new CheckpointError(
        'fit',
        `${resumePath}: this comparison already trained ${plural(done, 'epoch')}; there is nothing to resume` +
          `${config.schedule === 'constant' ? ` unless --epochs asks for more (--epochs ${done + 1} or above)` : ''}; its plots and metrics are in ${resumeFolder}`,
      );
    }
  }
  if (v.checkpointEvery !== undefined && v.checkpoint === undefined && resumePath === null) throw new UsageError('--checkpoint-every needs --checkpoint <file>');
  // Every path is checked before the data loads.
  const checkpoint = v.checkpoint !== undefined ? checkpointFile(v.checkpoint, 'checkpoint') : v.resume !== undefined ? checkpointFile(v.resume, 'resume') : null;
  const output = planOutput({ out: v.out, base: `runs/${EXAMPLE}`, resumeFolder });
  // The run's metrics.jsonl must still hold the records each optimizer's checkpoint counts.
  const metricsSource = resumeFolder === null ? null : join(resumeFolder, 'metrics.jsonl');
  if (metricsSource !== null) {
    const have = recordsByRun(readMetrics(metricsSource));
    for (const [name, state] of states) {
      const n = have.get(name)?.length ?? 0;
      if (n < historyLengthOf(state)) {
        throw new CheckpointError(
          'fit',
          `${resumePath}: the comparison's ${metricsSource} has ${n} complete records of ${OPTIMIZER_LABELS[name]} but its checkpoint was written after ${historyLengthOf(state)}; it was moved, cut or replaced, so this comparison cannot continue its metrics (start a new one)`,
        );
      }
    }
  }

  setBackend(config.backend);
  const data = await loadImages(config.dataset, { trainSize: config.trainSize, testSize: config.testSize, dtype: config.dtype });
  const { mean, std } = PIXEL_STATS[config.dataset];
  const prepare = transforms.normalize(mean, std);
  const step = classificationStep({ transform: prepare, evalTransform: prepare });

  const out = output.create();
  const metricsPath = join(out, 'metrics.jsonl');
  // Resumed into another folder: the records so far come along from the comparison's own folder.
  if (metricsSource !== null && existsSync(metricsSource)) {
    if (!output.continuing) copyFileSync(metricsSource, metricsPath);
  } else writeFileSync(metricsPath, '');
  const manifest: Manifest = {
    config, out,
    runs: Object.fromEntries(config.optimizers.map((name) => {
      const state = states.get(name);
      const finished = state !== undefined && state.epoch >= config.epochs;
      return [name, { file: checkpoint ? basename(runFile(checkpoint, name)) : '', finished, epochs: finished ? state.epoch : 0, step: finished ? state.step : 0 }];
    })),
  };
  if (checkpoint) {
    // Checkpointing to new files (another --checkpoint, or a manifest renamed since): the checkpoints so far go with it.
    for (const [name, state] of states) {
      if (runFile(checkpoint, name) !== join(dirname(resumePath!), manifest0!.runs[name]!.file)) await saveCheckpoint(runFile(checkpoint, name), state);
    }
    await writeManifest(checkpoint, manifest);
  }

  const width = Math.max(...config.optimizers.map((name) => OPTIMIZER_LABELS[name].length));
  const header = new TerminalProgress({ stream });
  const stepsPerEpoch = new DataLoader(data.train, { batchSize: config.batchSize }).length;
  header.line(
    `${EXAMPLE} · MLP 784-128-10 · ${DATASET_LABELS[config.dataset]}: ${data.train.length.toLocaleString('en-US')} train / ` +
      `${data.test.length.toLocaleString('en-US')} test · ${plural(config.epochs, 'epoch')} of ${plural(stepsPerEpoch, 'step')} · batch ${config.batchSize} · schedule ${config.schedule} · seed ${config.seed} · ${config.dtype} · backend ${describeBackend(config.backend)}`,
  );
  header.line(`  ${config.optimizers.map((name) => `${OPTIMIZER_LABELS[name]} lr ${formatLr(lrOf(config, name))}`).join(' · ')}`);
  header.line(`  output ${out}${checkpoint ? ` · checkpoint ${checkpoint}` : ''}`);
  if (manifest0) {
    const where = config.optimizers.map((name) => {
      const s = states.get(name);
      if (s === undefined) return `${OPTIMIZER_LABELS[name]} from the start`;
      const batches = batchesDoneIn(s);
      return `${OPTIMIZER_LABELS[name]} after ${plural(s.epoch, 'epoch')}${batches > 0 ? ` and ${plural(batches, 'batch', 'batches')}` : ''}`;
    });
    header.line(`  resumed from ${resumePath}: ${where.join(' · ')}`);
  }

  const curves = () => writeCurves(out, config, readMetrics(metricsPath), stepsPerEpoch);
  for (const name of config.optimizers) {
    const label = OPTIMIZER_LABELS[name];
    const state = states.get(name) ?? null;
    // Each optimizer starts from the same place: the same default generator, initial weights and batches.
    manualSeed(config.seed);
    const model = makeModel(config, new Generator(`${config.seed}/init`));
    const train = new DataLoader(data.train, { batchSize: config.batchSize, shuffle: true, generator: new Generator(`${config.seed}/shuffle`) });
    // Each run has its loaders: their positions are part of its checkpoints.
    const validation = new DataLoader(data.test, { batchSize: 500 });
    const lr = lrOf(config, name);
    // No scheduler for a constant rate: a constant comparison may be resumed for more epochs.
    const scheduler = config.schedule === 'constant' ? null : makeSchedule(config.schedule, lr, config.epochs * train.length, train.length);
    const optimizer = makeOptimizer(name, model, { lr, scheduler });
    const progress = new TerminalProgress({ stream, valLabel: 'test', prefix: `${label.padEnd(width)}  ` });
    const history = new JsonlHistory(metricsPath, { run: name });
    if (state !== null && state.epoch >= config.epochs) progress.line(`${label.padEnd(width)}  trained its ${plural(state.epoch, 'epoch')} before the resume`);
    try {
      await fit({
        model, optimizer, train, validation, step, history, epochs: config.epochs, resume: state,
        onNonFinite: 'throw', maxLoss: DIVERGED_LOSS,
        extra: { example: EXAMPLE, run: name, config: config as unknown as JsonValue, out },
        callbacks: [
          progress,
          // The curves so far after each epoch, so a long comparison can be watched.
          { onEpochEnd: curves },
          ...(checkpoint ? [fileCheckpoint(runFile(checkpoint, name), { everySteps: v.checkpointEvery ?? 0 })] : []),
        ],
      });
    } catch (e) {
      if (!(e instanceof NonFiniteLossError)) throw e;
      progress.stop();
      curves();
      const err = DivergenceError.from(e, history.records);
      err.message = `${label}: ${err.message}; try a smaller --lr (its lr is ${formatLr(lrOf(config, name))}), or leave it out of --optimizer`;
      throw err;
    }
    await save(join(out, `${name}.safetensors`), model);
    manifest.runs[name] = { ...manifest.runs[name]!, finished: true, epochs: config.epochs, step: optimizer.stepCount };
    if (checkpoint) await writeManifest(checkpoint, manifest);
  }
  curves();

  // The learning-rate schedules, previewed over this run's steps.
  const previews = schedulePreviews(1e-3, config.epochs * stepsPerEpoch, stepsPerEpoch);
  writeFileSync(join(out, 'lr-schedules.svg'), lineChart({
    title: `learning-rate schedules over ${plural(config.epochs, 'epoch')} of ${plural(stepsPerEpoch, 'step')} (peak 1e-3)`, xLabel: 'epoch', yLabel: 'learning rate', legend: 'right',
    series: previews.map((p) => ({ name: p.name, points: p.lrs.map((lr, i) => [(i + 1) / stepsPerEpoch, lr] as [number, number]) })),
  }, 1100, 480));

  // Each optimizer on the Rosenbrock function.
  const paths = config.optimizers.map((name) => ({ name, ...rosenbrockPath(name, config.rosenbrockSteps) }));
  writeFileSync(join(out, 'rosenbrock.svg'), svgDocument(1200, 560,
    contourGroup({
      title: `Rosenbrock (1 − x)² + 100(y − x²)² from (−1.2, 1), ${config.rosenbrockSteps} steps`,
      ...ROSENBROCK_VIEW,
      paths: paths.map((p) => ({ name: `${OPTIMIZER_LABELS[p.name]} (lr ${ROSENBROCK_LR[p.name]})`, points: p.points, color: colorOf(p.name) })),
    }, 0, 0, 600, 560) +
    chartGroup({
      title: 'f along each path', xLabel: 'step', yLabel: 'f(x, y)', logY: true,
      series: paths.map((p) => ({ name: OPTIMIZER_LABELS[p.name], points: p.values.map((f, i) => [i, f] as [number, number]), color: colorOf(p.name) })),
    }, 600, 0, 600, 560)));

  // The table.
  const byRun = recordsByRun(readMetrics(metricsPath));
  const column = Math.max(width, 'optimizer'.length);
  header.line('');
  header.line(`${'optimizer'.padEnd(column)}  lr        train loss  test acc  │  Rosenbrock: lr     f after ${config.rosenbrockSteps} steps, at`);
  for (const name of config.optimizers) {
    const last = (byRun.get(name) ?? []).filter((r): r is EpochRecord => r.type === 'epoch').at(-1);
    const path = paths.find((p) => p.name === name)!;
    const [x, y] = path.points.at(-1)!;
    header.line(
      `${OPTIMIZER_LABELS[name].padEnd(column)}  ${formatLr(lrOf(config, name)).padEnd(8)}  ${(last?.train.loss?.toFixed(4) ?? '-').padEnd(10)}  ` +
        `${(last?.val?.accuracy === undefined ? '-' : formatPercent(last.val.accuracy)).padEnd(8)}  │  ${formatLr(ROSENBROCK_LR[name]).padEnd(8)}  ${path.values.at(-1)!.toExponential(2)} at (${x.toFixed(3)}, ${y.toFixed(3)})`,
    );
  }
  header.line(`plots: ${out}/curves.svg, lr-schedules.svg, rosenbrock.svg · metrics.jsonl`);
}

/** Each optimizer keeps its color in every plot, whichever subset is compared. */
const colorOf = (name: OptimizerName) => PALETTE[OPTIMIZER_NAMES.indexOf(name) % PALETTE.length]!;

/** Every optimizer's training loss (per step, smoothed) and test accuracy (per epoch), on one SVG. */
function writeCurves(out: string, config: CompareConfig, records: readonly MetricsRecord[], stepsPerEpoch: number): void {
  const byRun = recordsByRun(records);
  const runs = config.optimizers.map((name) => ({ name: OPTIMIZER_LABELS[name], color: colorOf(name), records: byRun.get(name) ?? [] }));
  writeFileSync(join(out, 'curves.svg'), comparisonChart(runs, { metric: 'val.accuracy', metricTitle: 'test accuracy', stepsPerEpoch }));
}
