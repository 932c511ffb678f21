// The learning-rate schedules of @tensile/optim over a training run, from their `preview(n)`: the rates a
// scheduler would give at optimizer steps 1…n, all peaking at (or starting from) the same rate.
import {
  ConstantScheduler, CosineAnnealingLR, ExponentialScheduler, LinearLR, MultiStepLR, NoamScheduler, OneCycleLR, SequentialLR, StepLR,
} from '@tensile/optim';

/** A named schedule's rates at steps 1…n. */
export interface SchedulePreview {
  name: string;
  lrs: number[];
}

/**
 * A number of steps in words for a legend, in epochs when it is a whole number of them:
 * `1 epoch`, `2 epochs`, `62 steps = 0.5 epoch`, `1 step`.
 */
export function stepsLabel(steps: number, stepsPerEpoch: number): string {
  const epochs = steps / stepsPerEpoch;
  if (Number.isInteger(epochs)) return `${epochs} epoch${epochs === 1 ? '' : 's'}`;
  const approx = Number(epochs.toPrecision(2));
  return `${steps} step${steps === 1 ? '' : 's'} ${approx === epochs ? '=' : '≈'} ${approx} epoch${approx > 1 ? 's' : ''}`;
}

/** Every pure schedule over `totalSteps` steps of `stepsPerEpoch`, with peak rate `lr`. */
export function schedulePreviews(lr: number, totalSteps: number, stepsPerEpoch: number): SchedulePreview[] {
  // The warmup is an epoch, but at most a tenth of the run (at least one step).
  const warmup = Math.max(1, Math.min(stepsPerEpoch, Math.floor(totalSteps / 10)));
  const warmupLabel = `warmup ${stepsLabel(warmup, stepsPerEpoch)}`;
  const modelDim = 128;
  const schedules = [
    ['ConstantScheduler', new ConstantScheduler({ lr })],
    ['ExponentialScheduler (staircase, ×0.5 per epoch)', new ExponentialScheduler({ initialLr: lr, stageLength: stepsPerEpoch, staircase: true, decay: 0.5 })],
    // Noam's peak, at warmupSteps, is scaleFactor / √(modelDim · warmupSteps); scale it to lr.
    [`NoamScheduler (${warmupLabel})`, new NoamScheduler({ modelDim, warmupSteps: warmup, scaleFactor: lr * Math.sqrt(modelDim * warmup) })],
    ['StepLR (×0.1 every 2 epochs)', new StepLR({ lr, stepSize: 2 * stepsPerEpoch, gamma: 0.1 })],
    ['MultiStepLR (×0.1 at 50%, 75%)', new MultiStepLR({ lr, milestones: [Math.floor(totalSteps / 2), Math.floor((3 * totalSteps) / 4)], gamma: 0.1 })],
    ['CosineAnnealingLR', new CosineAnnealingLR({ lr, tMax: totalSteps })],
    ['OneCycleLR', new OneCycleLR({ maxLr: lr, totalSteps })],
    [`LinearLR ${warmupLabel} → cosine`, new SequentialLR({
      schedulers: [new LinearLR({ lr, startFactor: 0.01, totalIters: warmup }), new CosineAnnealingLR({ lr, tMax: Math.max(1, totalSteps - warmup) })],
      milestones: [warmup],
    })],
  ] as const;
  return schedules.map(([name, s]) => ({ name, lrs: s.preview(totalSteps) }));
}
