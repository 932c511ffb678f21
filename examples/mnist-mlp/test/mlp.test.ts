// The MLP example, small: a few hundred digits for an epoch or two. It must learn (the loss falls, the accuracy
// beats chance by far), repeat itself exactly, refuse bad flags, and resume a killed run bit for bit.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSafetensors, saveSafetensors } from '@tensile/nn';
import { OLD_EXAMPLES_FORMAT, UsageError, runClassifier } from '@tensile/examples-common';
import { CheckpointError, type MetricsRecord } from '@tensile/train';
import { loadCheckpoint, readMetrics, saveCheckpoint } from '@tensile/train/node';
import { tensor } from '@tensile/tensor';
import { mlpExample } from '../src/example.js';

const root = mkdtempSync(join(tmpdir(), 'tensile-mlp-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const quiet = { write: () => true, isTTY: false };
const SMALL = ['--train-size', '512', '--test-size', '500'];

async function train(name: string, args: string[]): Promise<MetricsRecord[]> {
  const out = join(root, name);
  await runClassifier(mlpExample, [...SMALL, '--out', out, ...args], { stream: quiet });
  return readMetrics(join(out, 'metrics.jsonl'));
}

/** The numbers of a run without its timings. */
const numbers = (records: MetricsRecord[]) => records.map((r) => (r.type === 'epoch' ? { ...r, seconds: 0, samplesPerSec: 0 } : r));

describe('mnist-mlp, small', () => {
  it('learns in one epoch: the loss falls and the accuracy beats chance (10%) by far', async () => {
    const records = await train('learns', ['--epochs', '1', '--batch-size', '16', '--schedule', 'constant']);
    const steps = records.filter((r) => r.type === 'step');
    expect(steps).toHaveLength(32);
    const epoch = records.find((r) => r.type === 'epoch')!;
    expect(epoch.type === 'epoch' && epoch.val!.accuracy).toBeGreaterThan(0.5);
    const first = steps.slice(0, 4).reduce((a, r) => a + (r.type === 'step' ? r.metrics.loss! : 0), 0) / 4;
    const last = steps.slice(-4).reduce((a, r) => a + (r.type === 'step' ? r.metrics.loss! : 0), 0) / 4;
    expect(last).toBeLessThan(first - 0.5);
    for (const f of ['loss.svg', 'accuracy.svg', 'lr.svg', 'confusion-matrix.svg', 'misclassified.svg', 'model.safetensors']) {
      expect(existsSync(join(root, 'learns', f)), f).toBe(true);
    }
  });

  it('the pytorch recipe learns too', async () => {
    const records = await train('pytorch', ['--recipe', 'pytorch', '--epochs', '2', '--batch-size', '32']);
    const epochs = records.filter((r) => r.type === 'epoch');
    expect(epochs[1]!.type === 'epoch' && epochs[1]!.train.loss).toBeLessThan(epochs[0]!.type === 'epoch' ? epochs[0]!.train.loss! : 0);
    expect(epochs[1]!.type === 'epoch' && epochs[1]!.val!.accuracy).toBeGreaterThan(0.7);
  });

  it('gives the same numbers for the same seed and flags, and different ones for another seed', async () => {
    const a = await train('same-a', ['--epochs', '1']);
    const b = await train('same-b', ['--epochs', '1']);
    const c = await train('same-c', ['--epochs', '1', '--seed', '7']);
    expect(numbers(b)).toEqual(numbers(a));
    expect(numbers(c)).not.toEqual(numbers(a));
  });

  it('trains in float64', async () => {
    const records = await train('f64', ['--epochs', '1', '--dtype', 'float64', '--batch-size', '16', '--schedule', 'constant']);
    const epoch = records.find((r) => r.type === 'epoch')!;
    expect(epoch.type === 'epoch' && epoch.val!.accuracy).toBeGreaterThan(0.5);
    expect(loadSafetensors(readFileSync(join(root, 'f64', 'model.safetensors'))).tensors.get('fc1.weight')!.dtype).toBe('float64');
  });

  it.each([
    [['--epochs', '0'], /^--epochs must be a whole number ≥ 1, got 0$/],
    [['--epochs', '-1'], /^--epochs must be a whole number ≥ 1, got -1$/],
    [['--batch-size', 'many'], /^--batch-size must be a whole number ≥ 1, got "many"$/],
    [['--lr', 'fast'], /^--lr must be a finite number > 0, got "fast"$/],
    [['--lr', '-0.1'], /^--lr must be a finite number > 0, got -0.1$/],
    [['--optimizer', 'lbfgs'], /^--optimizer must be one of sgd, momentum, adagrad, rmsprop, adam, adamw, got "lbfgs"$/],
    [['--seed', '-1'], /^--seed must be a whole number in \[0, 2147483647\], got -1$/],
    [['--seed=-1'], /^--seed must be a whole number in \[0, 2147483647\], got -1$/],
    [['--dtype', 'float16'], /^--dtype must be one of float32, float64, got "float16"$/],
    [['--dataset', 'cifar'], /^--dataset must be one of mnist, fashion-mnist, got "cifar"$/],
    [['--dropout', '1'], /^--dropout must be in \[0, 1\), got 1$/],
    [['--out', ''], /^--out must be a non-empty path, got ""$/],
    [['--checkpoint-every', '5'], /^--checkpoint-every needs --checkpoint/],
    [['--epoch', '3'], /^unknown option --epoch \(see --help\)$/],
    [['--lr'], /^--lr needs a value$/],
  ])('rejects %j with one line that names the flag', async (args, message) => {
    const err = await runClassifier(mlpExample, args, { stream: quiet }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('\n');
  });

  it('--help lists every flag, also after a bare --', async () => {
    for (const argv of [['--help'], ['--', '--help']]) {
      let text = '';
      await runClassifier(mlpExample, argv, { stream: { write: (s: string) => (text += s) } });
      for (const flag of ['--epochs', '--batch-size', '--lr', '--optimizer', '--seed', '--dtype', '--checkpoint', '--resume', '--out', '--dataset', '--recipe']) {
        expect(text).toContain(`  ${flag} `);
      }
    }
  });

  it('says "1 epoch", not "1 epochs"', async () => {
    let text = '';
    await runClassifier(mlpExample, [...SMALL, '--epochs', '1', '--out', join(root, 'one-epoch')], { stream: { write: (s: string) => (text += s), isTTY: false } });
    expect(text).toMatch(/ · batch 64 · 1 epoch · /);
    expect(text).toMatch(/after 1 epoch, /);
    expect(text).not.toMatch(/\b1 epochs\b/);
  });

  it('refuses an --out folder that holds another run, before any work', async () => {
    const err = await runClassifier(mlpExample, [...SMALL, '--epochs', '1', '--out', join(root, 'one-epoch')], { stream: quiet }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/^--out .*one-epoch already holds a run \(metrics\.jsonl\); give a new folder, or leave --out out/);
  });

  it('without --out, each run gets its own folder under runs/mnist-mlp, and runs/mnist-mlp/latest is the newest', async () => {
    const cwd = join(root, 'user');
    mkdirSync(cwd);
    const saved = process.env.INIT_CWD;
    process.env.INIT_CWD = cwd;
    const lines: string[] = [];
    try {
      for (let k = 0; k < 2; k++) await runClassifier(mlpExample, ['--train-size', '64', '--test-size', '64', '--epochs', '1'], { stream: { write: (s: string) => lines.push(s), isTTY: false } });
    } finally {
      if (saved === undefined) delete process.env.INIT_CWD;
      else process.env.INIT_CWD = saved;
    }
    const base = join(cwd, 'runs', 'mnist-mlp');
    const folders = readdirSync(base).filter((f) => f !== 'latest').sort();
    expect(folders).toHaveLength(2);
    for (const f of folders) expect(f).toMatch(/^\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d(-2)?$/);
    expect(readlinkSync(join(base, 'latest'))).toBe(folders.at(-1));
    // Each run names its folder, and each has its own metrics.
    expect(lines.filter((l) => l.startsWith('  output ')).map((l) => l.trim())).toEqual(folders.map((f) => `output ${join(base, f)}`));
    for (const f of folders) expect(readMetrics(join(base, f, 'metrics.jsonl')).filter((r) => r.type === 'epoch')).toHaveLength(1);
  });
});

const exampleDir = fileURLToPath(new URL('..', import.meta.url));

/** Runs the example in a child process; `killWhen` sees stdout as it comes and returns true to SIGKILL it. */
function spawnExample(args: string[], killWhen?: (stdout: string) => boolean): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // One process (node with tsx's loader), so SIGKILL reaches the process that trains.
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], { cwd: exampleDir, env: { ...process.env, INIT_CWD: exampleDir } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (killWhen?.(stdout)) child.kill('SIGKILL');
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Every tensor of a safetensors file, as bytes. */
function tensorsOf(path: string): Map<string, Uint8Array> {
  const { tensors } = loadSafetensors(readFileSync(path));
  return new Map([...tensors].map(([k, t]) => {
    const v = t.toTypedArray();
    return [k, new Uint8Array(v.buffer, v.byteOffset, v.byteLength)];
  }));
}

describe('mnist-mlp checkpoints', () => {
  // 32 steps per epoch: long enough that the kill lands before the run ends.
  const args = ['--train-size', '2048', '--test-size', '200', '--epochs', '3'];

  it('a run killed mid-epoch (SIGKILL) and resumed ends with the same weights as an uninterrupted run, bit for bit', async () => {
    const whole = await spawnExample([...args, '--out', join(root, 'whole'), '--checkpoint', join(root, 'whole.safetensors')]);
    expect(whole.stderr).toBe('');
    expect(whole.code).toBe(0);

    // Kill it once epoch 2 is under way (its 25% progress line); the last checkpoint is epoch 1's.
    const killed = await spawnExample([...args, '--out', join(root, 'killed'), '--checkpoint', join(root, 'killed.safetensors')], (out) => /epoch 2\/3 +\d+%/.test(out));
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.stdout).not.toContain('epoch 3/3');
    // Without --out, the run goes on in its own folder.
    const resumed = await spawnExample(['--resume', join(root, 'killed.safetensors')]);
    expect(resumed.stderr).toBe('');
    expect(resumed.stdout).toContain(`  output ${join(root, 'killed')} · checkpoint ${join(root, 'killed.safetensors')}`);
    expect(resumed.stdout).toMatch(/resumed from .* after 1 epoch \(step 32\)/);

    const a = tensorsOf(join(root, 'whole', 'model.safetensors'));
    const b = tensorsOf(join(root, 'killed', 'model.safetensors'));
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [name, bytes] of a) expect(Buffer.compare(Buffer.from(b.get(name)!), Buffer.from(bytes)), name).toBe(0);
    // The optimizer state (Adam's mean and var per parameter) matches as well.
    const ca = tensorsOf(join(root, 'whole.safetensors'));
    const cb = tensorsOf(join(root, 'killed.safetensors'));
    expect([...cb.keys()].sort()).toEqual([...ca.keys()].sort());
    for (const [name, bytes] of ca) expect(Buffer.compare(Buffer.from(cb.get(name)!), Buffer.from(bytes)), name).toBe(0);
    // And so do the metrics, with what the killed run wrote after its checkpoint dropped.
    expect(numbers(readMetrics(join(root, 'killed', 'metrics.jsonl')))).toEqual(numbers(readMetrics(join(root, 'whole', 'metrics.jsonl'))));
  }, 120_000);

  it('resumes from a mid-epoch checkpoint (--checkpoint-every) to the same weights', async () => {
    const whole = join(root, 'whole', 'model.safetensors');
    if (!existsSync(whole)) await spawnExample([...args, '--out', join(root, 'whole')]);
    // A checkpoint every 10 steps; the kill at epoch 2's 50% line, after the one of step 40 (epoch 2, batch 8).
    const killed = await spawnExample(
      [...args, '--out', join(root, 'mid'), '--checkpoint', join(root, 'mid.safetensors'), '--checkpoint-every', '10'],
      (out) => /epoch 2\/3 +(5\d|[6-9]\d)%/.test(out),
    );
    expect(killed.signal).toBe('SIGKILL');
    // Resumed into another folder: the metrics up to the checkpoint come along from the run's own folder.
    const resumed = await spawnExample(['--resume', join(root, 'mid.safetensors'), '--out', join(root, 'mid-elsewhere')]);
    expect(resumed.stderr).toBe('');
    expect(resumed.stdout).toMatch(/resumed from .* after 1 epoch and \d+ batches/);
    const a = tensorsOf(whole);
    const b = tensorsOf(join(root, 'mid-elsewhere', 'model.safetensors'));
    for (const [name, bytes] of a) expect(Buffer.compare(Buffer.from(b.get(name)!), Buffer.from(bytes)), name).toBe(0);
    expect(numbers(readMetrics(join(root, 'mid-elsewhere', 'metrics.jsonl')))).toEqual(numbers(readMetrics(join(root, 'whole', 'metrics.jsonl'))));
  }, 120_000);

  it('resuming a finished run says so, and trains nothing', async () => {
    const ckpt = join(root, 'whole.safetensors');
    const err = await runClassifier(mlpExample, ['--resume', ckpt], { stream: quiet }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as Error).message).toBe(`${ckpt}: this run already finished its 3 epochs; there is nothing to resume (its plots and metrics are in ${join(root, 'whole')})`);
  });

  it('refuses to resume when the run\'s metrics.jsonl lost records, before any work', async () => {
    const state = await loadCheckpoint(join(root, 'whole.safetensors'));
    const folder = join(root, 'cut');
    mkdirSync(folder);
    writeFileSync(join(folder, 'metrics.jsonl'), readFileSync(join(root, 'whole', 'metrics.jsonl'), 'utf8').split('\n').slice(0, 2).join('\n') + '\n');
    const ckpt = join(root, 'cut.safetensors');
    // The same run as if taken after its first epoch, whose folder now holds 2 records.
    await saveCheckpoint(ckpt, { ...state, epoch: 1, extra: { ...state.extra, out: folder } });
    const want = (state.extra.fit as { historyLength: number }).historyLength;
    const lines: string[] = [];
    const err = await runClassifier(mlpExample, ['--resume', ckpt], { stream: { write: (t: string) => lines.push(t) } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as Error).message).toBe(
      `${ckpt}: the run's ${join(folder, 'metrics.jsonl')} has 2 complete records but the checkpoint was written after ${want}; it was moved, cut or replaced, so this run cannot continue its metrics (start a new run)`,
    );
    expect(lines).toEqual([]);
  });

  it('refuses to resume with a flag that differs from the checkpoint', async () => {
    const ckpt = join(root, 'whole.safetensors');
    const err = await runClassifier(mlpExample, ['--resume', ckpt, '--lr', '0.5'], { stream: quiet }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^--lr 0.5 differs from the checkpoint's 0.002; .* leave --lr out$/);
  });

  it('refuses a missing or foreign checkpoint file with one line', async () => {
    const missing = await runClassifier(mlpExample, ['--resume', join(root, 'nope.safetensors')], { stream: quiet }).catch((e: unknown) => e);
    expect((missing as Error).message).toMatch(/nope\.safetensors: no such checkpoint$/);
    const model = await runClassifier(mlpExample, ['--resume', join(root, 'whole', 'model.safetensors')], { stream: quiet }).catch((e: unknown) => e);
    expect((model as Error).message).toMatch(/model\.safetensors is not a training checkpoint \(its metadata "format" is null/);
  });

  it('refuses a checkpoint of the earlier examples (format tensile-examples-checkpoint/1) with one line saying to start a new run', async () => {
    const old = join(root, 'old.safetensors');
    // As the examples wrote them: tensors by name, every other value a JSON string in the metadata.
    writeFileSync(old, saveSafetensors(new Map([['model.fc1.weight', tensor([[1]])]]), { format: OLD_EXAMPLES_FORMAT, example: '"mnist-mlp"', run: '{"epochsDone":1}' }));
    const err = await runClassifier(mlpExample, ['--resume', old], { stream: quiet }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as Error).message).toBe(
      `${old} is a checkpoint of an older version of the examples (format "tensile-examples-checkpoint/1"), which this version cannot resume; start a new run (leave --resume out)`,
    );
  });
});
