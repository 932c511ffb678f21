// The plots of a run, drawn from its metrics history alone: loss, any epoch metric (accuracy), learning
// rate; and, given the test labels and predictions, the confusion matrix and a grid of misclassified
// images. Each is a function returning SVG text, so a page shows it and Node writes it to a file.
import { checkOptions, type Tensor } from '@tensile/tensor';
import type { EpochRecord, MetricsRecord, StepRecord } from '../history.js';
import { lineChart, smooth, type Series } from './chart.js';
import { confusionMatrixSvg, imageGridSvg } from './images.js';

/** Options shared by the history charts. */
export interface HistoryChartOptions {
  /** Prefixed to each chart's title (the run's name). */
  title?: string;
  /** Steps per epoch, for the epoch axis of per-step series (default: from the first epoch record). */
  stepsPerEpoch?: number;
  width?: number;
  height?: number;
}

const stepsOf = (records: readonly MetricsRecord[]) => records.filter((r): r is StepRecord => r.type === 'step');
const epochsOf = (records: readonly MetricsRecord[]) => records.filter((r): r is EpochRecord => r.type === 'epoch');
const titled = (o: HistoryChartOptions, what: string) => (o.title ? `${o.title}: ${what}` : what);

/** Where step `r` sits on an epoch axis (epoch 1's last step at 1). */
function stepX(records: readonly MetricsRecord[], o: HistoryChartOptions): (r: StepRecord) => number {
  const first = epochsOf(records)[0];
  const perEpoch = o.stepsPerEpoch ?? (first ? first.step / first.epoch : Math.max(1, ...stepsOf(records).map((r) => r.batch)));
  return (r) => r.step / perEpoch;
}

/**
 * The loss over the epochs: each step's (faint), its moving average, each epoch's training mean and the
 * validation loss, on a log axis.
 * @example document.body.innerHTML = lossChart(history.records, { title: 'mnist' });
 */
export function lossChart(records: readonly MetricsRecord[], opts: HistoryChartOptions & { logY?: boolean } = {}): string {
  checkOptions('lossChart', opts, ['title', 'stepsPerEpoch', 'width', 'height', 'logY']);
  const x = stepX(records, opts);
  const epochs = epochsOf(records);
  const stepLoss = stepsOf(records).map((r) => [x(r), r.metrics.loss ?? NaN] as const);
  const series: Series[] = [
    { name: 'train (each step)', points: stepLoss, color: '#a0cbe8', width: 0.8, hideInLegend: true },
    { name: 'train (moving average)', points: smooth(stepLoss), color: '#4e79a7' },
    { name: 'train (epoch mean)', points: epochs.map((r) => [r.epoch, r.train.loss ?? NaN]), color: '#4e79a7', markers: true, dashed: true },
  ];
  if (epochs.some((r) => r.val)) series.push({ name: 'validation', points: epochs.map((r) => [r.epoch, r.val?.loss ?? NaN]), color: '#e15759', markers: true });
  return lineChart({ title: titled(opts, 'loss'), xLabel: 'epoch', yLabel: 'loss', logY: opts.logY ?? true, legend: 'top-right', series }, opts.width, opts.height);
}

/**
 * One epoch metric over the epochs, training and validation (`accuracy` by default, drawn in percent).
 * @example metricChart(history.records, 'mae', { title: 'housing' })
 */
export function metricChart(records: readonly MetricsRecord[], metric = 'accuracy', opts: HistoryChartOptions & { percent?: boolean } = {}): string {
  checkOptions('metricChart', opts, ['title', 'stepsPerEpoch', 'width', 'height', 'percent']);
  const epochs = epochsOf(records);
  const series: Series[] = [{ name: 'train', points: epochs.map((r) => [r.epoch, r.train[metric] ?? NaN]), color: '#4e79a7', markers: true }];
  if (epochs.some((r) => r.val)) series.push({ name: 'validation', points: epochs.map((r) => [r.epoch, r.val?.[metric] ?? NaN]), color: '#e15759', markers: true });
  const percent = opts.percent ?? metric === 'accuracy';
  return lineChart(
    { title: titled(opts, metric), xLabel: 'epoch', yLabel: metric, yFormat: percent ? 'percent' : 'number', legend: percent ? 'bottom-right' : 'top-right', series },
    opts.width, opts.height,
  );
}

