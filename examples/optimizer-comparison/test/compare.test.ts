// The comparison, small: every optimizer learns from the same start on the same batches, the plots are
// written, a resumed comparison ends where an uninterrupted one does, and each optimizer descends Rosenbrock.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSafetensors } from '@tensile/nn';
import { OPTIMIZER_NAMES, UsageError, readMetrics, type MetricsRecord } from '@tensile/examples-common';
import { runComparison } from '../src/compare.js';
import { rosenbrock, rosenbrockPath } from '../src/rosenbrock.js';
import { schedulePreviews } from '../src/schedules.js';

const root = mkdtempSync(join(tmpdir(), 'tensile-compare-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const quiet = { write: () => true, isTTY: false };
const SMALL = ['--train-size', '384', '--test-size', '300', '--batch-size', '16', '--rosenbrock-steps', '200'];

type Step = Extract<MetricsRecord, { type: 'step' }>;
type Epoch = Extract<MetricsRecord, { type: 'epoch' }>;

describe('optimizer-comparison, small', () => {
  it('trains every optimizer from the same weights on the same batches; each learns', async () => {
    const out = join(root, 'one');
    await runComparison([...SMALL, '--epochs', '1', '--out', out], { stream: quiet });
    const records = readMetrics(join(out, 'metrics.jsonl'));
    const firstLoss = new Set<number>();
    for (const name of OPTIMIZER_NAMES) {
      const steps = records.filter((r): r is Step => r.type === 'step' && r.run === name);
      expect(steps).toHaveLength(24);
      // The first loss is computed before any update: same weights and same batch give the same number.
      firstLoss.add(steps[0]!.loss);
      const first = steps.slice(0, 4).reduce((a, r) => a + r.loss, 0) / 4;
      const last = steps.slice(-4).reduce((a, r) => a + r.loss, 0) / 4;
      expect(last, name).toBeLessThan(first - 0.4);
      const epoch = records.find((r): r is Epoch => r.type === 'epoch' && r.run === name)!;
      expect(epoch.testAccuracy, name).toBeGreaterThan(0.45);
    }
    expect(firstLoss.size).toBe(1);
    for (const f of ['curves.svg', 'lr-schedules.svg', 'rosenbrock.svg', 'adam.safetensors']) expect(existsSync(join(out, f)), f).toBe(true);
  });

  it('resumed from a checkpoint for more epochs, it ends where an uninterrupted run does, bit for bit', async () => {
    const args = [...SMALL, '--optimizer', 'momentum,adam'];
    await runComparison([...args, '--epochs', '2', '--out', join(root, 'whole')], { stream: quiet });
    const ckpt = join(root, 'c.safetensors');
    await runComparison([...args, '--epochs', '1', '--out', join(root, 'parts'), '--checkpoint', ckpt], { stream: quiet });
    await runComparison(['--resume', ckpt, '--epochs', '2', '--out', join(root, 'parts')], { stream: quiet });
    for (const name of ['momentum', 'adam']) {
      const a = loadSafetensors(readFileSync(join(root, 'whole', `${name}.safetensors`))).tensors;
      const b = loadSafetensors(readFileSync(join(root, 'parts', `${name}.safetensors`))).tensors;
      for (const [k, t] of a) expect(Array.from(b.get(k)!.toTypedArray() as Float32Array), `${name} ${k}`).toEqual(Array.from(t.toTypedArray() as Float32Array));
    }
    const err = await runComparison(['--resume', ckpt, '--batch-size', '32'], { stream: quiet }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/^--batch-size 32 differs from the checkpoint's 16/);
  });

  it('rejects a bad optimizer list with one line naming the flag', async () => {
    const err = await runComparison(['--optimizer', 'adam,lion'], { stream: quiet }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('--optimizer must be a comma-separated list of sgd, momentum, adagrad, rmsprop, adam, adamw, got "adam,lion"');
  });
});

describe('Rosenbrock', () => {
  it('has its minimum 0 at (1, 1)', () => {
    expect(rosenbrock(1, 1)).toBe(0);
    expect(rosenbrock(-1.2, 1)).toBeCloseTo(24.2, 10);
  });

  it('every optimizer goes down the valley; Adam reaches the minimum in 2000 steps', () => {
    for (const name of OPTIMIZER_NAMES) {
      const { values, points } = rosenbrockPath(name, 300);
      expect(points).toHaveLength(301);
      expect(values.at(-1)!, name).toBeLessThan(values[0]! / 5);
    }
    const adam = rosenbrockPath('adam', 2000);
    const [x, y] = adam.points.at(-1)!;
    expect(Math.hypot(x - 1, y - 1)).toBeLessThan(1e-3);
  });
});

describe('schedule previews', () => {
  it('give one rate per step, each schedule starting at or rising to the peak', () => {
    const previews = schedulePreviews(1e-3, 50, 10);
    expect(previews.map((p) => p.name)).toContain('OneCycleLR');
    for (const p of previews) {
      expect(p.lrs, p.name).toHaveLength(50);
      expect(Math.max(...p.lrs), p.name).toBeCloseTo(1e-3, 6);
    }
    const cosine = previews.find((p) => p.name === 'CosineAnnealingLR')!.lrs;
    // Closed form at step k: 1e-3·(1 + cos(π(k − 1)/50))/2.
    expect(cosine[25]).toBeCloseTo(1e-3 * (1 + Math.cos((Math.PI * 25) / 50)) / 2, 15);
  });
});
