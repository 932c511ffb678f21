import { describe, expect, it } from 'vitest';
import { crossEntropy } from '@tensile/nn';
import { SGD } from '@tensile/optim';
import { DataLoader, TensorDataset } from '@tensile/data';
import { Generator, getDefaultGenerator, rand } from '@tensile/tensor';
import { makeRun, snapshot, type Batch, type SmallRun } from '../test/helpers.js';
import { CheckpointError } from './errors.js';
import { captureState, restoreState, type TrainingParts, type TrainingState } from './state.js';

/** Trains `steps` steps by hand, across epochs, going on with the epoch under way. */
const live = new WeakMap<SmallRun, Iterator<Batch>>();
function advance(run: SmallRun, steps: number): void {
  while (steps > 0) {
    let it = live.get(run);
    if (!it) live.set(run, (it = run.train[Symbol.iterator]()));
    const r = it.next();
    if (r.done) {
      live.delete(run);
      continue;
    }
    const [x, y] = r.value;
    run.model.train();
    run.optimizer.zeroGrad();
    const loss = crossEntropy(run.model.forward(run.transform(x)), y);
    loss.backward();
    run.optimizer.step(loss.item());
    steps -= 1;
  }
}

const partsOf = (run: SmallRun): TrainingParts => ({
  model: run.model, optimizer: run.optimizer, loaders: { train: run.train, validation: run.validation }, generators: { augment: run.augment },
});
const capture = (run: SmallRun, extra = {}) => captureState({ ...partsOf(run), epoch: 1, extra });

/** Desynchronises a run: other weights, optimizer state, loader position and generator states. */
function scramble(run: SmallRun): void {
  advance(run, 3);
  getDefaultGenerator().random();
  run.augment.random();
}

function restoreError(state: TrainingState, parts: TrainingParts): CheckpointError {
  try {
    restoreState(state, parts);
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointError);
    return e as CheckpointError;
  }
  throw new Error('restoreState did not throw');
}

