// pnpm compare: the reference notebook's story in numbers. The same MLP, from the same initial weights, is
// trained by each optimizer on the same batches in the same order; then the learning-rate schedules are
// previewed and each optimizer walks the Rosenbrock valley. Plots: curves.svg, lr-schedules.svg,
// rosenbrock.svg; numbers: metrics.jsonl.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Flatten, Linear, ReLU, Sequential } from '@tensile/nn';
import { save } from '@tensile/nn/node';
import { Generator, getDefaultGenerator, listBackends, manualSeed, setBackend, type GeneratorState } from '@tensile/tensor';
import { DataLoader, transforms } from '@tensile/data';
import {
  CheckpointError, DATASET_LABELS, DATASET_NAMES, DEFAULT_LR, DivergenceError, MetricsLog, OPTIMIZER_LABELS, OPTIMIZER_NAMES, PIXEL_STATS, Progress,
  Run, UsageError, checkpointFile, choice, choiceList, commonFlags, describeBackend, helpText, int, loadImages, makeOptimizer, outputFolderOf,
  parseFlags, planOutput, plural, readCheckpoint, userPath, writeCheckpoint, type DatasetName, type MetricsRecord, type OptimizerName,
  type ProgressStream,
} from '@tensile/examples-common';
import { PALETTE, chartGroup, contourGroup, formatDuration, formatLr, formatPercent, formatRate, lineChart, smooth, svgDocument } from '@tensile/train';
import { ROSENBROCK_LR, ROSENBROCK_VIEW, rosenbrockPath } from './rosenbrock.js';
import { schedulePreviews } from './schedules.js';

/** Every setting of a comparison; saved in its checkpoints and locked when it is resumed. */
export interface CompareConfig {
  optimizers: OptimizerName[];
  /** One learning rate for all, or null for each optimizer's usual one (DEFAULT_LR). */
  lr: number | null;
  epochs: number;
  batchSize: number;
  seed: number;
  dtype: 'float32' | 'float64';
  dataset: DatasetName;
  trainSize: number | null;
  testSize: number | null;
  rosenbrockSteps: number;
  backend: string;
}

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

