import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Linear } from '@tensile/nn';
import { SGD } from '@tensile/optim';
import { Generator } from '@tensile/tensor';
import { makeRun, rejection } from '../../test/helpers.js';
import { IndexedDBCheckpointStore, checkpointBlob } from '../browser.js';
import { CheckpointError } from '../errors.js';
import { fit } from '../fit.js';
import type { MetricsRecord, StepRecord } from '../history.js';
import { captureState, type TrainingState } from '../state.js';
import { checkpoint } from '../callbacks.js';
import { classificationStep } from '../steps.js';
import { writePlots } from '../node.js';
import { fileCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint-file.js';
import { JsonlHistory, readMetrics } from './jsonl-history.js';
import { TerminalProgress, epochSummary } from './terminal-progress.js';

const dir = mkdtempSync(join(tmpdir(), 'tensile-train-node-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const step = (n: number, loss: number): StepRecord => ({ type: 'step', epoch: 1, step: n, batch: n, lr: 0.1, metrics: { loss } });

describe('checkpoint files', () => {
  it('saveCheckpoint writes atomically into a new folder; loadCheckpoint reads it back and names a missing file', async () => {
    const model = new Linear(2, 2, { generator: new Generator(1) });
    const path = join(dir, 'deep', 'er', 'run.safetensors');
    await saveCheckpoint(path, captureState({ model, optimizer: new SGD(model, { lr: 0.1 }), extra: { a: 1 } }));
    expect(readdirSync(join(dir, 'deep', 'er'))).toEqual(['run.safetensors']); // no temporary left behind
    const back = await loadCheckpoint(path);
    expect(back.extra).toEqual({ a: 1 });
    expect(Array.from(back.tensors.get('model.weight')!.toTypedArray())).toEqual(Array.from(model.weight.toTypedArray()));
    await expect(loadCheckpoint(join(dir, 'nope.safetensors'))).rejects.toThrow(/nope\.safetensors: no such checkpoint$/);
    expect(await loadCheckpoint(join(dir, 'nope.safetensors'), { ifExists: true })).toBeNull();
    const torn = join(dir, 'torn.safetensors');
    writeFileSync(torn, readFileSync(path).subarray(0, 200));
    const err = await rejection<CheckpointError>(loadCheckpoint(torn));
    expect([err.part, err.message.startsWith(`${torn} is not a valid safetensors file`)]).toEqual(['file', true]);
  });

  it('fileCheckpoint writes the run every N steps; the file resumes a fit', async () => {
    const path = join(dir, 'fit.safetensors');
    const a = makeRun({ plateau: false, samples: 24 });
    const history = new JsonlHistory(join(dir, 'fit', 'metrics.jsonl'));
    await fit({ model: a.model, optimizer: a.optimizer, train: a.train, epochs: 1, history, generators: { augment: a.augment }, callbacks: [fileCheckpoint(path, { everySteps: 2, everyEpoch: false })] });
    const state = await loadCheckpoint(path);
    expect(state.step).toBe(2); // steps 1–3; the write at step 2 is the last
    expect(readMetrics(history.path).map((r) => r.step)).toEqual([1, 2, 3, 3]);
    const b = makeRun({ plateau: false, samples: 24 });
    const resumed = await fit({ model: b.model, optimizer: b.optimizer, train: b.train, epochs: 1, history, generators: { augment: b.augment }, resume: state });
    expect(resumed.history.map((r) => r.step)).toEqual([1, 2, 3, 3]);
    expect(readMetrics(history.path)).toEqual(resumed.history);
  });
});

describe('JsonlHistory', () => {
  it('appends records, keeps NaN, and on resume cuts the file back to the checkpoint\'s count, torn line included', () => {
    const path = join(dir, 'h', 'metrics.jsonl');
    const h = new JsonlHistory(path);
    h.clear();
    for (let i = 1; i <= 4; i++) h.append(step(i, i === 3 ? NaN : 1 / i));
    h.sync();
    writeFileSync(path, `${readFileSync(path, 'utf8')}{"type":"step","ep`);
    const read = readMetrics(path);
    expect(read.map((r) => r.step)).toEqual([1, 2, 3, 4]);
    expect(Number.isNaN((read[2] as StepRecord).metrics.loss)).toBe(true);
    const resumed = new JsonlHistory(path);
    resumed.resume(2, null);
    expect(resumed.records).toEqual(read.slice(0, 2));
    expect(readFileSync(path, 'utf8').split('\n')).toHaveLength(3);
    resumed.append(step(3, 0.3));
    expect(readMetrics(path).map((r) => [r.step, (r as StepRecord).metrics.loss])).toEqual([[1, 1], [2, 0.5], [3, 0.3]]);
  });

  it('refuses a file with fewer records than the checkpoint counts, and changes nothing', () => {
    const path = join(dir, 'short.jsonl');
    writeFileSync(path, `${JSON.stringify(step(1, 1))}\n`);
    const h = new JsonlHistory(path);
    expect(() => h.resume(5, null)).toThrow(`${path} has 1 complete records but the checkpoint was written after 5`);
    expect(readMetrics(path)).toHaveLength(1);
    const saved: MetricsRecord[] = [step(1, 2), step(2, 3)];
    h.resume(2, saved);
    expect(readMetrics(path)).toEqual(saved);
  });
});

describe('JsonlHistory shared by several runs', () => {
  it('tags each record with the run; a fresh run removes only its own lines; a resumed one cuts back only its own', () => {
    const path = join(dir, 'shared', 'metrics.jsonl');
    const a = new JsonlHistory(path, { run: 'a' });
    a.clear();
    for (let i = 1; i <= 3; i++) a.append(step(i, i));
    const b = new JsonlHistory(path, { run: 'b' });
    b.clear();
    for (let i = 1; i <= 3; i++) b.append(step(i, 10 * i));
    expect(readFileSync(path, 'utf8').split('\n')[0]).toBe('{"type":"step","run":"a","epoch":1,"step":1,"batch":1,"lr":0.1,"metrics":{"loss":1}}');
    expect(b.records.map((r) => [r.run, r.step])).toEqual([['b', 1], ['b', 2], ['b', 3]]);
    writeFileSync(path, `${readFileSync(path, 'utf8')}{"type":"step","run":"b","ep`); // torn by a kill
    // b resumed from a checkpoint taken after its first record: a's lines stay, b's later ones and the torn line go.
    const b2 = new JsonlHistory(path, { run: 'b' });
    b2.resume(1, null);
    expect(b2.records.map((r) => [r.run, r.step])).toEqual([['b', 1]]);
    expect(readMetrics(path).map((r) => [r.run, r.step])).toEqual([['a', 1], ['a', 2], ['a', 3], ['b', 1]]);
    b2.append(step(2, 5));
    // a started afresh: only its own lines go.
    new JsonlHistory(path, { run: 'a' }).clear();
    expect(readMetrics(path).map((r) => [r.run, r.step, (r as StepRecord).metrics.loss])).toEqual([['b', 1, 10], ['b', 2, 5]]);
    // A run with fewer records than its checkpoint counts is refused, and the file is left as it was.
    const before = readFileSync(path, 'utf8');
    expect(() => new JsonlHistory(path, { run: 'b' }).resume(3, null)).toThrow(`${path} has 2 complete records of the run "b" but the checkpoint was written after 3`);
    expect(() => new JsonlHistory(path, { run: 'a' }).resume(1, null)).toThrow(/has 0 complete records of the run "a"/);
    expect(readFileSync(path, 'utf8')).toBe(before);
    // Records a checkpoint carries replace the run's own.
    new JsonlHistory(path, { run: 'a' }).resume(1, [step(1, 7)]);
    expect(readMetrics(path).map((r) => [r.run, (r as StepRecord).metrics.loss])).toEqual([['b', 10], ['b', 5], ['a', 7]]);
    expect(() => new JsonlHistory(path, { run: '' })).toThrow('JsonlHistory: run must be a non-empty string, got ""');
    expect(() => new JsonlHistory(path, { name: 'x' } as never)).toThrow(/JsonlHistory/);
  });

  it('two fits share one file; the second, resumed from its checkpoint, ends with the records of an uninterrupted pair', async () => {
    let kept: TrainingState | null = null;
    const keepStep4 = checkpoint({ save: (st) => void (st.step === 4 && (kept = st)), everySteps: 1 });
    const twoRuns = async (path: string, keep: boolean) => {
      for (const [run, seed] of [['x', 1], ['y', 2]] as const) {
        const r = makeRun({ plateau: false, samples: 24, seed });
        await fit({ model: r.model, optimizer: r.optimizer, train: r.train, epochs: 2, history: new JsonlHistory(path, { run }), generators: { augment: r.augment }, callbacks: keep && run === 'y' ? [keepStep4] : [] });
      }
    };
    const whole = join(dir, 'pair-whole.jsonl');
    await twoRuns(whole, false);
    const cut = join(dir, 'pair-cut.jsonl');
    await twoRuns(cut, true);
    // y resumed after step 4 (epoch 2, batch 1 of 3): its records after that are dropped and written again.
    expect(kept!.epoch).toBe(1);
    const r = makeRun({ plateau: false, samples: 24, seed: 2 });
    await fit({ model: r.model, optimizer: r.optimizer, train: r.train, epochs: 2, history: new JsonlHistory(cut, { run: 'y' }), generators: { augment: r.augment }, resume: kept });
    const numbers = (p: string) => readMetrics(p).map((rec) => (rec.type === 'epoch' ? { ...rec, seconds: 0, samplesPerSec: 0 } : rec));
    expect(numbers(cut)).toEqual(numbers(whole));
    expect(numbers(whole).map((rec) => rec.run)).toEqual([...Array(8).fill('x'), ...Array(8).fill('y')]);
  });
});

describe('TerminalProgress', () => {
  it('writes plain lines at each quarter and a summary per epoch when not on a terminal', async () => {
    let out = '';
    const bar = new TerminalProgress({ stream: { write: (t: string) => (out += t) } });
    expect(bar.tty).toBe(false);
    bar.line('header');
    const a = makeRun({ plateau: false, samples: 64 });
    await fit({ model: a.model, optimizer: a.optimizer, train: a.train, validation: a.validation, epochs: 2, step: classificationStep(), callbacks: [bar] });
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toBe('header');
    expect(lines.filter((l) => /^epoch 1\/2 +\d+% \d\/8 {2}loss \d\.\d{4} {2}acc \d+\.\d\d% {2}[\d,]+ samples\/s {2}ETA /.test(l))).toHaveLength(3);
    expect(lines.filter((l) => /^epoch [12]\/2 {2}loss \d\.\d{4} {2}acc \d+\.\d\d% {2}│ {2}val loss \d\.\d{4} {2}acc \d+\.\d\d% {2}│ {2}lr 5\.00e-2 /.test(l))).toHaveLength(2);
    expect(epochSummary({ type: 'epoch', epoch: 3, step: 30, lr: 1e-3, train: { loss: 0.5, mae: 0.25 }, seconds: 2, samplesPerSec: 1234.5 }, 10)).toBe(
      'epoch  3/10  loss 0.5000  mae 0.2500  │  lr 1.00e-3  2.0s  1,235 samples/s',
    );
    expect(epochSummary({ type: 'epoch', epoch: 1, step: 5, lr: 0.1, train: { loss: 1 }, val: { loss: 2, accuracy: 0.5 }, seconds: 1, samplesPerSec: 10 }, 1, 'test')).toBe(
      'epoch 1/1  loss 1.0000  │  test loss 2.0000  acc 50.00%  │  lr 1.00e-1  1.0s  10 samples/s',
    );
    expect(() => new TerminalProgress({ valLabel: '' })).toThrow('TerminalProgress: valLabel must be a non-empty string, got ""');
  });

  it('starts each epoch line with the prefix (a run\'s name in a comparison)', async () => {
    let out = '';
    const bar = new TerminalProgress({ stream: { write: (t: string) => (out += t) }, prefix: 'Adam   ', valLabel: 'test' });
    const a = makeRun({ plateau: false, samples: 64 });
    await fit({ model: a.model, optimizer: a.optimizer, train: a.train, validation: a.validation, epochs: 1, callbacks: [bar, { onStepEnd: (ctx) => { if (ctx.step === 7) ctx.stop('enough'); } }] });
    const lines = out.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) expect(l.startsWith('Adam   epoch 1/1  ') || l.startsWith('Adam   stopped at step 7: enough'), l).toBe(true);
    expect(() => new TerminalProgress({ prefix: 3 as never })).toThrow('TerminalProgress: prefix must be a string, got 3');
  });
});

describe('in Node', () => {
  it('writePlots writes each file; the IndexedDB store says it is unavailable and refuses with a CheckpointError', async () => {
    const paths = writePlots(join(dir, 'plots'), { 'a.svg': '<svg/>' });
    expect(readFileSync(paths[0]!, 'utf8')).toBe('<svg/>');
    const store = new IndexedDBCheckpointStore();
    expect(store.available).toBe(false);
    const err = await rejection<CheckpointError>(store.keys());
    expect([err.part, err.message]).toEqual(['store', 'IndexedDB is not available in this runtime; in Node use saveCheckpoint / loadCheckpoint from @tensile/train/node']);
    const blob = checkpointBlob(captureState({ model: new Linear(1, 1) }));
    expect(blob.size).toBeGreaterThan(100);
  });
});
