// The training loop of one run, Keras' `fit` in spirit: epochs of training steps with a progress bar,
// an evaluation and a summary line after each epoch, metrics.jsonl and plots in the output folder, and a
// checkpoint after every epoch (and every `checkpointEvery` steps) that `--resume` continues from.
import { join } from 'node:path';
import { save } from '@tensile/nn/node';
import { getDefaultGenerator } from '@tensile/tensor';
import type { TensorDataset } from '@tensile/data';
import { writeCheckpoint } from './checkpoint.js';
import { formatDuration, formatLr, formatPercent, formatRate } from './format.js';
import { MetricsLog, type MetricsRecord } from './metrics.js';
import { makeDir } from './paths.js';
import { writeTrainingPlots } from './plot/training.js';
import type { Progress } from './progress.js';
import { DivergenceError, type Batch, type Evaluation, type Run } from './run.js';

type EpochRecord = Extract<MetricsRecord, { type: 'epoch' }>;

/** What `fit` trains, where it writes, and how it checkpoints. */
export interface FitOptions {
  /** Shown in plot titles. */
  title: string;
  run: Run;
  test: TensorDataset<Batch>;
  classes: readonly string[];
  epochs: number;
  outDir: string;
  /** Where to write checkpoints (null: none). */
  checkpoint: string | null;
  /** Also write one every this many steps (0: only after each epoch). */
  checkpointEvery: number;
  /** JSON saved in every checkpoint beside the run's state (the example's name and settings). */
  meta: Record<string, unknown>;
  /** The run was restored from a checkpoint: keep the metrics up to its step. */
  resumed: boolean;
  /** When resumed into another folder: the metrics.jsonl to take the records up to the checkpoint from. */
  metricsFrom?: string;
  progress: Progress;
}

/** What `fit` returns: the final evaluation, the epochs' records, the time. */
export interface FitResult {
  final: Evaluation;
  epochs: EpochRecord[];
  /** Wall time of this process's training and evaluation. */
  seconds: number;
}

/** Everything a checkpoint needs: the run's state, the default generator's, and `meta`. */
export function checkpointOf(run: Run, meta: Record<string, unknown>) {
  const state = run.state();
  return { tensors: state.tensors, meta: { ...meta, ...state.meta, defaultGenerator: getDefaultGenerator().getState() } };
}

/** Trains `run` up to `epochs` epochs. */
export async function fitModel(o: FitOptions): Promise<FitResult> {
  const { run, progress, epochs } = o;
  makeDir(o.outDir);
  const metrics = new MetricsLog(join(o.outDir, 'metrics.jsonl'), o.resumed ? { keepUpToStep: run.step, from: o.metricsFrom } : {});
  const samplesPerEpoch = run.parts.loader.dropLast ? run.batchesPerEpoch * run.parts.loader.batchSize : run.parts.loader.dataset.length;
  const began = performance.now();
  const saveCheckpoint = async () => {
    if (o.checkpoint) await writeCheckpoint(o.checkpoint, checkpointOf(run, o.meta));
  };
  let final: Evaluation | null = null;

  try {
    for (let epoch = run.epochsDone + 1; epoch <= epochs; epoch++) {
      const label = `epoch ${String(epoch).padStart(String(epochs).length)}/${epochs}`;
      const start = performance.now();
      const doneBefore = run.batchesDone;
      const samplesBefore = doneBefore === 0 ? 0 : Math.round((samplesPerEpoch * doneBefore) / run.batchesPerEpoch);
      progress.start(label, run.batchesPerEpoch, doneBefore);
      const it = run.trainEpoch();
      let r = it.next();
      while (!r.done) {
        const s = r.value;
        const seconds = (performance.now() - start) / 1000;
        progress.update(s.batch, {
          loss: s.totals.lossSum / s.totals.samples,
          accuracy: s.totals.correct / s.totals.samples,
          samplesPerSec: (s.totals.samples - samplesBefore) / Math.max(seconds, 1e-9),
        });
        metrics.write({ type: 'step', epoch, step: s.step, loss: s.loss, accuracy: s.accuracy, lr: s.lr });
        if (o.checkpointEvery > 0 && s.step % o.checkpointEvery === 0 && s.batch < run.batchesPerEpoch) await saveCheckpoint();
        r = it.next();
      }
      const totals = r.value;
      const trainSeconds = (performance.now() - start) / 1000;
      final = run.evaluate(o.test);
      const seconds = (performance.now() - start) / 1000;
      const record: EpochRecord = {
        type: 'epoch', epoch, step: run.step, lr: run.parts.optimizer.lastLr[0]!,
        trainLoss: totals.lossSum / totals.samples, trainAccuracy: totals.correct / totals.samples,
        testLoss: final.loss, testAccuracy: final.accuracy,
        seconds, samplesPerSec: (totals.samples - samplesBefore) / trainSeconds,
      };
      metrics.write(record);
      progress.finish(
        `${label}  loss ${record.trainLoss.toFixed(4)}  acc ${formatPercent(record.trainAccuracy)}  │  ` +
          `test loss ${record.testLoss.toFixed(4)}  acc ${formatPercent(record.testAccuracy)}  │  ` +
          `lr ${formatLr(record.lr)}  ${formatDuration(seconds)}  ${formatRate(record.samplesPerSec)} samples/s`,
      );
      await saveCheckpoint();
      writePlots(o, metrics.records, final);
    }
  } catch (e) {
    if (e instanceof DivergenceError) {
      progress.stop();
      // The curves up to the NaN show how it got there.
      writeTrainingPlots(o.outDir, { title: o.title, records: metrics.records, stepsPerEpoch: run.batchesPerEpoch, classes: o.classes });
    }
    throw e;
  }
  final ??= run.evaluate(o.test);
  writePlots(o, metrics.records, final);
  await save(join(o.outDir, 'model.safetensors'), run.parts.model);
  return {
    final,
    epochs: metrics.records.filter((r): r is EpochRecord => r.type === 'epoch'),
    seconds: (performance.now() - began) / 1000,
  };
}

function writePlots(o: FitOptions, records: readonly MetricsRecord[], final: Evaluation): void {
  const [images, labels] = o.test.tensors;
  writeTrainingPlots(o.outDir, {
    title: o.title, records, stepsPerEpoch: o.run.batchesPerEpoch, classes: o.classes,
    test: { images, labels, predictions: final.predictions },
  });
}
