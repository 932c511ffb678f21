import { describe, expect, it } from 'vitest';
import { crossEntropy, Linear } from '@tensile/nn';
import { SGD, clipGradNorm } from '@tensile/optim';
import { DataLoader, TensorDataset } from '@tensile/data';
import { Generator, getDefaultGenerator, noGrad, randn, type Tensor } from '@tensile/tensor';
import { makeRun, rejection, snapshot, type SmallRun } from '../test/helpers.js';
import { checkpoint, earlyStopping, progress, type Callback, type ProgressEvent } from './callbacks.js';
import { CheckpointError, NonFiniteLossError } from './errors.js';
import { fit, type FitOptions } from './fit.js';
import { MemoryHistory, type MetricsRecord } from './history.js';
import { checkpointFromBytes, checkpointToBytes } from './serialize.js';
import { classificationStep, evaluate, regressionStep } from './steps.js';

type Batch = [Tensor, Tensor];

const fitOf = (run: SmallRun, more: Partial<FitOptions<Batch>> = {}): FitOptions<Batch> => ({
  model: run.model, optimizer: run.optimizer, train: run.train, validation: run.validation, epochs: 4,
  generators: { augment: run.augment }, step: classificationStep({ transform: run.transform }), ...more,
});

/** The records without the two wall-clock fields. */
const exact = (records: readonly MetricsRecord[]) => records.map((r) => (r.type === 'epoch' ? { ...r, seconds: 0, samplesPerSec: 0 } : r));

