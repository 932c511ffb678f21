import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  getBackend, isProfiling, profile, randn, recordFunction, setBackend, setNumThreads, startProfiler, stopProfiler, tensor, type ChromeTrace, type Profile,
} from './index.js';
import { writeChromeTrace } from './node.js';
import { kernels } from './backend/wasm/instance.js';
import { threadPool } from './backend/wasm/threads.js';

/** A small training step: a linear layer, a tanh, a loss, backward, and an SGD update in a range. */
function step(): number {
  const w = randn([16, 8], { requiresGrad: true });
  const x = randn([32, 16]);
  const loss = x.matmul(w).tanh().square().mean();
  loss.backward();
  recordFunction('sgd', () => w.detach().sub(w.grad!.mul(0.1)), { pass: 'optimizer' });
  return loss.item();
}

describe('profile', () => {
  test('records each op in its pass, the backward nodes, ranges and kernels, with bytes', () => {
    const backend = getBackend();
    const prof = profile(step);
    expect(typeof prof.result).toBe('number');
    expect(isProfiling()).toBe(false);
    expect(getBackend()).toBe(backend); // the timed wrapper is gone
    const names = (kind: string, pass?: string) => prof.events.filter((e) => e.kind === kind && (pass === undefined || e.pass === pass)).map((e) => e.name);
    expect(names('op', 'forward')).toEqual(['matmul', 'tanh', 'square', 'sum', 'div']) // mean is sum, then div;
    expect(names('backward')).toEqual(expect.arrayContaining(['matmulBackward', 'tanhBackward', 'squareBackward']));
    expect(names('op', 'backward').length).toBeGreaterThan(0); // the ops inside backward formulas
    expect(names('range')).toEqual(['sgd']);
    expect(names('op', 'optimizer')).toEqual(expect.arrayContaining(['mul', 'sub']));
    expect(names('kernel')).toEqual(expect.arrayContaining([`${backend.name}.bmm`, `${backend.name}.unary.tanh`]));
    const mm = prof.events.find((e) => e.name === 'matmul' && e.pass === 'forward')!;
    expect(mm.bytes).toBe(32 * 8 * 4); // its output, float32
    for (const e of prof.events) {
      expect(e.self).toBeLessThanOrEqual(e.total + 1e-9);
      expect(e.total).toBeGreaterThanOrEqual(0);
    }
    // A backward node contains the ops of its formula: its total is at least their sum.
    const node = prof.events.find((e) => e.name === 'matmulBackward')!;
    const inner = prof.events.filter((e) => e.kind === 'op' && e.pass === 'backward' && e.start >= node.start && e.start + e.total <= node.start + node.total + 1e-9);
    expect(inner.length).toBeGreaterThan(0);
    expect(node.total + 1e-9).toBeGreaterThanOrEqual(inner.filter((e) => e.depth === node.depth + 1).reduce((s, e) => s + e.total, 0));
  });

  test('rows aggregate per name and pass, sorted by self time; the table prints them', () => {
    const prof = profile(() => {
      for (let i = 0; i < 3; i++) step();
    });
    const rows = prof.rows();
    for (let i = 1; i < rows.length; i++) expect(rows[i - 1]!.selfMs).toBeGreaterThanOrEqual(rows[i]!.selfMs);
    const tanh = rows.find((r) => r.name === 'tanh' && r.pass === 'forward')!;
    expect(tanh.calls).toBe(3);
    expect(prof.rows({ sortBy: 'calls' })[0]!.calls).toBe(Math.max(...rows.map((r) => r.calls)));
    expect(prof.rows({ limit: 2 })).toHaveLength(2);
    const text = prof.table({ limit: 5 });
    expect(text.split('\n')[1]).toMatch(/^Name\s+Kind\s+Pass\s+Calls\s+Self ms\s+Self %\s+Total ms\s+Allocated$/);
    expect(text).toMatch(/Recorded: [\d.]+ ms in top-level events of [\d.]+ ms wall time; backend \w+/);
    expect(() => prof.rows({ sort: 'self' } as never)).toThrow(/Profile\.rows.*sort/);
  });

  test('the Chrome trace parses and holds complete events on named tracks, parents before children', () => {
    const prof = profile(step);
    const trace = JSON.parse(JSON.stringify(prof.toChromeTrace())) as ChromeTrace;
    expect(trace.displayTimeUnit).toBe('ms');
    const meta = trace.traceEvents.filter((e) => e.ph === 'M');
    expect(meta.map((e) => [e.name, e.tid, e.args!['name']])).toEqual([
      ['process_name', 0, 'Tensile'], ['thread_name', 1, 'main thread: modules, ops, backward'], ['thread_name', 2, `${prof.backend} kernels`],
    ]);
    const x = trace.traceEvents.filter((e) => e.ph === 'X');
    expect(x).toHaveLength(prof.events.length);
    for (const e of x) {
      expect(typeof e.ts).toBe('number');
      expect(e.dur!).toBeGreaterThanOrEqual(0);
      expect(e.pid).toBe(1);
      expect([1, 2]).toContain(e.tid);
      expect(['op', 'backward', 'range', 'kernel', 'module']).toContain(e.cat);
    }
    expect(x.filter((e) => e.cat === 'kernel').every((e) => e.tid === 2)).toBe(true);
    expect(x.find((e) => e.name === 'tanh')!.args).toMatchObject({ pass: 'forward', allocated_bytes: 32 * 8 * 4 });
    for (let i = 1; i < x.length; i++) expect(x[i]!.ts!).toBeGreaterThanOrEqual(x[i - 1]!.ts!);
    // Events on one track nest or follow each other (what viewers need to draw them).
    for (const tid of [1, 2]) {
      const stack: number[] = [];
      for (const e of x.filter((ev) => ev.tid === tid)) {
        while (stack.length > 0 && e.ts! >= stack[stack.length - 1]! - 1e-3) stack.pop();
        if (stack.length > 0) expect(e.ts! + e.dur!).toBeLessThanOrEqual(stack[stack.length - 1]! + 1e-3);
        stack.push(e.ts! + e.dur!);
      }
    }
  });

  test('writeChromeTrace (the Node entry) writes that JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tensile-trace-'));
    try {
      const prof: Profile = profile(step);
      await writeChromeTrace(join(dir, 'trace.json'), prof);
      const back = JSON.parse(readFileSync(join(dir, 'trace.json'), 'utf8')) as ChromeTrace;
      expect(back.traceEvents.filter((e) => e.ph === 'X')).toHaveLength(prof.events.length);
      await expect(writeChromeTrace('', prof)).rejects.toThrow(/writeChromeTrace: expected a file path/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('start/stop: one profiler at a time; kernels can be left out; nothing is recorded after stop', () => {
    startProfiler({ kernels: false });
    expect(() => startProfiler()).toThrow(/a profiler is already recording/);
    tensor([1, 2]).add(1);
    const prof = stopProfiler();
    expect(prof.events.map((e) => e.name)).toEqual(['expand', 'add']); // the scalar is broadcast first
    expect(() => stopProfiler()).toThrow(/no profiler is recording/);
    expect(() => startProfiler({ kernel: false } as never)).toThrow(/startProfiler.*kernel/);
    expect(() => profile((async () => 1) as never)).toThrow(/profile: the function is async/);
    expect(isProfiling()).toBe(false);
    expect(recordFunction('r', () => 7)).toBe(7);
  });
});

describe.runIf(kernels?.shared === true)('profile on the wasm backend with worker threads', () => {
  test('a step on 2 threads puts each worker’s share of a kernel on its own track, timed there', async () => {
    const initial = getBackend();
    setBackend('wasm');
    setNumThreads(2);
    const dir = mkdtempSync(join(tmpdir(), 'tensile-trace-'));
    try {
      // 256³ multiply-adds per product: the wasm backend splits each across the threads.
      const w = randn([256, 256], { requiresGrad: true });
      const x = randn([256, 256]);
      const pool = threadPool(kernels!)!;
      let prof: Profile | null = null;
      let before = 0;
      // A worker that is slow to wake leaves its jobs to the calling thread: retry until one took part.
      for (let round = 0; round < 30; round++) {
        before = pool.jobsOnWorkers;
        prof = profile(() => x.matmul(w).tanh().sum().backward());
        if (pool.jobsOnWorkers > before) break;
        await new Promise((r) => setTimeout(r, 30));
      }
      const onWorkers = pool.jobsOnWorkers - before;
      expect(onWorkers).toBeGreaterThan(0);
      const slices = prof!.events.filter((e) => e.track.startsWith('thread '));
      // Every job is one slice on the track of the thread that ran it: the workers' jobs on "thread 1".
      expect(slices.filter((e) => e.track === 'thread 1')).toHaveLength(onWorkers);
      expect(new Set(slices.map((e) => e.track))).toEqual(new Set(['thread 0', 'thread 1'].filter((t) => slices.some((e) => e.track === t))));
      expect(slices.every((e) => e.name === 'matmulF32' && e.kind === 'kernel' && e.total >= 0)).toBe(true);
      // Each slice lies within the bmm kernel call that split it (the workers' clocks agree through
      // timeOrigin; 2 ms of slack for that conversion).
      const bmm = prof!.events.filter((e) => e.track === 'kernels' && e.name === 'wasm.bmm');
      for (const e of slices) {
        const slack = e.track === 'thread 0' ? 0.05 : 2;
        expect(bmm.some((k) => e.start >= k.start - slack && e.start + e.total <= k.start + k.total + slack), `${e.track} at ${e.start}`).toBe(true);
      }
      // The file: Chrome trace format, a named track per thread holding its slices.
      await writeChromeTrace(join(dir, 'trace.json'), prof!);
      const trace = JSON.parse(readFileSync(join(dir, 'trace.json'), 'utf8')) as ChromeTrace;
      const names = new Map(trace.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => [e.tid, e.args!['name']]));
      expect(names.get(11)).toBe('wasm worker 1');
      const onWorker = trace.traceEvents.filter((e) => e.ph === 'X' && e.tid === 11);
      expect(onWorker).toHaveLength(onWorkers);
      for (const e of onWorker) expect([e.name, e.cat, typeof e.ts, e.dur! >= 0]).toEqual(['matmulF32', 'kernel', 'number', true]);
    } finally {
      setNumThreads(1);
      setBackend(initial.name);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
