// Resumable for real: test/kill/child.ts trains with a checkpoint after every step; this test kills it with
// SIGKILL at seeded random points (while it loads, mid-step, during evaluation, and while a checkpoint is
// being written: the moment its temporary file appears), resumes it each time, and checks the end is the
// uninterrupted run's, bit for bit: the final checkpoint files are byte-identical (weights, batch-norm
// buffers, Adam's state, the scheduler, early stopping, the loaders, every generator) and so is every
// metric in metrics.jsonl except the two wall-clock fields. After every kill the checkpoint on disk must
// still read and pass its checksum.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Generator } from '@tensile/tensor';
import { loadCheckpoint } from '../src/node/checkpoint-file.js';
import { readMetrics } from '../src/node/jsonl-history.js';
import type { MetricsRecord } from '../src/history.js';

const root = mkdtempSync(join(tmpdir(), 'tensile-kill-'));
const child = join(root, 'child.mjs');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const src = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

beforeAll(async () => {
  // One bundle from the sources (as vitest resolves them), so each child starts in a few hundred ms.
  await build({
    entryPoints: [fileURLToPath(new URL('./kill/child.ts', import.meta.url))],
    bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: child, logLevel: 'silent',
    alias: {
      '@tensile/tensor': src('tensor/src/index.ts'), '@tensile/nn': src('nn/src/index.ts'), '@tensile/nn/node': src('nn/src/node.ts'),
      '@tensile/optim': src('optim/src/index.ts'), '@tensile/data': src('data/src/index.ts'),
    },
    // seedrandom is CommonJS: give the ES module bundle a require.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
});

/** When to kill: a delay after the start, `delay` ms after the line "step ≥ step", or when a checkpoint's temporary file appears after it. */
type Kill = { at: 'startup'; delay: number } | { at: 'step'; step: number; delay: number } | { at: 'write'; step: number };

interface Outcome {
  signal: NodeJS.Signals | null;
  code: number | null;
  stdout: string;
  stderr: string;
}

function runChild(dir: string, kill: Kill | null): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let watcher: ReturnType<typeof watch> | null = null;
    const killNow = () => proc.kill('SIGKILL');
    if (kill?.at === 'startup') setTimeout(killNow, kill.delay);
    proc.stdout.on('data', (chunk: Buffer) => {
      stdout += String(chunk);
      if (kill === null || kill.at === 'startup' || watcher !== null) return;
      const steps = [...stdout.matchAll(/^step (\d+)$/gm)];
      const last = steps.length > 0 ? Number(steps.at(-1)![1]) : 0;
      if (last < kill.step) return;
      if (kill.at === 'step') {
        watcher = { close() {} } as ReturnType<typeof watch>;
        if (kill.delay === 0) killNow();
        else setTimeout(killNow, kill.delay);
      } else {
        // The next checkpoint write creates `.checkpoint.safetensors.tmp-<pid>-<random>` (nn's writeFileAtomic): kill as it appears.
        watcher = watch(dir, (_event, name) => {
          if (name !== null && isTemporary(name)) killNow();
        });
      }
    });
    proc.stderr.on('data', (chunk: Buffer) => (stderr += String(chunk)));
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      watcher?.close();
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A temporary file of nn's atomic writer for the checkpoint. */
const isTemporary = (name: string) => /^\.checkpoint\.safetensors\.tmp-\d+-[0-9a-f]{12}$/.test(name);
const temporaries = (dir: string) => new Set(readdirSync(dir).filter(isTemporary));
const exact = (records: readonly MetricsRecord[]) => records.map((r) => (r.type === 'epoch' ? { ...r, seconds: 0, samplesPerSec: 0 } : r));

/** 24 kills in order: four while the process starts and loads its checkpoint, twenty at seeded steps of the 96. */
function killPlan(): Kill[] {
  const g = new Generator('tensile-kill-plan');
  const steps = new Set<number>();
  while (steps.size < 20) steps.add(g.int(2, 97));
  const sorted = [...steps].sort((a, b) => a - b);
  const plan: Kill[] = sorted.map((step, i) => (i % 5 === 1 || i % 5 === 3 ? { at: 'write', step } : { at: 'step', step, delay: g.int(0, 30) }));
  for (const i of [0, 6, 12, 18]) plan.splice(i, 0, { at: 'startup', delay: g.int(20, 450) });
  return plan;
}

describe('SIGKILL at random points', () => {
  it('a run killed 24 times (during checkpoint writes too) and resumed each time ends bit-identical to an uninterrupted one', async () => {
    const began = performance.now();
    const whole = join(root, 'whole');
    const killed = join(root, 'killed');
    mkdirSync(whole);
    mkdirSync(killed);
    const reference = await runChild(whole, null);
    expect(reference.stderr).toBe('');
    expect(reference.code).toBe(0);
    expect(reference.stdout).toMatch(/^fresh\n(step \d+\n)+done\n$/);

    const plan = killPlan();
    let kills = 0;
    let midWrite = 0;
    const resumedAt: number[] = [];
    for (let attempt = 0; ; attempt++) {
      expect(attempt).toBeLessThan(60);
      const kill = plan[attempt] ?? null;
      const before = temporaries(killed);
      const out = await runChild(killed, kill);
      expect(out.stderr).toBe('');
      const m = /^(fresh|resume (\d+))\n/.exec(out.stdout);
      if (m?.[2]) resumedAt.push(Number(m[2]));
      if (out.signal === null) {
        expect(out.code).toBe(0);
        expect(out.stdout).toMatch(/done\n$/);
        break;
      }
      expect(out.signal).toBe('SIGKILL');
      kills += 1;
      // A temporary file left behind means the kill landed between its creation and the rename.
      midWrite += [...temporaries(killed)].filter((n) => !before.has(n)).length;
      // Whatever the moment, the checkpoint on disk is whole: the previous one or the new one.
      const ckpt = await loadCheckpoint(join(killed, 'checkpoint.safetensors'), { ifExists: true });
      const printed = [...out.stdout.matchAll(/^step (\d+)$/gm)].map((s) => Number(s[1]));
      if (ckpt) expect(ckpt.step).toBeGreaterThanOrEqual(Math.max(0, (printed.at(-1) ?? 0) - 1));
    }

    // A planned kill can miss only if the run got past its last target first; the plan leaves room for that.
    expect(kills).toBeGreaterThanOrEqual(20);
    expect(midWrite).toBeGreaterThanOrEqual(1);
    expect(resumedAt.length).toBeGreaterThanOrEqual(20);
    const a = readFileSync(join(whole, 'final.safetensors'));
    const b = readFileSync(join(killed, 'final.safetensors'));
    // Part by part first, for a readable failure; then the bytes.
    const [sa, sb] = [await loadCheckpoint(join(whole, 'final.safetensors')), await loadCheckpoint(join(killed, 'final.safetensors'))];
    expect([...sb.tensors.keys()]).toEqual([...sa.tensors.keys()]);
    for (const [k, t] of sa.tensors) expect(Array.from(sb.tensors.get(k)!.toTypedArray() as ArrayLike<number>), k).toEqual(Array.from(t.toTypedArray() as ArrayLike<number>));
    expect(sb.optimizer).toEqual(sa.optimizer);
    expect(sb.generators).toEqual(sa.generators);
    expect(sb.loaders).toEqual(sa.loaders);
    expect(sb.extra).toEqual(sa.extra);
    expect(b.equals(a)).toBe(true);
    const metrics = readMetrics(join(killed, 'metrics.jsonl'));
    expect(metrics).toHaveLength(99); // 96 steps and 3 epochs
    expect(exact(metrics)).toEqual(exact(readMetrics(join(whole, 'metrics.jsonl'))));
    expect(existsSync(join(killed, 'checkpoint.safetensors'))).toBe(true);
    // The saves after each kill removed the temporary files the killed writes left behind.
    expect([...temporaries(killed)]).toEqual([]);
    console.log(
      `SIGKILL test: ${kills} kills (${midWrite} during a checkpoint write), ${resumedAt.length} resumes (from steps ${resumedAt.join(', ')}), ` +
        `${((performance.now() - began) / 1000).toFixed(1)} s`,
    );
  }, 180_000);
});
