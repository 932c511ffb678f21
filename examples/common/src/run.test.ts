import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BatchNorm2d, Conv2d, Dropout, Flatten, Linear, ReLU, Sequential, StateDictError, saveSafetensors } from '@tensile/nn';
import { AdaGrad, Adam, AdamW, RMSProp, SGD } from '@tensile/optim';
import { StateDictError as OptimizerStateDictError } from '@tensile/optim';
import { DataLoader, TensorDataset, transforms } from '@tensile/data';
import { Generator, noGrad, randn, randint, type Tensor } from '@tensile/tensor';
import { CheckpointError, readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { MetricsLog, readMetrics } from './metrics.js';
import { OPTIMIZER_NAMES, makeOptimizer, makeSchedule, type OptimizerName } from './optimizers.js';
import { DivergenceError, Run, type Batch } from './run.js';

const dir = mkdtempSync(join(tmpdir(), 'tensile-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const g = new Generator(5);
const data = new TensorDataset<Batch>(randn([48, 1, 4, 4], { generator: g }), randint(0, 3, [48], { generator: g }));

/** A small CNN with every kind of state: parameters, batch-norm buffers, dropout and augmentation generators. */
function makeRun(opts: { seed?: number; hidden?: number; optimizer?: OptimizerName } = {}): Run {
  const { seed = 0, hidden = 3, optimizer = 'adam' } = opts;
  const init = new Generator(`${seed}/init`);
  const generators = { dropout: new Generator(`${seed}/dropout`), augment: new Generator(`${seed}/augment`) };
  const model = new Sequential(
    new Conv2d(1, 2, 3, { padding: 1, generator: init }), new BatchNorm2d(2), new ReLU(), new Flatten(),
    new Dropout(0.3, { generator: generators.dropout }), new Linear(32, hidden, { generator: init }),
  );
  const loader = new DataLoader(data, { batchSize: 10, shuffle: true, generator: new Generator(`${seed}/shuffle`) });
  const scheduler = makeSchedule('onecycle', 0.01, 3 * loader.length, loader.length);
  return new Run({
    model, loader, generators,
    optimizer: makeOptimizer(optimizer, model, { lr: 0.01, scheduler }),
    trainTransform: transforms.randomShift(1, { generator: generators.augment }),
  });
}

/** Trains `steps` more steps, across epochs, going on with the epoch under way. */
const live = new WeakMap<Run, ReturnType<Run['trainEpoch']>>();
function advance(run: Run, steps: number): void {
  while (steps > 0) {
    const it = live.get(run) ?? run.trainEpoch();
    live.set(run, it);
    const r = it.next();
    if (r.done) live.delete(run);
    else steps -= 1;
  }
}

const values = (run: Run): Record<string, number[]> => {
  const out: Record<string, number[]> = {};
  for (const [k, t] of run.state().tensors) out[k] = Array.from(t.toTypedArray() as ArrayLike<number>);
  return out;
};

describe('Run state in a checkpoint', () => {
  it('a run restored mid-epoch continues exactly as the original (weights, buffers, optimizer, data order, dropout, shifts)', async () => {
    const a = makeRun();
    advance(a, 7); // epoch 2, batch 2 of 5
    const path = join(dir, 'mid.safetensors');
    await writeCheckpoint(path, a.state());
    const b = makeRun({ seed: 99 });
    b.restore(await readCheckpoint(path));
    expect(b.epochsDone).toBe(1);
    expect(b.batchesDone).toBe(2);
    expect(values(b)).toEqual(values(a));
    advance(a, 8);
    advance(b, 8);
    expect(a.step).toBe(15);
    expect(values(b)).toEqual(values(a));
    expect(values(a)['model.1.running_mean']).toHaveLength(2);
    expect(Object.keys(values(a)).filter((k) => k.startsWith('optimizer.'))).toContain('optimizer.5.weight.mean');
  });

  it('refuses a checkpoint of another model, listing the names and shapes, and changes nothing', async () => {
    const path = join(dir, 'a.safetensors');
    const a = makeRun();
    advance(a, 3);
    await writeCheckpoint(path, a.state());
    const other = makeRun({ hidden: 4 });
    advance(other, 1);
    const before = values(other);
    const loaderBefore = other.parts.loader.state();
    const err = (() => {
      try {
        other.restore(a.state());
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(StateDictError);
    expect(err!.message).toBe(
      'loadStateDict(Sequential): "5.weight" is [3, 32] in the checkpoint but [4, 32] in the model; "5.bias" is [3] in the checkpoint but [4] in the model. Nothing was loaded.',
    );
    expect(values(other)).toEqual(before);
    expect(other.parts.loader.state()).toEqual(loaderBefore);
    expect(other.step).toBe(1);
  });

  it('refuses optimizer state of another optimizer and puts the model back', () => {
    const a = makeRun();
    advance(a, 3);
    const sgd = makeRun({ optimizer: 'sgd', seed: 1 });
    advance(sgd, 1);
    const before = values(sgd);
    expect(() => sgd.restore(a.state())).toThrow(OptimizerStateDictError);
    expect(values(sgd)).toEqual(before);
    expect(sgd.step).toBe(1);
  });

  it('readCheckpoint names the file and the problem', async () => {
    await expect(readCheckpoint(join(dir, 'missing.safetensors'))).rejects.toThrow(/missing\.safetensors: no such checkpoint$/);
    const plain = join(dir, 'plain.safetensors');
    writeFileSync(plain, saveSafetensors(new Map<string, Tensor>([['w', randn([2])]])));
    await expect(readCheckpoint(plain)).rejects.toThrow(CheckpointError);
    await expect(readCheckpoint(plain)).rejects.toThrow(/plain\.safetensors is not a checkpoint of the Tensile examples \(its metadata "format" is null/);
    const torn = join(dir, 'torn.safetensors');
    writeFileSync(torn, readFileSync(join(dir, 'a.safetensors')).subarray(0, 100));
    await expect(readCheckpoint(torn)).rejects.toThrow(/torn\.safetensors is not a valid safetensors file/);
  });
});

describe('MetricsLog', () => {
  it('starts empty; on resume keeps the records up to the checkpoint step; reading stops at a torn line', () => {
    const path = join(dir, 'metrics.jsonl');
    const log = new MetricsLog(path);
    for (let step = 1; step <= 4; step++) log.write({ type: 'step', epoch: 1, step, loss: 1 / step, accuracy: 0.5, lr: 0.1 });
    writeFileSync(path, `${readFileSync(path, 'utf8')}{"type":"step","ep`);
    expect(readMetrics(path).map((r) => r.step)).toEqual([1, 2, 3, 4]);
    const resumed = new MetricsLog(path, { keepUpToStep: 2 });
    resumed.write({ type: 'step', epoch: 1, step: 3, loss: 0.3, accuracy: 0.6, lr: 0.1 });
    expect(readMetrics(path).map((r) => [r.step, r.type === 'step' ? r.loss : null])).toEqual([[1, 1], [2, 0.5], [3, 0.3]]);
    expect(new MetricsLog(path).records).toEqual([]);
    expect(readFileSync(path, 'utf8')).toBe('');
  });
});

describe('a loss that turns NaN or infinite', () => {
  it('stops training before that step\'s update, naming the epoch, the batch and the last finite loss', () => {
    const run = makeRun();
    advance(run, 6); // epoch 2, batch 1 of 5
    const before = values(run);
    // A weight set to NaN makes the next loss NaN.
    const weight = run.parts.model.namedParameters().find(([n]) => n === '5.weight')![1];
    noGrad(() => weight.narrow(0, 0, 1).fill_(NaN));
    const poisoned = values(run)['model.5.weight'];
    let err: unknown;
    try {
      advance(run, 1);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DivergenceError);
    const d = err as DivergenceError;
    expect(d.message).toMatch(/^the training loss became NaN at epoch 2, batch 2 \(step 7\); the last finite loss was [\d.]+ at step 6\. Training stopped before this step's update$/);
    expect([d.epoch, d.batch, d.step]).toEqual([2, 2, 7]);
    expect(d.lastFinite!.step).toBe(6);
    expect(Number.isFinite(d.lastFinite!.loss)).toBe(true);
    // No update: the optimizer did not step, and the parameters and its state are as they were (the
    // forward pass that computed the NaN did update batch norm's running statistics, as any forward does).
    expect(run.step).toBe(6);
    const after = values(run);
    expect(after['model.5.weight']).toEqual(poisoned);
    const kept = Object.keys(before).filter((k) => k !== 'model.5.weight' && !/running|num_batches/.test(k));
    expect(kept).toContain('optimizer.5.weight.mean');
    for (const k of kept) expect(after[k], k).toEqual(before[k]);
  });

  it('on the first step, says there was no finite loss before', () => {
    const run = makeRun();
    const weight = run.parts.model.namedParameters().find(([n]) => n === '5.bias')![1];
    noGrad(() => weight.fill_(Infinity));
    expect(() => advance(run, 1)).toThrow(/^the training loss became (Infinity|NaN) at epoch 1, batch 1 \(step 1\); no earlier step had a finite loss\./);
  });
});

describe('makeOptimizer', () => {
  it('builds each named optimizer with its settings, no casts needed', () => {
    const model = new Linear(3, 2, { generator: new Generator(0) });
    const classes = { sgd: SGD, momentum: SGD, adagrad: AdaGrad, rmsprop: RMSProp, adam: Adam, adamw: AdamW };
    for (const name of OPTIMIZER_NAMES) {
      const opt = makeOptimizer(name, model, { lr: 0.05 });
      expect(opt.constructor, name).toBe(classes[name]);
      expect(opt.defaults.lr).toBe(0.05);
    }
    expect((makeOptimizer('momentum', model, { lr: 0.1 }) as SGD).defaults.momentum).toBe(0.9);
    expect((makeOptimizer('sgd', model, { lr: 0.1 }) as SGD).defaults.momentum).toBe(0);
    expect((makeOptimizer('adam', model, { lr: 0.1, weightDecay: 0.01 }) as Adam).defaults.weightDecay).toBe(0.01);
  });

  it('examples source builds optimizers without casting through never', async () => {
    const { readFileSync, readdirSync } = await import('node:fs');
    const here = fileURLToPath(new URL('../..', import.meta.url));
    const sources = ['common', 'mnist-mlp', 'mnist-cnn', 'optimizer-comparison'].flatMap((d) =>
      readdirSync(join(here, d, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => join(d, 'src', f)),
    );
    expect(sources.length).toBeGreaterThan(20);
    for (const f of sources) expect(readFileSync(join(here, f), 'utf8'), f).not.toMatch(/\bas never\b/);
  });
});
