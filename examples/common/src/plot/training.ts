// The plots of one training run, drawn from its metrics: loss, accuracy and learning rate over the epochs,
// the confusion matrix of the test set, and the test images the model got wrong.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tensor } from '@tensile/tensor';
import type { MetricsRecord } from '../metrics.js';
import { lineChart, smooth } from './chart.js';
import { confusionMatrixSvg, imageGridSvg } from './images.js';

type StepRecord = Extract<MetricsRecord, { type: 'step' }>;
type EpochRecord = Extract<MetricsRecord, { type: 'epoch' }>;

/** counts[true][predicted]. */
export function confusionMatrix(labels: ArrayLike<number>, predictions: ArrayLike<number>, classes: number): number[][] {
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < labels.length; i++) m[labels[i]!]![predictions[i]!]! += 1;
  return m;
}

/** What `writeTrainingPlots` draws. */
export interface TrainingPlots {
  title: string;
  records: readonly MetricsRecord[];
  stepsPerEpoch: number;
  classes: readonly string[];
  /** The test set and the final predictions, for the confusion matrix and the misclassified grid. */
  test?: { images: Tensor; labels: Tensor; predictions: Int32Array };
}

/** Writes loss.svg, accuracy.svg, lr.svg, confusion-matrix.svg and misclassified.svg into `dir`; returns their names. */
export function writeTrainingPlots(dir: string, p: TrainingPlots): string[] {
  const steps = p.records.filter((r): r is StepRecord => r.type === 'step');
  const epochs = p.records.filter((r): r is EpochRecord => r.type === 'epoch');
  const x = (step: number) => step / p.stepsPerEpoch;
  const stepLoss = steps.map((r) => [x(r.step), r.loss] as const);
  const files: Record<string, string> = {};
  files['loss.svg'] = lineChart({
    title: `${p.title}: loss`, xLabel: 'epoch', yLabel: 'cross-entropy loss', logY: true, legend: 'top-right',
    series: [
      { name: 'train (each step)', points: stepLoss, color: '#a0cbe8', width: 0.8, hideInLegend: true },
      { name: 'train (moving average)', points: smooth(stepLoss), color: '#4e79a7' },
      { name: 'train (epoch mean)', points: epochs.map((r) => [r.epoch, r.trainLoss]), color: '#4e79a7', markers: true, dashed: true },
      { name: 'test', points: epochs.map((r) => [r.epoch, r.testLoss]), color: '#e15759', markers: true },
    ],
  });
  files['accuracy.svg'] = lineChart({
    title: `${p.title}: accuracy`, xLabel: 'epoch', yLabel: 'accuracy', yFormat: 'percent', legend: 'bottom-right',
    series: [
      { name: 'train', points: epochs.map((r) => [r.epoch, r.trainAccuracy]), color: '#4e79a7', markers: true },
      { name: 'test', points: epochs.map((r) => [r.epoch, r.testAccuracy]), color: '#e15759', markers: true },
    ],
  });
  files['lr.svg'] = lineChart({
    title: `${p.title}: learning rate`, xLabel: 'epoch', yLabel: 'learning rate', legend: 'none',
    series: [{ name: 'lr', points: steps.map((r) => [x(r.step), r.lr]) }],
  });
  if (p.test) {
    const { images, labels, predictions } = p.test;
    const truth = labels.toTypedArray();
    const last = epochs[epochs.length - 1];
    const acc = last ? ` (test accuracy ${(100 * last.testAccuracy).toFixed(2)}%)` : '';
    files['confusion-matrix.svg'] = confusionMatrixSvg(confusionMatrix(truth, predictions, p.classes.length), p.classes, `${p.title}: confusion matrix${acc}`);
    const side = images.shape[images.ndim - 1]!;
    const wrong: number[] = [];
    for (let i = 0; i < truth.length && wrong.length < 48; i++) if (truth[i] !== predictions[i]) wrong.push(i);
    const pixels = images.reshape([images.shape[0]!, side * side]);
    files['misclassified.svg'] = imageGridSvg(
      wrong.map((i) => ({ pixels: pixels.narrow(0, i, 1).toTypedArray(), caption: `${p.classes[truth[i]!]} → ${p.classes[predictions[i]!]}` })),
      { title: `${p.title}: misclassified test images (true → predicted), first ${wrong.length}`, side },
    );
  }
  for (const [name, svg] of Object.entries(files)) writeFileSync(join(dir, name), svg);
  return Object.keys(files);
}