/** Parses the command line and runs the comparison; lines go to `opts.stream` (default stdout). */
export async function runComparison(argv: readonly string[], opts: { stream?: ProgressStream } = {}): Promise<void> {
  const stream = opts.stream ?? process.stdout;
  const spec = compareFlags();
  const { values: v, help } = parseFlags(spec, argv);
  if (help) {
    stream.write(helpText('pnpm compare [options]',
      'optimizer-comparison: trains the same 784-128-10 MLP with SGD, SGD + momentum, AdaGrad, RMSProp, Adam and AdamW\n' +
      'from the same initial weights on the same batches, previews the learning-rate schedules, and runs each\n' +
      'optimizer on the Rosenbrock function.', spec));
    return;
  }
  const resumePath = v.resume === undefined ? null : userPath(v.resume);
  const ckpt = resumePath === null ? null : await readCheckpoint(resumePath);
  let config: CompareConfig = {
    optimizers: v.optimizer ?? [...OPTIMIZER_NAMES], lr: v.lr ?? null, epochs: v.epochs ?? 5, batchSize: v.batchSize ?? 64,
    seed: v.seed ?? 0, dtype: v.dtype ?? 'float32', dataset: v.dataset ?? 'mnist', trainSize: v.trainSize ?? null,
    testSize: v.testSize ?? null, rosenbrockSteps: v.rosenbrockSteps ?? 2000, backend: v.backend ?? defaultBackend(),
  };
  if (ckpt) {
    if (ckpt.meta.example !== 'optimizer-comparison') throw new CheckpointError(`${resumePath} was written by ${JSON.stringify(ckpt.meta.example)}, not optimizer-comparison`);
    const saved = ckpt.meta.config as CompareConfig;
    const given: Record<string, unknown> = { ...v, optimizers: v.optimizer };
    // There is no learning-rate schedule here, so a resumed comparison may run for more epochs.
    for (const key of (Object.keys(saved) as (keyof CompareConfig)[]).filter((k) => k !== 'epochs')) {
      const value = given[key];
      if (value !== undefined && JSON.stringify(value) !== JSON.stringify(saved[key])) {
        const flag = key === 'optimizers' ? 'optimizer' : kebab(key);
        throw new UsageError(`--${flag} ${String(value)} differs from the checkpoint's ${String(saved[key])}; a resumed run keeps its checkpoint's settings, so leave --${flag} out`);
      }
    }
    config = { ...saved, epochs: v.epochs ?? saved.epochs };
    const done = Math.min(...config.optimizers.map((name) => (ckpt.meta[`${name}/run`] as { epochsDone?: number } | undefined)?.epochsDone ?? 0));
    if (done >= config.epochs) {
      const where = outputFolderOf(ckpt);
      throw new CheckpointError(
        `${resumePath}: this comparison already trained ${plural(done, 'epoch')}; there is nothing to resume unless --epochs asks for more (--epochs ${done + 1} or above)${where ? `; its plots and metrics are in ${where}` : ''}`,
      );
    }
  }
  // Every path is checked before the data loads.
  const checkpoint = v.checkpoint !== undefined ? checkpointFile(v.checkpoint, 'checkpoint') : v.resume !== undefined ? checkpointFile(v.resume, 'resume') : null;
  const resumeFolder = outputFolderOf(ckpt);
  const output = planOutput({ out: v.out, base: 'runs/optimizer-comparison', resumeFolder });

  setBackend(config.backend);
  manualSeed(config.seed);
  const data = await loadImages(config.dataset, { trainSize: config.trainSize, testSize: config.testSize, dtype: config.dtype });
  const { mean, std } = PIXEL_STATS[config.dataset];
  const prepare = transforms.normalize(mean, std);
  // Each run gets generators with the same seeds: the same initial weights and the same batches.
  const runs = config.optimizers.map((name) => {
    const model = makeModel(config, new Generator(`${config.seed}/init`));
    const loader = new DataLoader(data.train, { batchSize: config.batchSize, shuffle: true, generator: new Generator(`${config.seed}/shuffle`) });
    const optimizer = makeOptimizer(name, model, { lr: config.lr ?? DEFAULT_LR[name] });
    return { name, run: new Run({ model, optimizer, loader, trainTransform: prepare, evalTransform: prepare }) };
  });
  if (ckpt) {
    try {
      for (const { name, run } of runs) run.restore(ckpt, `${name}/`);
    } catch (e) {
      if (e instanceof Error) e.message = `${resumePath}: ${e.message}`;
      throw e;
    }
    getDefaultGenerator().setState(ckpt.meta.defaultGenerator as GeneratorState);
  }

  const out = output.create();
  const progress = new Progress({ stream });
  const stepsPerEpoch = runs[0]!.run.batchesPerEpoch;
  const done = runs[0]!.run.epochsDone;
  progress.line(
    `optimizer-comparison · MLP 784-128-10 · ${DATASET_LABELS[config.dataset]}: ${data.train.length.toLocaleString('en-US')} train / ` +
      `${data.test.length.toLocaleString('en-US')} test · ${plural(config.epochs, 'epoch')} · batch ${config.batchSize} · seed ${config.seed} · ${config.dtype} · backend ${describeBackend(config.backend)}`,
  );
  progress.line(`  ${runs.map(({ name, run }) => `${OPTIMIZER_LABELS[name]} lr ${formatLr(run.parts.optimizer.defaults.lr)}`).join(' · ')}`);
  progress.line(`  output ${out}${checkpoint ? ` · checkpoint ${checkpoint}` : ''}`);
  if (ckpt) progress.line(`  resumed from ${resumePath} after ${plural(done, 'epoch')}`);

  const metrics = new MetricsLog(
    join(out, 'metrics.jsonl'),
    ckpt ? { keepUpToStep: runs[0]!.run.step, from: !output.continuing && resumeFolder ? join(resumeFolder, 'metrics.jsonl') : undefined } : {},
  );
  const width = Math.max(...runs.map(({ name }) => OPTIMIZER_LABELS[name].length));
  const seconds = new Map<OptimizerName, number>();
  for (let epoch = done + 1; epoch <= config.epochs; epoch++) {
    for (const { name, run } of runs) {
      const label = `${OPTIMIZER_LABELS[name].padEnd(width)}  epoch ${epoch}/${config.epochs}`;
      const start = performance.now();
      progress.start(label, stepsPerEpoch);
      const it = run.trainEpoch();
      let r;
      try {
        for (r = it.next(); !r.done; r = it.next()) {
          const s = r.value;
          progress.update(s.batch, { loss: s.totals.lossSum / s.totals.samples, accuracy: s.totals.correct / s.totals.samples, samplesPerSec: s.totals.samples / ((performance.now() - start) / 1000) });
          metrics.write({ type: 'step', run: name, epoch, step: s.step, loss: s.loss, accuracy: s.accuracy, lr: s.lr });
        }
      } catch (e) {
        if (e instanceof DivergenceError) {
          progress.stop();
          writeCurves(out, config, metrics.records, stepsPerEpoch);
          e.message = `${OPTIMIZER_LABELS[name]}: ${e.message}; try a smaller --lr (its lr is ${formatLr(run.parts.optimizer.defaults.lr)}), or leave it out of --optimizer`;
        }
        throw e;
      }
      const totals = r.value;
      const trainSeconds = (performance.now() - start) / 1000;
      const test = run.evaluate(data.test);
      const elapsed = (performance.now() - start) / 1000;
      seconds.set(name, (seconds.get(name) ?? 0) + elapsed);
      const record: MetricsRecord = {
        type: 'epoch', run: name, epoch, step: run.step, lr: run.parts.optimizer.lastLr[0]!,
        trainLoss: totals.lossSum / totals.samples, trainAccuracy: totals.correct / totals.samples,
        testLoss: test.loss, testAccuracy: test.accuracy, seconds: elapsed, samplesPerSec: totals.samples / trainSeconds,
      };
      metrics.write(record);
      progress.finish(
        `${label}  loss ${record.trainLoss.toFixed(4)}  acc ${formatPercent(record.trainAccuracy)}  │  test loss ${record.testLoss.toFixed(4)}  ` +
          `acc ${formatPercent(record.testAccuracy)}  │  ${formatDuration(elapsed)}  ${formatRate(record.samplesPerSec)} samples/s`,
      );
    }
    if (checkpoint) {
      const tensors = new Map();
      const meta: Record<string, unknown> = { example: 'optimizer-comparison', config, out, defaultGenerator: getDefaultGenerator().getState() };
      for (const { name, run } of runs) {
        const s = run.state(`${name}/`);
        for (const [k, t] of s.tensors) tensors.set(k, t);
        Object.assign(meta, s.meta);
      }
      await writeCheckpoint(checkpoint, { tensors, meta });
    }
    writeCurves(out, config, metrics.records, stepsPerEpoch);
  }
  writeCurves(out, config, metrics.records, stepsPerEpoch);
  for (const { name, run } of runs) await save(join(out, `${name}.safetensors`), run.parts.model);

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
      paths: paths.map((p, i) => ({ name: `${OPTIMIZER_LABELS[p.name]} (lr ${ROSENBROCK_LR[p.name]})`, points: p.points, color: PALETTE[OPTIMIZER_NAMES.indexOf(p.name) % 10] ?? PALETTE[i] })),
    }, 0, 0, 600, 560) +
    chartGroup({
      title: 'f along each path', xLabel: 'step', yLabel: 'f(x, y)', logY: true,
      series: paths.map((p) => ({ name: OPTIMIZER_LABELS[p.name], points: p.values.map((f, i) => [i, f] as [number, number]), color: PALETTE[OPTIMIZER_NAMES.indexOf(p.name) % 10] })),
    }, 600, 0, 600, 560)));

  // The table.
  const epochs = metrics.records.filter((r): r is Extract<MetricsRecord, { type: 'epoch' }> => r.type === 'epoch');
  progress.line('');
  progress.line(`${'optimizer'.padEnd(width)}  lr        train loss  test acc  │  Rosenbrock: lr     f after ${config.rosenbrockSteps} steps, at`);
  for (const { name, run } of runs) {
    const last = epochs.filter((r) => r.run === name).at(-1);
    const path = paths.find((p) => p.name === name)!;
    const [x, y] = path.points.at(-1)!;
    progress.line(
      `${OPTIMIZER_LABELS[name].padEnd(width)}  ${formatLr(run.parts.optimizer.defaults.lr).padEnd(8)}  ${(last?.trainLoss.toFixed(4) ?? '-').padEnd(10)}  ` +
        `${(last ? formatPercent(last.testAccuracy) : '-').padEnd(8)}  │  ${formatLr(ROSENBROCK_LR[name]).padEnd(8)}  ${path.values.at(-1)!.toExponential(2)} at (${x.toFixed(3)}, ${y.toFixed(3)})`,
    );
  }
  progress.line(`plots: ${out}/curves.svg, lr-schedules.svg, rosenbrock.svg · metrics.jsonl`);
}

