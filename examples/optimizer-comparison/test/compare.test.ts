// The comparison, small: every optimizer learns from the same start on the same batches, the plots are
// written, a comparison interrupted anywhere (an exception mid-run, a SIGKILL at a random step) and resumed
// ends where an uninterrupted one does, bit for bit, and each optimizer descends Rosenbrock.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSafetensors, saveSafetensors } from '@tensile/nn';
import { tensor } from '@tensile/tensor';
import { CheckpointError, contourGroup, type EpochRecord, type MetricsRecord, type StepRecord, type TrainingState } from '@tensile/train';
import { loadCheckpoint, readMetrics } from '@tensile/train/node';
import { DivergenceError, OLD_EXAMPLES_FORMAT, OPTIMIZER_NAMES, UsageError } from '@tensile/examples-common';
import { runComparison } from '../src/compare.js';
import { COMPARISON_FORMAT, readManifest, runFile, writeManifest } from '../src/manifest.js';
import { ROSENBROCK_VIEW, rosenbrock, rosenbrockPath } from '../src/rosenbrock.js';
import { schedulePreviews, stepsLabel } from '../src/schedules.js';

const root = mkdtempSync(join(tmpdir(), 'tensile-compare-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const quiet = { write: () => true, isTTY: false };
const SMALL = ['--train-size', '384', '--test-size', '300', '--batch-size', '16', '--rosenbrock-steps', '200'];
const TINY = ['--train-size', '192', '--test-size', '100', '--batch-size', '16', '--rosenbrock-steps', '50'];

const stepsOf = (records: MetricsRecord[], run: string) => records.filter((r): r is StepRecord => r.type === 'step' && r.run === run);
const epochsOf = (records: MetricsRecord[], run: string) => records.filter((r): r is EpochRecord => r.type === 'epoch' && r.run === run);
/** The numbers of a comparison without its timings. */
const numbers = (records: MetricsRecord[]) => records.map((r) => (r.type === 'epoch' ? { ...r, seconds: 0, samplesPerSec: 0 } : r));

/** Every tensor of a safetensors file, as bytes. */
function tensorsOf(path: string): Map<string, Buffer> {
  return new Map([...loadSafetensors(readFileSync(path)).tensors].map(([k, t]) => {
    const v = t.toTypedArray();
    return [k, Buffer.from(v.buffer, v.byteOffset, v.byteLength)];
  }));
}

/** Two training checkpoints hold the same run: tensors byte for byte, optimizer, loaders, generators, counters, fit's state. */
function expectSameRun(a: TrainingState, b: TrainingState, what: string): void {
  const bytes = (s: TrainingState) => [...s.tensors].map(([k, t]) => {
    const v = t.toTypedArray();
    return [k, Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')];
  });
  expect(bytes(b), what).toEqual(bytes(a));
  expect({ ...b, tensors: null, extra: b.extra.fit }, what).toEqual({ ...a, tensors: null, extra: a.extra.fit });
}

/** The outputs of two comparisons are the same: metrics (timings aside, in order), final models, and each optimizer's last checkpoint. */
async function expectSameComparison(a: { out: string; ckpt: string }, b: { out: string; ckpt: string }, names: string[]): Promise<void> {
  expect(numbers(readMetrics(join(b.out, 'metrics.jsonl')))).toEqual(numbers(readMetrics(join(a.out, 'metrics.jsonl'))));
  for (const name of names) {
    const ma = tensorsOf(join(a.out, `${name}.safetensors`));
    const mb = tensorsOf(join(b.out, `${name}.safetensors`));
    expect([...mb.keys()]).toEqual([...ma.keys()]);
    for (const [k, bytes] of ma) expect(Buffer.compare(mb.get(k)!, bytes), `${name} ${k}`).toBe(0);
    expectSameRun(await loadCheckpoint(runFile(a.ckpt, name as never)), await loadCheckpoint(runFile(b.ckpt, name as never)), name);
  }
}

describe('optimizer-comparison, small', () => {
  it('trains every optimizer from the same weights on the same batches; each learns; the records name their optimizer', async () => {
    const out = join(root, 'one');
    let text = '';
    await runComparison([...SMALL, '--epochs', '1', '--out', out], { stream: { write: (t: string) => (text += t), isTTY: false } });
    const records = readMetrics(join(out, 'metrics.jsonl'));
    // One optimizer after another, each with its 24 steps and its epoch record.
    expect(records.map((r) => r.run)).toEqual(OPTIMIZER_NAMES.flatMap((n) => Array(25).fill(n)));
    const firstLoss = new Set<number>();
    for (const name of OPTIMIZER_NAMES) {
      const steps = stepsOf(records, name);
      expect(steps.map((r) => r.step)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
      // The first loss is computed before any update: same weights and same batch give the same number.
      firstLoss.add(steps[0]!.metrics.loss!);
      const first = steps.slice(0, 4).reduce((a, r) => a + r.metrics.loss!, 0) / 4;
      const last = steps.slice(-4).reduce((a, r) => a + r.metrics.loss!, 0) / 4;
      expect(last, name).toBeLessThan(first - 0.4);
      const [epoch] = epochsOf(records, name);
      expect(epoch!.val!.accuracy, name).toBeGreaterThan(0.45);
      expect(Object.keys(epoch!.train).sort()).toEqual(['accuracy', 'loss']);
    }
    expect(firstLoss.size).toBe(1);
    for (const f of ['curves.svg', 'lr-schedules.svg', 'rosenbrock.svg', 'adam.safetensors']) expect(existsSync(join(out, f)), f).toBe(true);
    // The curves hold a loss line and an accuracy line per optimizer.
    expect(readFileSync(join(out, 'curves.svg'), 'utf8').match(/<path d="M/g)).toHaveLength(12);
    expect(text).toMatch(/^AdaGrad {9}epoch 1\/1  loss \d\.\d{4}  acc [\d.]+%  │  test loss \d\.\d{4}  acc [\d.]+%  │  lr 1\.00e-2 /m);
    expect(text).toMatch(/^SGD \+ momentum {2}1\.00e-2 {3}\d\.\d{4} {6}[\d.]+% +│/m);
  }, 120_000);

  it('resumed from a checkpoint for more epochs, it ends where an uninterrupted run does, bit for bit', async () => {
    const args = [...SMALL, '--optimizer', 'momentum,adam'];
    const whole = { out: join(root, 'whole'), ckpt: join(root, 'whole.safetensors') };
    await runComparison([...args, '--epochs', '2', '--out', whole.out, '--checkpoint', whole.ckpt], { stream: quiet });
    const parts = { out: join(root, 'parts'), ckpt: join(root, 'c.safetensors') };
    await runComparison([...args, '--epochs', '1', '--out', parts.out, '--checkpoint', parts.ckpt], { stream: quiet });
    const manifest = await readManifest(parts.ckpt);
    expect(manifest.runs).toEqual({
      momentum: { file: 'c.momentum.safetensors', finished: true, epochs: 1, step: 24 },
      adam: { file: 'c.adam.safetensors', finished: true, epochs: 1, step: 24 },
    });
    // Without --out, the comparison goes on in its own folder.
    let text = '';
    await runComparison(['--resume', parts.ckpt, '--epochs', '2'], { stream: { write: (t: string) => (text += t), isTTY: false } });
    expect(text).toContain(`  output ${parts.out} · checkpoint ${parts.ckpt}`);
    expect(text).toContain('resumed from ' + parts.ckpt + ': SGD + momentum after 1 epoch · Adam after 1 epoch\n');
    // Each optimizer's epoch 2 follows the records of both epochs 1.
    expect(readMetrics(join(parts.out, 'metrics.jsonl')).filter((r) => r.type === 'epoch').map((r) => [r.run, r.epoch])).toEqual([
      ['momentum', 1], ['adam', 1], ['momentum', 2], ['adam', 2],
    ]);
    for (const name of ['momentum', 'adam']) {
      expect(numbers(readMetrics(join(parts.out, 'metrics.jsonl')).filter((r) => r.run === name)), name)
        .toEqual(numbers(readMetrics(join(whole.out, 'metrics.jsonl')).filter((r) => r.run === name)));
      const a = tensorsOf(join(whole.out, `${name}.safetensors`));
      const b = tensorsOf(join(parts.out, `${name}.safetensors`));
      for (const [k, t] of a) expect(Buffer.compare(b.get(k)!, t), `${name} ${k}`).toBe(0);
      expectSameRun(await loadCheckpoint(runFile(whole.ckpt, name as never)), await loadCheckpoint(runFile(parts.ckpt, name as never)), name);
    }
    expect((await readManifest(parts.ckpt)).config.epochs).toBe(2);
    const err = await runComparison(['--resume', parts.ckpt, '--batch-size', '32'], { stream: quiet }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/^--batch-size 32 differs from the checkpoint's 16/);
    const fewer = await runComparison(['--resume', parts.ckpt, '--epochs', '1'], { stream: quiet }).catch((e: unknown) => e);
    expect((fewer as Error).message).toBe("--epochs 1 is fewer than the checkpoint's 2; a resumed comparison can train longer, not shorter");
    // Finished: nothing to resume unless more epochs are asked for.
    const done = await runComparison(['--resume', parts.ckpt], { stream: quiet }).catch((e: unknown) => e);
    expect(done).toBeInstanceOf(CheckpointError);
    expect((done as Error).message).toBe(
      `${parts.ckpt}: this comparison already trained 2 epochs; there is nothing to resume unless --epochs asks for more (--epochs 3 or above); its plots and metrics are in ${parts.out}`,
    );
  }, 120_000);

  it('stopped by an exception in the middle of its second optimizer and resumed, it ends as if never stopped', async () => {
    // 12 steps per epoch, a checkpoint every 5 steps.
    const args = [...TINY, '--optimizer', 'rmsprop,adagrad', '--epochs', '2', '--checkpoint-every', '5'];
    const whole = { out: join(root, 'whole-2'), ckpt: join(root, 'whole-2.safetensors') };
    await runComparison([...args, '--out', whole.out, '--checkpoint', whole.ckpt], { stream: quiet });
    // The crash: the progress line of AdaGrad's epoch 2 at 75% (step 21; its last checkpoint is step 20's).
    const cut = { out: join(root, 'cut'), ckpt: join(root, 'cut.safetensors') };
    const crash = { write: (t: string) => { if (/^AdaGrad +epoch 2\/2 +75%/.test(t)) throw new Error('crash'); return true; }, isTTY: false };
    await expect(runComparison([...args, '--out', cut.out, '--checkpoint', cut.ckpt], { stream: crash })).rejects.toThrow('crash');
    const manifest = await readManifest(cut.ckpt);
    expect([manifest.runs.rmsprop!.finished, manifest.runs.adagrad!.finished]).toEqual([true, false]);
    expect((await loadCheckpoint(runFile(cut.ckpt, 'adagrad'))).step).toBe(20);
    // The stopped run wrote a record past its checkpoint (step 21); the resume drops and redoes it.
    expect(stepsOf(readMetrics(join(cut.out, 'metrics.jsonl')), 'adagrad').at(-1)!.step).toBe(21);
    let text = '';
    await runComparison(['--resume', cut.ckpt], { stream: { write: (t: string) => (text += t), isTTY: false } });
    expect(text).toContain(': RMSProp after 2 epochs · AdaGrad after 1 epoch and 8 batches\n');
    expect(text).toContain('RMSProp  trained its 2 epochs before the resume\n');
    expect(text).not.toMatch(/^RMSProp +epoch/m);
    await expectSameComparison(whole, cut, ['rmsprop', 'adagrad']);
    // Resumed into another folder with another checkpoint file: the same again, and the old files stay as they were.
    const again = { out: join(root, 'cut-again'), ckpt: join(root, 'elsewhere', 'again.safetensors') };
    const before = readFileSync(runFile(cut.ckpt, 'adagrad'));
    await runComparison([...args, '--out', join(root, 'cut-2'), '--checkpoint', join(root, 'cut-2.safetensors')], { stream: crash }).catch(() => null);
    await runComparison(['--resume', join(root, 'cut-2.safetensors'), '--out', again.out, '--checkpoint', again.ckpt], { stream: quiet });
    await expectSameComparison(whole, again, ['rmsprop', 'adagrad']);
    expect(readFileSync(runFile(cut.ckpt, 'adagrad')).equals(before)).toBe(true);
  }, 240_000);

  it('refuses a file as --out, and an --out that holds another run, before any work', async () => {
    const file = await runComparison([...SMALL, '--out', join(root, 'c.safetensors')], { stream: quiet }).catch((e: unknown) => e);
    expect((file as Error).message).toMatch(/^--out .*c\.safetensors is a file; give a folder$/);
    const held = await runComparison([...SMALL, '--out', join(root, 'one')], { stream: quiet }).catch((e: unknown) => e);
    expect(held).toBeInstanceOf(UsageError);
    expect((held as Error).message).toMatch(/^--out .*one already holds a run/);
    const every = await runComparison([...SMALL, '--checkpoint-every', '3'], { stream: quiet }).catch((e: unknown) => e);
    expect((every as Error).message).toBe('--checkpoint-every needs --checkpoint <file>');
  });

  it('refuses to resume from an old examples checkpoint, one optimizer\'s checkpoint, a foreign or missing file, or metrics that lost records; resumes a renamed one', async () => {
    const refusal = async (path: string) => {
      const lines: string[] = [];
      const err = await runComparison(['--resume', path], { stream: { write: (t: string) => lines.push(t) } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CheckpointError);
      expect(lines).toEqual([]); // before any work
      return (err as Error).message;
    };
    const old = join(root, 'old.safetensors');
    // As the comparison wrote its checkpoints before it trained with @tensile/train.
    writeFileSync(old, saveSafetensors(new Map([['momentum/model.1.weight', tensor([[1]])]]), { format: OLD_EXAMPLES_FORMAT, example: '"optimizer-comparison"' }));
    expect(await refusal(old)).toBe(
      `${old} is a checkpoint of an older version of the examples (format "tensile-examples-checkpoint/1"), which this version cannot resume; start a new run (leave --resume out)`,
    );
    const one = runFile(join(root, 'c.safetensors'), 'adam');
    expect(await refusal(one)).toBe(`${one} is the training checkpoint of one run, not a comparison's checkpoint; pass --resume the file that was given to --checkpoint (the one without the optimizer's name)`);
    const model = join(root, 'parts', 'adam.safetensors');
    expect(await refusal(model)).toBe(`${model} is not a checkpoint of the optimizer comparison (its metadata "format" is null, expected "${COMPARISON_FORMAT}")`);
    expect(await refusal(join(root, 'nope.safetensors'))).toMatch(/nope\.safetensors: no such checkpoint$/);
    // An optimizer's checkpoint swapped for another's.
    const swapped = join(root, 'swapped.safetensors');
    const m = await readManifest(join(root, 'c.safetensors'));
    await writeManifest(swapped, { ...m, runs: { ...m.runs, momentum: { ...m.runs.momentum!, file: 'c.adam.safetensors' } } });
    expect(await refusal(swapped)).toBe(`${join(root, 'c.adam.safetensors')} is not SGD + momentum's checkpoint of the comparison in ${swapped} (its settings or its run differ)`);
    // The comparison's metrics.jsonl cut to its first 10 lines.
    const cut = join(root, 'cut-metrics');
    await runComparison([...SMALL, '--optimizer', 'sgd', '--epochs', '1', '--out', cut, '--checkpoint', join(root, 'cm.safetensors')], { stream: quiet });
    // A renamed comparison checkpoint resumes, and checkpoints under its new name from then on.
    const renamed = join(root, 'renamed.safetensors');
    copyFileSync(join(root, 'cm.safetensors'), renamed);
    await runComparison(['--resume', renamed, '--epochs', '2'], { stream: quiet });
    expect((await readManifest(renamed)).runs.sgd).toEqual({ file: 'renamed.sgd.safetensors', finished: true, epochs: 2, step: 48 });
    expect([(await loadCheckpoint(runFile(renamed, 'sgd'))).epoch, (await loadCheckpoint(runFile(join(root, 'cm.safetensors'), 'sgd'))).epoch]).toEqual([2, 1]);
    writeFileSync(join(cut, 'metrics.jsonl'), readFileSync(join(cut, 'metrics.jsonl'), 'utf8').split('\n').slice(0, 10).join('\n') + '\n');
    expect(await refusal(join(root, 'cm.safetensors'))).toBe(`${join(root, 'cm.safetensors')}: this comparison already trained 1 epoch; there is nothing to resume unless --epochs asks for more (--epochs 2 or above); its plots and metrics are in ${cut}`);
    const err = await runComparison(['--resume', join(root, 'cm.safetensors'), '--epochs', '2'], { stream: quiet }).catch((e: unknown) => e);
    expect((err as Error).message).toBe(
      `${join(root, 'cm.safetensors')}: the comparison's ${join(cut, 'metrics.jsonl')} has 10 complete records of SGD but its checkpoint was written after 25; it was moved, cut or replaced, so this comparison cannot continue its metrics (start a new one)`,
    );
  });

  it('--schedule gives every optimizer that schedule, peaking at its lr; such a comparison keeps its epochs when resumed', async () => {
    const ckpt = join(root, 'cosine.safetensors');
    const out = join(root, 'cosine');
    let text = '';
    await runComparison([...TINY, '--optimizer', 'sgd,adam', '--schedule', 'cosine', '--epochs', '1', '--out', out, '--checkpoint', ckpt], { stream: { write: (t: string) => (text += t), isTTY: false } });
    expect(text).toContain(' · batch 16 · schedule cosine · ');
    const records = readMetrics(join(out, 'metrics.jsonl'));
    for (const [name, lr] of [['sgd', 0.1], ['adam', 1e-3]] as const) {
      // CosineAnnealingLR from lr down to lr/100 over the 12 steps: step k uses lr/100 + (lr − lr/100)(1 + cos(π(k − 1)/12))/2.
      const lrs = stepsOf(records, name).map((r) => r.lr);
      expect(lrs).toHaveLength(12);
      lrs.forEach((v, i) => expect(v, `${name} step ${i + 1}`).toBeCloseTo(lr / 100 + ((lr - lr / 100) * (1 + Math.cos((Math.PI * i) / 12))) / 2, 12));
    }
    const more = await runComparison(['--resume', ckpt, '--epochs', '2'], { stream: quiet }).catch((e: unknown) => e);
    expect(more).toBeInstanceOf(UsageError);
    expect((more as Error).message).toBe("--epochs 2 differs from the checkpoint's 1; its cosine schedule is laid out over 1 epoch, so it keeps them (only a constant schedule can train longer)");
    const done = await runComparison(['--resume', ckpt], { stream: quiet }).catch((e: unknown) => e);
    expect((done as Error).message).toBe(`${ckpt}: this comparison already trained 1 epoch; there is nothing to resume; its plots and metrics are in ${out}`);
    // The table's first column is as wide as its heading.
    expect(text).toMatch(/^optimizer  lr {8}train loss/m);
    expect(text).toMatch(/^Adam {7}1\.00e-3 {3}\d\.\d{4}/m);
    const other = await runComparison(['--resume', ckpt, '--schedule', 'onecycle'], { stream: quiet }).catch((e: unknown) => e);
    expect((other as Error).message).toMatch(/^--schedule onecycle differs from the checkpoint's cosine; /);
  }, 120_000);

  it('a loss that turns NaN stops the comparison, naming the optimizer and the step', async () => {
    const out = join(root, 'nan');
    const err = await runComparison([...SMALL, '--optimizer', 'adam,sgd', '--lr', '1e9', '--out', out], { stream: quiet }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DivergenceError);
    expect((err as Error).message).toMatch(
      /^Adam: the training loss became (NaN|[\d.e+]+, past 10,000 \(it has diverged\)) at epoch 1, batch \d+ \(step \d+\); the last finite loss was .* at step \d+\. Training stopped before this step's update; try a smaller --lr \(its lr is 1\.00e9\), or leave it out of --optimizer$/,
    );
    expect(existsSync(join(out, 'curves.svg'))).toBe(true);
  });

  it('rejects a bad optimizer list with one line naming the flag', async () => {
    const err = await runComparison(['--optimizer', 'adam,lion'], { stream: quiet }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('--optimizer must be a comma-separated list of sgd, momentum, adagrad, rmsprop, adam, adamw, got "adam,lion"');
  });
});

const exampleDir = fileURLToPath(new URL('..', import.meta.url));

/** Runs `pnpm compare` in a child process; `killWhen` is polled every few milliseconds and returns true to SIGKILL it. */
function spawnCompare(args: string[], killWhen?: () => boolean): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // One process (node with tsx's loader), so SIGKILL reaches the process that trains.
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], { cwd: exampleDir, env: { ...process.env, INIT_CWD: exampleDir } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = killWhen ? setInterval(() => killWhen() && child.kill('SIGKILL'), 2) : null;
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearInterval(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('optimizer-comparison killed', () => {
  it('SIGKILLed at a random step and resumed, it ends with the uninterrupted comparison\'s metrics, models and checkpoints', async () => {
    // 2 optimizers × 2 epochs × 12 steps: 52 records, a checkpoint every 3 steps.
    const args = [...TINY, '--optimizer', 'sgd,adam', '--epochs', '2', '--checkpoint-every', '3'];
    const whole = { out: join(root, 'k-whole'), ckpt: join(root, 'k-whole.safetensors') };
    const w = await spawnCompare([...args, '--out', whole.out, '--checkpoint', whole.ckpt]);
    expect([w.code, w.stderr]).toEqual([0, '']);
    const at = 2 + Math.floor(Math.random() * 46);
    const killed = { out: join(root, 'k-killed'), ckpt: join(root, 'k-killed.safetensors') };
    const lines = () => (existsSync(join(killed.out, 'metrics.jsonl')) ? readFileSync(join(killed.out, 'metrics.jsonl'), 'utf8').split('\n').length - 1 : 0);
    const k = await spawnCompare([...args, '--out', killed.out, '--checkpoint', killed.ckpt], () => lines() >= at);
    expect(k.signal, `killed once metrics.jsonl had ${at} records`).toBe('SIGKILL');
    const r = await spawnCompare(['--resume', killed.ckpt]);
    expect([r.code, r.stderr], `killed once metrics.jsonl had ${at} records`).toEqual([0, '']);
    expect(r.stdout).toContain(`  resumed from ${killed.ckpt}: `);
    await expectSameComparison(whole, killed, ['sgd', 'adam']);
  }, 300_000);
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
