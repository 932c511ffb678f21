// W7's child process: runs W1 training steps for one framework and prints memory checkpoints as JSON.
// Run by w7-memory.bench.ts as: node --expose-gc --import tsx src/w7-child.ts <framework> <steps> <baseline> <maxSeconds>
import v8 from 'node:v8';
import { allFrameworks, findFramework } from './frameworks.js';
import { buildTrainCase } from './train-workload.js';
import { W1_SPEC } from './w1-mlp.bench.js';
import type { MemoryCheckpoint, MemoryResult } from './w7-memory.bench.js';

const [fwId = '', stepsArg = '10000', baselineArg = '100', maxSecondsArg = '600'] = process.argv.slice(2);
const steps = Number(stepsArg);
const baseline = Number(baselineArg);
const maxSeconds = Number(maxSecondsArg);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('w7-child: run node with --expose-gc');

const fw = findFramework(await allFrameworks(undefined, { blas: fwId.startsWith('tensile-blas') }), fwId);
await fw.activate();
const c = await buildTrainCase(W1_SPEC, fw);
const tf = fw.kind === 'tfjs' ? (await import('./peers/tfjs.js')).tf : null;
const wasmHeap = fw.kind === 'tfjs' ? null : (await import('@tensile/tensor')).wasmHeapStats;

const marks = new Set<number>([1, baseline, steps]);
for (let k = 1; k <= 10; k++) marks.add(Math.round((steps * k) / 10));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Memory after garbage collection has settled (array-buffer stores are released after the gc, off the main thread). */
async function checkpoint(step: number, seconds: number): Promise<MemoryCheckpoint> {
  for (let i = 0; i < 3; i++) {
    gc!();
    await sleep(20);
  }
  const m = process.memoryUsage();
  const code = v8.getHeapSpaceStatistics().filter((sp) => sp.space_name.includes('code')).reduce((sum, sp) => sum + sp.space_used_size, 0);
  return {
    step,
    seconds,
    heapUsed: m.heapUsed,
    codeSpace: code,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    rss: m.rss,
    ...(wasmHeap?.() ? { wasmMemory: wasmHeap()!.memoryBytes, wasmHighWater: wasmHeap()!.highWaterBytes } : {}),
    ...(tf ? { tfTensors: tf.memory().numTensors, tfBytes: tf.memory().numBytes } : {}),
  };
}

const checkpoints: MemoryCheckpoint[] = [];
const t0 = performance.now();
let done = 0;
let stoppedEarly = false;
for (let step = 1; step <= steps; step++) {
  c.fn();
  done = step;
  const seconds = (performance.now() - t0) / 1000;
  const capped = seconds > maxSeconds && step > baseline && step < steps;
  if (marks.has(step) || capped) checkpoints.push(await checkpoint(step, seconds));
  if (capped) {
    stoppedEarly = true;
    break;
  }
}
const result: MemoryResult = {
  framework: fw.id,
  stepsRequested: steps,
  stepsDone: done,
  stoppedEarly,
  baseline,
  seconds: (performance.now() - t0) / 1000,
  peakRss: process.resourceUsage().maxRSS * 1024,
  checkpoints,
};
process.stdout.write(`\n@@RESULT ${JSON.stringify(result)}\n`);