describe('fit', () => {
  it('trains exactly as the hand-written loop: the same losses, metrics and weights, bit for bit', async () => {
    const a = makeRun({ plateau: false });
    const result = await fit(fitOf(a, { epochs: 2 }));
    const fitted = snapshot(a);

    const b = makeRun({ plateau: false });
    const losses: number[] = [];
    const epochs: { loss: number; accuracy: number; val: number }[] = [];
    for (let epoch = 1; epoch <= 2; epoch++) {
      let lossSum = 0;
      let correctSum = 0;
      let n = 0;
      b.model.train();
      for (const [x, y] of b.train) {
        b.optimizer.zeroGrad();
        const logits = b.model.forward(b.transform(x));
        const loss = crossEntropy(logits, y);
        const v = loss.item();
        loss.backward();
        b.optimizer.step(v);
        losses.push(v);
        const size = y.shape[0]!;
        lossSum += v * size;
        correctSum += (noGrad(() => logits.argmax(1).eq(y).sum().item()) / size) * size;
        n += size;
      }
      b.model.eval();
      let valSum = 0;
      noGrad(() => {
        for (const [x, y] of b.validation) valSum += crossEntropy(b.model.forward(x), y).item() * y.shape[0]!;
      });
      epochs.push({ loss: lossSum / n, accuracy: correctSum / n, val: valSum / 20 });
    }
    b.model.train();
    expect(snapshot(b)).toEqual(fitted);
    const steps = result.history.filter((r) => r.type === 'step');
    expect(steps.map((r) => r.metrics.loss)).toEqual(losses);
    expect(steps.map((r) => [r.epoch, r.step, r.batch])).toEqual([...Array(16)].map((_, i) => [i < 8 ? 1 : 2, i + 1, (i % 8) + 1]));
    expect(result.epochs.map((r) => [r.train.loss, r.train.accuracy, r.val!.loss])).toEqual(epochs.map((e) => [e.loss, e.accuracy, e.val]));
    expect(result).toMatchObject({ step: 16, epoch: 2, stopped: null, resumedFrom: null });
  });

  it('clipGradNorm clips the global gradient norm between backward and step, as clipGradNorm in a hand-written loop', async () => {
    const a = makeRun({ plateau: false, optimizer: 'sgd' });
    const result = await fit(fitOf(a, { epochs: 1, clipGradNorm: 0.05 }));
    const b = makeRun({ plateau: false, optimizer: 'sgd' });
    const norms: number[] = [];
    b.model.train();
    for (const [x, y] of b.train) {
      b.optimizer.zeroGrad();
      const loss = crossEntropy(b.model.forward(b.transform(x)), y);
      const v = loss.item();
      loss.backward();
      norms.push(clipGradNorm(b.model, 0.05));
      b.optimizer.step(v);
    }
    for (const _ of b.validation); // fit's validation pass moves that loader's position
    expect(snapshot(b)).toEqual(snapshot(a));
    const steps = result.history.filter((r) => r.type === 'step');
    expect(steps.map((r) => r.metrics.gradNorm)).toEqual(norms);
    // The clipping did something: most raw norms are past 0.05, and unclipped training ends elsewhere.
    expect(norms.filter((n) => n > 0.05).length).toBeGreaterThan(4);
    const c = makeRun({ plateau: false, optimizer: 'sgd' });
    await fit(fitOf(c, { epochs: 1 }));
    expect(snapshot(c)).not.toEqual(snapshot(a));
    await expect(fit(fitOf(c, { clipGradNorm: 0 }))).rejects.toThrow('fit: clipGradNorm must be a number > 0 (or null for no clipping), got 0');
  });

  it('resumed from any of its checkpoints, it ends as the uninterrupted run: weights, optimizer, scheduler, early stopping, metrics', async () => {
    const a = makeRun();
    const files: Uint8Array[] = [];
    const stopper = earlyStopping({ monitor: 'val.loss', patience: 2, minDelta: 0.02 });
    // The checkpoint callback is listed first but runs after earlyStopping, so its state is in each file.
    const keep = checkpoint({ save: (s) => void files.push(checkpointToBytes(s)), everySteps: 1 });
    const whole = await fit(fitOf(a, { epochs: 8, callbacks: [keep, stopper] }));
    const end = snapshot(a);
    expect(files).toHaveLength(whole.step); // one per step; the epochs' last steps write the epoch's one
    // The plateau scheduler halved the rate twice, on the validation loss.
    expect(whole.epochs.map((r) => r.lr)).toEqual([0.05, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0.0125]);
    // Early stopping counted epoch 7 as no improvement; that count is in epoch 7's checkpoint (file 55, step 56).
    const fitOfFile = (k: number) => checkpointFromBytes(files[k]!).extra.fit as { callbacks: { earlyStopping: { wait: number } } };
    expect([fitOfFile(47).callbacks.earlyStopping.wait, fitOfFile(55).callbacks.earlyStopping.wait]).toEqual([0, 1]);

    const picks = [0, 3, 7, 8, 20, 41, 52, 55, files.length - 2, files.length - 1];
    for (const k of picks) {
      const state = checkpointFromBytes(files[k]!);
      const b = makeRun();
      // Something else first: other weights, loader position and generator states.
      await fit(fitOf(b, { epochs: 1 }));
      getDefaultGenerator().random();
      const resumed = await fit(fitOf(b, { epochs: 8, resume: state, callbacks: [checkpoint({ save: () => {}, everySteps: 1 }), earlyStopping({ monitor: 'val.loss', patience: 2, minDelta: 0.02 })] }));
      expect(resumed.resumedFrom).toEqual({ step: state.step, epoch: state.epoch });
      expect(snapshot(b)).toEqual(end);
      expect(exact(resumed.history)).toEqual(exact(whole.history));
      expect(resumed.stopped).toEqual(whole.stopped);
    }
  });

  it('stops on a NaN loss, naming the step, without taking it', async () => {
    const a = makeRun({ plateau: false });
    let atStep4: unknown;
    const watch: Callback = { onStepEnd: (ctx) => void (ctx.step === 4 ? (atStep4 = snapshot(a)) : undefined) };
    const base = classificationStep();
    const step: FitOptions<Batch>['step'] = (batch, ctx) => {
      const out = base(batch, ctx);
      return ctx.step === 4 ? { ...out, loss: out.loss.mul(NaN) } : out;
    };
    // The loss check itself, with the NaN guard off (it would stop at the mul first; see guard.test.ts).
    const result = await fit(fitOf(a, { step, callbacks: [watch], nanGuard: false }));
    expect(result.stopped).toEqual({
      by: 'nonFinite', step: 5, epoch: 1,
      message: 'the training loss is NaN at step 5 (epoch 1, batch 5); the optimizer did not take that step, so the model is as after step 4',
    });
    expect(result.step).toBe(4);
    expect(result.history).toHaveLength(4);
    const after = snapshot(a) as { tensors: unknown; optimizer: unknown };
    const before = atStep4 as { tensors: unknown; optimizer: unknown };
    expect(after.tensors).toEqual(before.tensors);
    expect(after.optimizer).toEqual(before.optimizer);

    const b = makeRun({ plateau: false });
    const inf: FitOptions<Batch>['step'] = (batch, ctx) => ({ ...base(batch, ctx), loss: base(batch, ctx).loss.mul(ctx.step === 2 ? Infinity : 1) });
    const err = await rejection<NonFiniteLossError>(fit(fitOf(b, { step: inf, onNonFinite: 'throw', nanGuard: false })));
    expect(err).toBeInstanceOf(NonFiniteLossError);
    expect([err.step, err.epoch, err.batch, err.loss]).toEqual([3, 1, 3, Infinity]);
    expect(err.message).toMatch(/^fit: the training loss is Infinity at step 3 \(epoch 1, batch 3\)/);
  });

  it('maxLoss stops on a finite loss past it, before that step, like a NaN one; a bad maxLoss is refused', async () => {
    const a = makeRun({ plateau: false });
    const base = classificationStep();
    const huge: FitOptions<Batch>['step'] = (batch, ctx) => ({ ...base(batch, ctx), loss: base(batch, ctx).loss.mul(ctx.step === 2 ? 1e6 : 1) });
    const err = await rejection<NonFiniteLossError>(fit(fitOf(a, { step: huge, onNonFinite: 'throw', maxLoss: 1e4 })));
    expect(err).toBeInstanceOf(NonFiniteLossError);
    expect([err.step, err.epoch, err.batch, err.loss > 1e4]).toEqual([3, 1, 3, true]);
    expect(err.message).toMatch(/^fit: the training loss is [\d.e+]+, past maxLoss 10000, at step 3 \(epoch 1, batch 3\); the optimizer did not take that step/);
    // Without the bound the same losses train on.
    const b = makeRun({ plateau: false });
    expect((await fit(fitOf(b, { step: huge, epochs: 1 }))).stopped).toBeNull();
    await expect(fit(fitOf(makeRun({ plateau: false }), { maxLoss: 0 }))).rejects.toThrow('fit: maxLoss must be a number > 0 (Infinity for no bound), got 0');
  });

  it('early stopping ends the fit at the epoch where patience ran out; the resumed checkpoint of that epoch stays stopped', async () => {
    const a = makeRun({ plateau: false });
    // A monitored metric that only gets worse (the epoch's number): it stops after 1 + patience epochs.
    const files: Uint8Array[] = [];
    let endedAt = 0;
    const result = await fit(fitOf(a, {
      epochs: 10, metrics: { worse: () => 0 },
      step: (batch, ctx) => ({ ...classificationStep()(batch, ctx), metrics: { epochNo: ctx.epoch } }),
      callbacks: [earlyStopping({ monitor: 'val.epochNo', patience: 2 }), checkpoint({ save: (s) => void files.push(checkpointToBytes(s)) }), { onFitEnd: (ctx) => void (endedAt = ctx.epoch) }],
    }));
    expect(result.epoch).toBe(3);
    expect(endedAt).toBe(3);
    expect(result.stopped).toEqual({ by: 'earlyStopping', step: 24, epoch: 3, message: 'val.epochNo has not improved for 2 epochs (best 1 at epoch 1)' });
    const b = makeRun({ plateau: false });
    const again = await fit(fitOf(b, {
      epochs: 10, metrics: { worse: () => 0 }, resume: checkpointFromBytes(files.at(-1)!),
      step: (batch, ctx) => ({ ...classificationStep()(batch, ctx), metrics: { epochNo: ctx.epoch } }),
      callbacks: [earlyStopping({ monitor: 'val.epochNo', patience: 2 })],
    }));
    expect([again.epoch, again.step, again.stopped?.by]).toEqual([3, 24, 'earlyStopping']);
  });

  it('reports progress at the epoch start, each step and the epoch end', async () => {
    const a = makeRun({ plateau: false, samples: 24 });
    const events: ProgressEvent[] = [];
    await fit(fitOf(a, { epochs: 1, callbacks: [progress((e) => void events.push(e))] }));
    expect(events.map((e) => e.type)).toEqual(['start', 'step', 'step', 'step', 'epoch']);
    const last = events[3] as Extract<ProgressEvent, { type: 'step' }>;
    expect([last.batch, last.batches, last.step]).toEqual([3, 3, 3]);
    const epoch = (events[4] as Extract<ProgressEvent, { type: 'epoch' }>).record;
    expect(last.running.loss).toBe(epoch.train.loss);
  });

  it('regression with a user metric, and a user step for anything else', async () => {
    const g = new Generator(11);
    const x = randn([40, 3], { generator: g, dtype: 'float64' });
    const y = noGrad(() => x.matmul(randn([3, 1], { generator: g, dtype: 'float64' })));
    const model = new Linear(3, 1, { generator: g, dtype: 'float64' });
    const train = new DataLoader(new TensorDataset<Batch>(x, y), { batchSize: 10, shuffle: true, generator: new Generator(2) });
    const mae = (o: Tensor, t: Tensor) => o.sub(t).abs().mean().item();
    const r = await fit({ model, optimizer: new SGD(model, { lr: 0.1 }), train, epochs: 30, step: regressionStep(), metrics: { mae } });
    const first = r.epochs[0]!.train as { loss: number };
    const last = r.epochs.at(-1)!.train as { loss: number };
    expect(Object.keys(last)).toEqual(['loss', 'mae']);
    expect(last.loss).toBeLessThan(first.loss / 50);
    expect(evaluate(model, [[x, y] as Batch], { step: regressionStep(), metrics: { mae } }).metrics.mae!).toBeLessThan(0.05);

    // A user step: an autoencoder-style reconstruction loss with no targets.
    const ae = new Linear(3, 3, { generator: g, dtype: 'float64' });
    const only = new DataLoader(new TensorDataset(x), { batchSize: 20 });
    const res = await fit({
      model: ae, optimizer: new SGD(ae, { lr: 0.05 }), train: only, epochs: 3,
      step: ([xb]: [Tensor]) => ({ loss: ae.forward(xb).sub(xb).square().mean(), size: xb.shape[0] }),
    });
    expect(res.history.filter((h) => h.type === 'step')).toHaveLength(6);
    expect(res.epochs[2]!.train.loss!).toBeLessThan(res.epochs[0]!.train.loss!);
  });

  it('evaluate averages by sample and returns predictions; it leaves the modes as they were', () => {
    const a = makeRun({ plateau: false });
    a.model.train();
    const e = evaluate(a.model, a.validation, { predictions: true });
    expect(e.samples).toBe(20);
    expect(e.predictions).toHaveLength(20);
    const logits = noGrad(() => a.model.eval().forward((a.validation.dataset as TensorDataset<Batch>).tensors[0]));
    a.model.train();
    expect(Array.from(e.predictions!)).toEqual(Array.from(logits.argmax(1).toTypedArray()));
    expect(a.model.training).toBe(true);
  });

  it('refuses bad options, and a checkpoint that does not fit the fit, changing nothing', async () => {
    const a = makeRun();
    await expect(fit({ ...fitOf(a), epoch: 3 } as never)).rejects.toThrow(/fit: unknown option "epoch" \(did you mean epochs\?\)/);
    await expect(fit(fitOf(a, { extra: { fit: 1 } }))).rejects.toThrow("fit: extra.fit is reserved for fit's own state; use another key");
    await expect(fit(fitOf(a, { validation: null }))).rejects.toThrow('fit: the optimizer\'s MetricScheduler(ReduceLROnPlateau) watches "val.loss", which needs a validation loader');
    const stateful: Callback = { name: 'x', stateDict: () => 1, loadStateDict: () => {} };
    await expect(fit(fitOf(a, { callbacks: [stateful, stateful] }))).rejects.toThrow('fit: two callbacks are named "x"; their states would share one key in checkpoints');

    const files: Uint8Array[] = [];
    await fit(fitOf(a, { epochs: 1, callbacks: [checkpoint({ save: (s) => void files.push(checkpointToBytes(s)) })], history: new MemoryHistory({ inCheckpoint: false }) }));
    const b = makeRun();
    await fit(fitOf(b, { epochs: 1 }));
    const before = snapshot(b);
    const state = checkpointFromBytes(files[0]!);
    const noCallbacks = await rejection<CheckpointError>(fit(fitOf(b, { resume: state, callbacks: [earlyStopping()] })));
    expect(noCallbacks).toBeInstanceOf(CheckpointError);
    expect(noCallbacks.message).toBe('fit: the checkpoint has state for the callbacks [] but this fit has [earlyStopping]. Nothing was restored.');
    // The records are neither in the checkpoint nor in this (fresh) history: the history refuses after the run was restored, and the run is put back.
    const noRecords = await rejection<CheckpointError>(fit(fitOf(b, { resume: state, history: new MemoryHistory() })));
    expect(noRecords.part).toBe('fit');
    expect(noRecords.message).toMatch(/^fit: the metrics history cannot be restored: the checkpoint was written after 9 metrics records but this history has 0/);
    expect(snapshot(b)).toEqual(before);
    const sgd = makeRun({ optimizer: 'sgd' });
    const wrong = await rejection<CheckpointError>(fit(fitOf(sgd, { resume: state })));
    expect(wrong.part).toBe('optimizer');
  });
});
