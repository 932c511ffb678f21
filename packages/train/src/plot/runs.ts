// Several runs on one chart: the same model trained with different optimizers, learning rates or seeds, each
// a named metrics history. The loss of every run (a moving average over its steps) and one epoch metric of
// every run, side by side; each is a function of the histories returning SVG text.
import { checkOptions } from '@tensile/tensor';
import type { EpochRecord, MetricsRecord, StepRecord } from '../history.js';
import { metricOf } from '../history.js';
import { PALETTE, chartGroup, smooth, svgDocument, type ChartOptions } from './chart.js';

/** One run of a comparison: its name in the legend, its records, and its color (default: by position). */
export interface NamedRun {
  name: string;
  records: readonly MetricsRecord[];
  color?: string;
}

/** Options of the run-comparison charts. */
export interface RunsChartOptions {
  /** The chart's title (default: what it shows). */
  title?: string;
  /** Steps per epoch, for the epoch axis of the loss (default: from each run's first epoch record). */
  stepsPerEpoch?: number;
  width?: number;
  height?: number;
}

const colorOf = (run: NamedRun, i: number) => run.color ?? PALETTE[i % PALETTE.length]!;

function checkRuns(where: string, runs: readonly NamedRun[]): void {
  if (!Array.isArray(runs)) throw new TypeError(`${where}: runs must be an array of { name, records, color? }`);
  runs.forEach((r, i) => {
    if (r === null || typeof r !== 'object' || typeof r.name !== 'string' || !Array.isArray(r.records)) {
      throw new TypeError(`${where}: runs[${i}] must be { name: string, records: MetricsRecord[], color? }`);
    }
  });
}

/** The loss chart's axes and series: each run's per-step training loss, smoothed, on a log axis. */
function lossOptions(runs: readonly NamedRun[], o: RunsChartOptions): ChartOptions {
  return {
    title: o.title ?? 'training loss (moving average over steps)', xLabel: 'epoch', yLabel: 'loss', logY: true, legend: 'top-right',
    series: runs.map((run, i) => {
      const first = run.records.find((r): r is EpochRecord => r.type === 'epoch');
      const steps = run.records.filter((r): r is StepRecord => r.type === 'step');
      const perEpoch = o.stepsPerEpoch ?? (first ? first.step / first.epoch : Math.max(1, ...steps.map((r) => r.batch)));
      return { name: run.name, color: colorOf(run, i), points: smooth(steps.map((r) => [r.step / perEpoch, r.metrics.loss ?? NaN])) };
    }),
  };
}

/** The metric chart's axes and series: one point per epoch record of each run. */
function metricOptions(runs: readonly NamedRun[], path: string, o: RunsChartOptions & { percent?: boolean }): ChartOptions {
  const percent = o.percent ?? path.endsWith('accuracy');
  return {
    title: o.title ?? path, xLabel: 'epoch', yLabel: path.split('.').at(-1)!, yFormat: percent ? 'percent' : 'number',
    legend: percent ? 'bottom-right' : 'top-right',
    series: runs.map((run, i) => ({
      name: run.name, color: colorOf(run, i), markers: true,
      points: run.records.filter((r): r is EpochRecord => r.type === 'epoch').map((r) => [r.epoch, metricOf(r, path) ?? NaN]),
    })),
  };
}

/**
 * Every run's training loss over the epochs, as a moving average over its steps, on a log axis.
 * @example runsLossChart([{ name: 'SGD', records: sgd }, { name: 'Adam', records: adam }])
 */
export function runsLossChart(runs: readonly NamedRun[], opts: RunsChartOptions = {}): string {
  checkOptions('runsLossChart', opts, ['title', 'stepsPerEpoch', 'width', 'height']);
  checkRuns('runsLossChart', runs);
  const { width = 720, height = 420 } = opts;
  return svgDocument(width, height, chartGroup(lossOptions(runs, opts), 0, 0, width, height));
}

/**
 * One epoch metric of every run by its path (`"val.accuracy"`, `"train.loss"`, `"lr"`; see `metricOf`),
 * drawn in percent for accuracies.
 * @example runsMetricChart(runs, 'val.accuracy', { title: 'test accuracy' })
 */
export function runsMetricChart(runs: readonly NamedRun[], path = 'val.accuracy', opts: RunsChartOptions & { percent?: boolean } = {}): string {
  checkOptions('runsMetricChart', opts, ['title', 'stepsPerEpoch', 'width', 'height', 'percent']);
  checkRuns('runsMetricChart', runs);
  const { width = 720, height = 420 } = opts;
  return svgDocument(width, height, chartGroup(metricOptions(runs, path, opts), 0, 0, width, height));
}

/**
 * The two side by side in one SVG: every run's loss, and every run's `metric` (default `"val.accuracy"`).
 * `metricTitle` names the second chart (`"test accuracy"` when the validation set is the test set).
 * @example writePlots(out, { 'curves.svg': comparisonChart(runs, { metricTitle: 'test accuracy' }) })
 */
export function comparisonChart(
  runs: readonly NamedRun[],
  opts: { metric?: string; metricTitle?: string; stepsPerEpoch?: number; width?: number; height?: number } = {},
): string {
  checkOptions('comparisonChart', opts, ['metric', 'metricTitle', 'stepsPerEpoch', 'width', 'height']);
  checkRuns('comparisonChart', runs);
  const { metric = 'val.accuracy', metricTitle, stepsPerEpoch, width = 1200, height = 460 } = opts;
  const half = Math.round(width / 2);
  const steps = stepsPerEpoch === undefined ? {} : { stepsPerEpoch };
  return svgDocument(width, height,
    chartGroup(lossOptions(runs, steps), 0, 0, half, height) +
    chartGroup(metricOptions(runs, metric, { ...(metricTitle === undefined ? {} : { title: metricTitle }) }), half, 0, width - half, height));
}
