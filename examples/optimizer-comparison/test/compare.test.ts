// The comparison, small: every optimizer learns from the same start on the same batches, the plots are
// written, a resumed comparison ends where an uninterrupted one does, and each optimizer descends Rosenbrock.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSafetensors } from '@tensile/nn';
import { contourGroup } from '@tensile/train';
import { CheckpointError, DivergenceError, OPTIMIZER_NAMES, UsageError, readMetrics, type MetricsRecord } from '@tensile/examples-common';
import { runComparison } from '../src/compare.js';
import { ROSENBROCK_VIEW, rosenbrock, rosenbrockPath } from '../src/rosenbrock.js';
import { schedulePreviews, stepsLabel } from '../src/schedules.js';

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
    // Without --out, the comparison goes on in its own folder.
    let text = '';
    await runComparison(['--resume', ckpt, '--epochs', '2'], { stream: { write: (t: string) => (text += t), isTTY: false } });
    expect(text).toContain(`  output ${join(root, 'parts')} · checkpoint ${ckpt}`);
    expect(text).toContain('after 1 epoch\n');
    expect(readMetrics(join(root, 'parts', 'metrics.jsonl')).filter((r) => r.type === 'epoch').map((r) => [r.run, r.epoch])).toEqual([
      ['momentum', 1], ['adam', 1], ['momentum', 2], ['adam', 2],
    ]);
    for (const name of ['momentum', 'adam']) {
      const a = loadSafetensors(readFileSync(join(root, 'whole', `${name}.safetensors`))).tensors;
      const b = loadSafetensors(readFileSync(join(root, 'parts', `${name}.safetensors`))).tensors;
      for (const [k, t] of a) expect(Array.from(b.get(k)!.toTypedArray() as Float32Array), `${name} ${k}`).toEqual(Array.from(t.toTypedArray() as Float32Array));
    }
    const err = await runComparison(['--resume', ckpt, '--batch-size', '32'], { stream: quiet }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/^--batch-size 32 differs from the checkpoint's 16/);
    // Finished: nothing to resume unless more epochs are asked for.
    const done = await runComparison(['--resume', ckpt], { stream: quiet }).catch((e: unknown) => e);
    expect(done).toBeInstanceOf(CheckpointError);
    expect((done as Error).message).toBe(
      `${ckpt}: this comparison already trained 2 epochs; there is nothing to resume unless --epochs asks for more (--epochs 3 or above); its plots and metrics are in ${join(root, 'parts')}`,
    );
  });

  it('refuses a file as --out, and an --out that holds another run, before any work', async () => {
    const file = await runComparison([...SMALL, '--out', join(root, 'c.safetensors')], { stream: quiet }).catch((e: unknown) => e);
    expect((file as Error).message).toMatch(/^--out .*c\.safetensors is a file; give a folder$/);
    const held = await runComparison([...SMALL, '--out', join(root, 'one')], { stream: quiet }).catch((e: unknown) => e);
    expect(held).toBeInstanceOf(UsageError);
    expect((held as Error).message).toMatch(/^--out .*one already holds a run/);
  });

  it('a loss that turns NaN stops the comparison, naming the optimizer and the step', async () => {
    const out = join(root, 'nan');
    const err = await runComparison([...SMALL, '--optimizer', 'adam,sgd', '--lr', '1e9', '--out', out], { stream: quiet }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DivergenceError);
    expect((err as Error).message).toMatch(
      /^(Adam|SGD): the training loss became (NaN|[\d.e+]+, past 10,000 \(it has diverged\)) at epoch 1, batch \d+ \(step \d+\); the last finite loss was .* at step \d+\. Training stopped before this step's update; try a smaller --lr \(its lr is 1\.00e9\), or leave it out of --optimizer$/,
    );
    expect(existsSync(join(out, 'curves.svg'))).toBe(true);
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

describe('the Rosenbrock plot', () => {
  it('draws each contour level as whole lines: the innermost is one closed loop, not a trail of dashes', () => {
    // As in rosenbrock.svg: a 600 × 560 panel.
    const g = contourGroup({ ...ROSENBROCK_VIEW, title: 't', paths: [] }, 0, 0, 600, 560);
    const levels = [...g.matchAll(/<path d="([^"]+)" fill="none" stroke="rgb\((\d+),/g)].map((m) => ({ d: m[1]!, shade: Number(m[2]) }));
    expect(levels).toHaveLength(ROSENBROCK_VIEW.levels.length);
    const innermost = levels[0]!.d;
    expect(innermost.match(/M/g)).toHaveLength(1);
    expect(innermost.endsWith('Z')).toBe(true);
    // It spans the valley floor where f < 0.25, x from 0.5 to 1.5: in pixels, 56 + (x + 2) / 4 · 528.
    const xs = [...innermost.matchAll(/[ML]([\d.]+) /g)].map((m) => Number(m[1]));
    expect(Math.min(...xs)).toBeLessThan(56 + (2.5 / 4) * 528 + 4);
    expect(Math.max(...xs)).toBeGreaterThan(56 + (3.5 / 4) * 528 - 4);
  });
});

describe('schedule previews', () => {
  it('label the warmup with its real length', () => {
    // 2 epochs of 16 steps: the warmup is a tenth of the run, 3 steps.
    const short = schedulePreviews(1e-3, 32, 16).map((p) => p.name);
    expect(short).toContain('NoamScheduler (warmup 3 steps ≈ 0.19 epoch)');
    expect(short).toContain('LinearLR warmup 3 steps ≈ 0.19 epoch → cosine');
    // 5 epochs of 125 steps (pnpm compare's default): 62 steps, about half an epoch.
    expect(schedulePreviews(1e-3, 625, 125).map((p) => p.name)).toContain('NoamScheduler (warmup 62 steps ≈ 0.5 epoch)');
    expect(schedulePreviews(1e-3, 50, 5).map((p) => p.name)).toContain('NoamScheduler (warmup 1 epoch)');
    expect(stepsLabel(20, 10)).toBe('2 epochs');
    expect(stepsLabel(5, 10)).toBe('5 steps = 0.5 epoch');
    expect(stepsLabel(1, 3)).toBe('1 step ≈ 0.33 epoch');
  });

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
