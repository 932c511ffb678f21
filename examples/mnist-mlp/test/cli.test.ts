// The command line as a user meets it, in child processes: `pnpm mnist --help` from the repository root
// (pnpm passes `--help` and `--` on to the script), exit statuses and one-line messages for bad paths, and a
// loss that turns NaN. Every child has a time limit, so a hang fails the test instead of stalling the run.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError, runClassifier } from '@tensile/examples-common';
import { readMetrics } from '@tensile/train/node';
import { mlpExample } from '../src/example.js';

const exampleDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'tensile-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Result {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Runs `command args` in `cwd`; SIGKILL after `limit` ms (then `signal` is 'SIGKILL'). */
function run(command: string, args: string[], cwd: string, limit = 60_000): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, INIT_CWD: cwd } });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), limit);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The example as `node --import tsx src/main.ts …`, what `pnpm mnist` runs. */
const example = (args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], exampleDir);
const TINY = ['--train-size', '64', '--test-size', '64', '--epochs', '1'];

describe('the root scripts (pnpm 12 passes --help and -- on to the script)', () => {
  it.each([
    [['mnist', '--help'], /^mnist-mlp: trains a 784-128-10 MLP/],
    [['mnist', '--', '--help'], /^mnist-mlp: trains a 784-128-10 MLP/],
    [['mnist:cnn', '--help'], /^mnist-cnn: trains a LeNet-style CNN/],
    [['compare', '--', '--help'], /^optimizer-comparison: trains the same 784-128-10 MLP/],
  ])('pnpm %j prints the example\'s own help', async (args, first) => {
    const r = await run('pnpm', args, repoRoot);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(first);
    expect(r.stdout).toMatch(/\nUsage: pnpm .*\[options\]\n/);
    expect(r.stdout).toContain('  --epochs <n> ');
  });

  it('pnpm mnist --epochs -1 gets the flag\'s own message and status 2', async () => {
    const r = await run('pnpm', ['mnist', '--epochs', '-1'], repoRoot);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('mnist-mlp: --epochs must be a whole number ≥ 1, got -1\n');
    expect(r.stdout).toBe('');
  });
});

describe('pnpm demo', () => {
  it('prints the demo\'s own lines, not the build\'s', async () => {
    const r = await run('pnpm', ['demo'], repoRoot, 300_000);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^step {3}0 {2}loss \d\.\d{4} {2}accuracy [\d.]+%\n/);
    expect(r.stdout.trim().split('\n')).toHaveLength(11);
    // turbo's task logs and summary stay back: pnpm's "$ command" echo and at most a "building…" note remain.
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/Tasks:|cache hit|:build:|Packages in scope|tsup|WARNING/);
    expect(r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('$ ') && !/^(building the libraries|built in)/.test(l))).toEqual([]);
  });
});

describe('paths are checked before any work: one line naming the flag, status 2', () => {
  it.each([
    [['--out', '/proc/tensile-nope'], 'mnist-mlp: --out /proc/tensile-nope: cannot make this folder (ENOENT: /proc does not take new folders)'],
    [['--out', 'package.json'], 'mnist-mlp: --out package.json is a file; give a folder'],
    [['--checkpoint', '/dev/null'], 'mnist-mlp: --checkpoint /dev/null is not a regular file; give a .safetensors file'],
  ])('%j', async (args, message) => {
    const r = await example([...TINY, ...args]);
    expect(r.signal).toBe(null);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${message}\n`);
    // Nothing ran: no header, no data loaded.
    expect(r.stdout).toBe('');
  });

  it.each([
    [['--out', '/dev/null'], '--out /dev/null is not a folder; give a folder'],
    [['--out', '/dev/null/run'], '--out /dev/null/run: cannot make this folder (ENOTDIR: not a directory)'],
    [['--checkpoint', '/proc/c.safetensors'], '--checkpoint /proc/c.safetensors: cannot write a checkpoint in its folder (ENOENT: no such file or directory)'],
    [['--checkpoint', 'src'], '--checkpoint src is a folder; give a file, such as src/checkpoint.safetensors'],
  ])('%j (in process)', async (args, message) => {
    const lines: string[] = [];
    const err = await runClassifier(mlpExample, [...TINY, ...args], { stream: { write: (s: string) => lines.push(s) } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe(message);
    expect(lines).toEqual([]);
  });
});

describe('a loss that turns NaN or diverges', () => {
  it('stops training with the epoch, the batch and the last finite loss, and exits with status 1', async () => {
    const out = join(root, 'nan');
    const ckpt = join(root, 'nan.safetensors');
    // SGD at lr 1e9: the loss is 2.2, then 5e15 (past 10,000: diverged) at step 2.
    const r = await example(['--train-size', '256', '--test-size', '64', '--epochs', '1', '--batch-size', '16', '--optimizer', 'sgd', '--lr', '1e9', '--out', out, '--checkpoint', ckpt]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^mnist-mlp: the training loss became \d\.\d+e\+15, past 10,000 \(it has diverged\) at epoch 1, batch 2 \(step 2\); the last finite loss was \d\.\d+ at step 1\. Training stopped before this step's update; try a smaller --lr \(this run's is 1\.00e9\)\n$/,
    );
    expect(r.stdout).not.toContain('done:');
    // The steps before it are in the metrics and the loss plot; there was no epoch to checkpoint.
    const steps = readMetrics(join(out, 'metrics.jsonl'));
    expect(steps.map((s) => s.step)).toEqual([1]);
    expect(steps.every((s) => Number.isFinite(s.type === 'step' ? s.metrics.loss! : NaN))).toBe(true);
    expect(existsSync(join(out, 'loss.svg'))).toBe(true);
    expect(existsSync(ckpt)).toBe(false);
  });

  it('Adam at lr 1e9 (a loss that stays finite but reaches ~1e21) stops too, with status 1', async () => {
    const out = join(root, 'huge');
    const r = await example(['--train-size', '64', '--test-size', '64', '--epochs', '1', '--batch-size', '16', '--lr', '1e9', '--schedule', 'constant', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^mnist-mlp: the training loss became [\d.e+]+, past 10,000 \(it has diverged\) at epoch 1, batch \d \(step \d\)/);
    const losses = readMetrics(join(out, 'metrics.jsonl')).flatMap((s) => (s.type === 'step' ? [s.metrics.loss!] : []));
    expect(losses.every((l) => l <= 1e4)).toBe(true);
  });
});
