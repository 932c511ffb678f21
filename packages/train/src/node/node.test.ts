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
import { captureState } from '../state.js';
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
