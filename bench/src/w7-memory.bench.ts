// W7: memory over W1 training steps, one child process per framework so they don't pollute each other: JS heap
// (heapUsed, after a forced gc), external memory (typed-array and wasm stores), RSS at step `baseline` (100) and at
// the last step (10,000), and the peak RSS. PyTorch's child is the same Python script as its timings.
// V8 keeps optimising the step's functions well after step 100, and optimised code lives in the heap's code spaces:
// that growth plateaus and is not a leak (a heap-snapshot diff between steps 1,000 and 4,000 shows only code and
// deopt data), so the target is judged on heapUsed minus the code spaces, and the table shows both.
import path from 'node:path';
import { BENCH_DIR, parseResult, runChild } from './child.js';
import { torchEnv } from './peers/torch.js';

export interface MemoryCheckpoint {
  step: number;
  seconds: number;
  /** Bytes. */
  heapUsed: number | null;
  /** Part of heapUsed in V8's code spaces (JIT-compiled code: grows while V8 tiers up, then plateaus). */
  codeSpace?: number | null;
  external: number | null;
  arrayBuffers: number | null;
  rss: number;
  /** Tensile's wasm memory (bytes): its size, and the most bytes its heap has had in live blocks (wasmHeapStats). */
  wasmMemory?: number;
  wasmHighWater?: number;
  tfTensors?: number;
  tfBytes?: number;
}

export interface MemoryResult {
  framework: string;
  stepsRequested: number;
  stepsDone: number;
  /** The time cap ended the run before stepsRequested. */
  stoppedEarly: boolean;
  baseline: number;
  seconds: number;
  peakRss: number;
  checkpoints: MemoryCheckpoint[];
  error?: string;
}

export interface MemoryPlan {
  framework: string;
  steps: number;
  baseline: number;
  maxSeconds: number;
}

async function runOne(plan: MemoryPlan, python: string | null): Promise<MemoryResult> {
  const { framework, steps, baseline, maxSeconds } = plan;
  const started = Date.now();
  let out;
  if (framework.startsWith('torch')) {
    if (!python) throw new Error('no python');
    const m = /^torch-(\d+)t(-malloc)?$/.exec(framework);
    if (!m) throw new Error(`unknown PyTorch column ${framework}`);
    const mode = m[2] ? 'malloc' : 'default';
    out = await runChild(python, [path.join(BENCH_DIR, 'peers', 'torch_bench.py'), 'memory', m[1]!, String(steps), String(baseline), String(maxSeconds), m[2] ?? ''], `W7 ${framework}`, torchEnv(mode));
  } else {
    out = await runChild(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(BENCH_DIR, 'src', 'w7-child.ts'), framework, String(steps), String(baseline), String(maxSeconds)], `W7 ${framework}`);
  }
  const r = parseResult<MemoryResult>(out.stdout);
  if (!r) {
    const tail = out.stderr.trim().split('\n').slice(-3).join(' | ');
    return { framework, stepsRequested: steps, stepsDone: 0, stoppedEarly: false, baseline, seconds: (Date.now() - started) / 1000, peakRss: 0, checkpoints: [], error: `exit ${out.code}: ${tail}` };
  }
  return r;
}

/** Runs the plans, `concurrency` children at a time (memory figures are per process; only wall time is shared). */
export async function runMemory(plans: readonly MemoryPlan[], python: string | null, concurrency = 2): Promise<MemoryResult[]> {
  const results: MemoryResult[] = new Array(plans.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < plans.length) {
      const i = next++;
      const p = plans[i]!;
      console.log(`  W7 ${p.framework}: ${p.steps} W1 steps (cap ${p.maxSeconds} s)…`);
      results[i] = await runOne(p, python).catch((e: unknown) => ({
        framework: p.framework, stepsRequested: p.steps, stepsDone: 0, stoppedEarly: false, baseline: p.baseline, seconds: 0, peakRss: 0, checkpoints: [], error: String(e),
      }));
      const r = results[i]!;
      console.log(`  W7 ${p.framework}: ${r.error ? `failed: ${r.error}` : `${r.stepsDone} steps in ${r.seconds.toFixed(1)} s`}`);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, plans.length) }, worker));
  return results;
}

/** V8 heap without the code spaces, bytes. */
export function dataHeap(c: MemoryCheckpoint): number | null {
  return c.heapUsed === null ? null : c.heapUsed - (c.codeSpace ?? 0);
}

/** The checkpoint at the baseline step and the last one. */
export function memoryEnds(r: MemoryResult): { first?: MemoryCheckpoint; last?: MemoryCheckpoint } {
  const first = r.checkpoints.find((c) => c.step === r.baseline);
  const last = r.checkpoints.length ? r.checkpoints[r.checkpoints.length - 1] : undefined;
  return { first, last };
}