/** Loss (per step, smoothed) and test accuracy (per epoch) of every optimizer, on one SVG. */
function writeCurves(out: string, config: CompareConfig, records: readonly MetricsRecord[], stepsPerEpoch: number): void {
  const color = (name: OptimizerName) => PALETTE[OPTIMIZER_NAMES.indexOf(name) % 10];
  const steps = (name: string) => records.filter((r) => r.type === 'step' && r.run === name) as Extract<MetricsRecord, { type: 'step' }>[];
  const epochs = (name: string) => records.filter((r) => r.type === 'epoch' && r.run === name) as Extract<MetricsRecord, { type: 'epoch' }>[];
  writeFileSync(join(out, 'curves.svg'), svgDocument(1200, 460,
    chartGroup({
      title: 'training loss (moving average over steps)', xLabel: 'epoch', yLabel: 'cross-entropy loss', logY: true,
      series: config.optimizers.map((name) => ({ name: OPTIMIZER_LABELS[name], color: color(name), points: smooth(steps(name).map((r) => [r.step / stepsPerEpoch, r.loss])) })),
    }, 0, 0, 600, 460) +
    chartGroup({
      title: 'test accuracy', xLabel: 'epoch', yLabel: 'accuracy', yFormat: 'percent', legend: 'bottom-right',
      series: config.optimizers.map((name) => ({ name: OPTIMIZER_LABELS[name], color: color(name), markers: true, points: epochs(name).map((r) => [r.epoch, r.testAccuracy]) })),
    }, 600, 0, 600, 460)));
}