/** `metricChart(records, 'accuracy')`. */
export function accuracyChart(records: readonly MetricsRecord[], opts: HistoryChartOptions = {}): string {
  return metricChart(records, 'accuracy', opts);
}

/** The learning rate of each step. */
export function lrChart(records: readonly MetricsRecord[], opts: HistoryChartOptions = {}): string {
  checkOptions('lrChart', opts, ['title', 'stepsPerEpoch', 'width', 'height']);
  const x = stepX(records, opts);
  return lineChart(
    { title: titled(opts, 'learning rate'), xLabel: 'epoch', yLabel: 'learning rate', legend: 'none', series: [{ name: 'lr', points: stepsOf(records).map((r) => [x(r), r.lr]) }] },
    opts.width, opts.height,
  );
}

/** counts[true][predicted]. */
export function confusionMatrix(labels: ArrayLike<number>, predictions: ArrayLike<number>, classes: number): number[][] {
  if (labels.length !== predictions.length) throw new RangeError(`confusionMatrix: ${labels.length} labels but ${predictions.length} predictions`);
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i]!;
    const p = predictions[i]!;
    if (!(t >= 0 && t < classes && p >= 0 && p < classes && Number.isInteger(t) && Number.isInteger(p))) {
      throw new RangeError(`confusionMatrix: sample ${i} has label ${t} and prediction ${p}; both must be integers in [0, ${classes})`);
    }
    m[t]![p]! += 1;
  }
  return m;
}

/** The test set and its predictions, for `classificationPlots`. */
export interface TestPredictions {
  /** Images `[N, H, W]`, `[N, 1, H, W]` or flat `[N, H·W]` of square images, values in [0, 1]. */
  images: Tensor;
  labels: ArrayLike<number>;
  predictions: ArrayLike<number>;
}

/**
 * Every plot of a classification run by file name: loss.svg, accuracy.svg, lr.svg, and with `test`,
 * confusion-matrix.svg and misclassified.svg (the first 48 mistakes, "true → predicted").
 * @example for (const [name, svg] of Object.entries(classificationPlots(history.records, { title, classes, test }))) …
 */
export function classificationPlots(
  records: readonly MetricsRecord[],
  opts: HistoryChartOptions & { classes: readonly string[]; test?: TestPredictions },
): Record<string, string> {
  checkOptions('classificationPlots', opts, ['title', 'stepsPerEpoch', 'width', 'height', 'classes', 'test']);
  const { classes, test, ...chart } = opts;
  const files: Record<string, string> = {
    'loss.svg': lossChart(records, chart),
    'accuracy.svg': accuracyChart(records, chart),
    'lr.svg': lrChart(records, chart),
  };
  if (test) {
    const { images, labels, predictions } = test;
    const last = epochsOf(records).at(-1);
    const acc = last?.val?.accuracy === undefined ? '' : ` (validation accuracy ${(100 * last.val.accuracy).toFixed(2)}%)`;
    files['confusion-matrix.svg'] = confusionMatrixSvg(confusionMatrix(labels, predictions, classes.length), classes, `${titled(opts, 'confusion matrix')}${acc}`);
    const n = images.shape[0]!;
    const side = Math.round(Math.sqrt(images.numel / Math.max(n, 1)));
    const wrong: number[] = [];
    for (let i = 0; i < labels.length && wrong.length < 48; i++) if (labels[i] !== predictions[i]) wrong.push(i);
    const pixels = images.reshape([n, side * side]);
    files['misclassified.svg'] = imageGridSvg(
      wrong.map((i) => ({ pixels: pixels.narrow(0, i, 1).toTypedArray(), caption: `${classes[labels[i]!]} → ${classes[predictions[i]!]}` })),
      { title: `${titled(opts, 'misclassified test images (true → predicted)')}, first ${wrong.length}`, side },
    );
  }
  return files;
}