describe('captureState / restoreState', () => {
  it('a run restored mid-epoch continues exactly as the original: weights, buffers, optimizer, batches, dropout, augmentation', () => {
    // One run at a time: the default generator is global, so two live runs in a process would share it.
    const a = makeRun();
    advance(a, 11); // epoch 2, batch 3 of 8
    const state = capture(a, { note: 'mid-epoch' });
    const atCapture = snapshot(a);
    advance(a, 12);
    const atEnd = snapshot(a);
    expect(state.step).toBe(11);
    expect(state.loaders.train!.batchIndex).toBe(3);
    expect(Object.keys(state.generators)).toEqual(['default', 'augment', 'model.6.generator']);
    expect([...state.tensors.keys()]).toContain('model.1.running_mean');
    expect([...state.tensors.keys()]).toContain('optimizer.7.weight.mean');
    const b = makeRun();
    scramble(b);
    expect(snapshot(b)).not.toEqual(atCapture);
    const counters = restoreState(state, partsOf(b));
    expect(counters).toEqual({ step: 11, epoch: 1, extra: { note: 'mid-epoch' } });
    expect(snapshot(b)).toEqual(atCapture);
    live.delete(b);
    advance(b, 12);
    expect(snapshot(b)).toEqual(atEnd);
  });

  it('is a snapshot: training on does not change it', () => {
    const a = makeRun();
    advance(a, 2);
    const state = capture(a);
    const w = Array.from(state.tensors.get('model.0.weight')!.toTypedArray());
    const m = Array.from(state.tensors.get('optimizer.0.weight.mean')!.toTypedArray());
    advance(a, 2);
    expect(Array.from(state.tensors.get('model.0.weight')!.toTypedArray())).toEqual(w);
    expect(Array.from(state.tensors.get('optimizer.0.weight.mean')!.toTypedArray())).toEqual(m);
  });

  it('refuses a model of another shape, naming the tensors, and changes nothing', () => {
    const a = makeRun();
    advance(a, 2);
    const other = makeRun({ hidden: 9 });
    advance(other, 1);
    const before = snapshot(other);
    const err = restoreError(capture(a), partsOf(other));
    expect(err.part).toBe('model');
    expect(err.message).toMatch(/^restoreState: the model does not fit the checkpoint: loadStateDict\(Sequential\): "0\.weight" is \[8, 6\] in the checkpoint but \[9, 6\] in the model; /);
    expect(err.message).toMatch(/Nothing was loaded\.$/);
    expect(snapshot(other)).toEqual(before);
  });

  it('refuses optimizer state of another optimizer and puts the model back', () => {
    const a = makeRun();
    advance(a, 2);
    const sgd = makeRun({ optimizer: 'sgd', seed: 1 });
    advance(sgd, 1);
    const before = snapshot(sgd);
    const err = restoreError(capture(a), partsOf(sgd));
    expect(err.part).toBe('optimizer');
    expect(err.message).toBe(
      'restoreState: the optimizer state does not fit this optimizer: loadStateDict(SGD): the checkpoint is from "Adam", not SGD. Nothing was loaded.',
    );
    expect(snapshot(sgd)).toEqual(before);
  });

  it('refuses optimizer state that lacks a parameter the optimizer has, naming it', () => {
    const a = makeRun({ plateau: false });
    const partial = new SGD(a.model.namedParameters().filter(([n]) => !n.startsWith('7.')), { lr: 0.1 });
    const state = captureState({ model: a.model, optimizer: partial, loaders: { train: a.train, validation: a.validation }, generators: { augment: a.augment } });
    const b = makeRun({ plateau: false });
    const full = new SGD(b.model, { lr: 0.1 });
    const err = restoreError(state, { ...partsOf(b), optimizer: full });
    expect(err.part).toBe('optimizer');
    expect(err.message).toBe('restoreState: the optimizer state does not fit this optimizer: loadStateDict(SGD): missing "7.weight", "7.bias". Nothing was loaded.');
  });

  it('refuses a loader position that does not fit, after loading model and optimizer, and puts both back', () => {
    const a = makeRun();
    advance(a, 5);
    const b = makeRun();
    scramble(b);
    const before = snapshot(b);
    const smaller = new DataLoader(b.train.dataset, { batchSize: 4, shuffle: true, generator: b.train.generator! });
    const err = restoreError(capture(a), { ...partsOf(b), loaders: { train: smaller, validation: b.validation } });
    expect(err.part).toBe('loaders');
    expect(err.message).toBe(
      'restoreState: the position of the data loader "train" does not fit it: DataLoader.setState: batchSize is 8 in the state but 4 here. Nothing was restored.',
    );
    expect(snapshot(b)).toEqual(before);
    expect(smaller.state().epoch).toBe(0);
  });

  it('refuses other loaders, other generators and other generator sharing before touching anything', () => {
    const a = makeRun();
    advance(a, 3);
    const state = capture(a);
    const b = makeRun();
    scramble(b);
    const before = snapshot(b);
    const noVal = restoreError(state, { ...partsOf(b), loaders: { train: b.train } });
    expect(noVal.part).toBe('loaders');
    expect(noVal.message).toBe('restoreState: the checkpoint has loaders ["train", "validation"] but this run has ["train"]. Nothing was restored.');
    const noAugment = restoreError(state, { ...partsOf(b), generators: {} });
    expect(noAugment.part).toBe('generators');
    expect(noAugment.message).toMatch(/^restoreState: the checkpoint has generators \["augment", "default", "model\.6\.generator"\] but this run has \["default", "model\.6\.generator"\]/);
    const shared = restoreError(state, { ...partsOf(b), generators: { augment: getDefaultGenerator() } });
    expect(shared.message).toBe('restoreState: generator "augment" was a generator of its own in the checkpoint but is the same as "default" in this run. Nothing was restored.');
    const bad = { ...state, generators: { ...state.generators, augment: { seed: 1, prng: null } } } as unknown as TrainingState;
    expect(restoreError(bad, partsOf(b)).message).toBe('restoreState: generator "augment" has an invalid state in the checkpoint. Nothing was restored.');
    const newer = { ...state, version: 3 };
    const v = restoreError(newer, partsOf(b));
    expect([v.part, v.message]).toEqual(['format', 'restoreState: the state has version 3; this @tensile/train reads versions 1 to 2. Nothing was restored.']);
    const missingTensor = { ...state, tensors: new Map([...state.tensors].filter(([k]) => k !== 'optimizer.7.bias.var')) };
    expect(restoreError(missingTensor, partsOf(b)).message).toBe(
      'restoreState: the optimizer state of "7.bias" refers to a tensor "optimizer.7.bias.var" that is not in the checkpoint. Nothing was restored.',
    );
    expect(restoreError(state, { ...partsOf(b), optimizer: null }).message).toBe('restoreState: the checkpoint has optimizer state but this run has no optimizer. Nothing was restored.');
    expect(snapshot(b)).toEqual(before);
  });

  it('checks its arguments', () => {
    const a = makeRun();
    expect(() => captureState({ model: a.model, extra: { f: () => 1 } })).toThrow('captureState: extra.f is a function, which JSON cannot hold');
    expect(() => captureState({ model: a.model, step: -1 })).toThrow('captureState: step must be an integer ≥ 0, got -1');
    expect(() => captureState({ model: a.model, loader: a.train } as never)).toThrow(/captureState: unknown option "loader" \(did you mean loaders\?\)/);
    expect(() => captureState({ model: {} as never })).toThrow('captureState: model must be a Module from @tensile/nn');
    const ds = new TensorDataset(rand([4, 1]));
    const g = new Generator(1);
    expect(() => captureState({ model: a.model, loaders: { train: new DataLoader(ds, { shuffle: true, generator: g }) }, generators: { g } })).toThrow(
      /^the data loader "train" shuffles with the same generator as "g"/,
    );
  });
});
