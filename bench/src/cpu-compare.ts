// CPU time per training step of W8 or W9 for tensile-wasm (one thread), tfjs-wasm and PyTorch (one thread),
// interleaved in rounds, for ratios that hold up on a loaded machine (not part of pnpm bench):
//   node --import tsx src/cpu-compare.ts W8 [rounds] [seconds per turn]
// Wall time on a shared 2-core machine measures the other sessions as much as the step; the process's CPU
// time (user + system, every thread) counts only the work done, so the ratios of medians over rounds are far
// steadier. Each turn warms up, then times steps for the given seconds; PyTorch runs as a persistent child.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setBackend, setNumThreads } from '@tensile/tensor';
import { median } from './harness.js';
import { PYTHON } from './peers/torch.js';
import { W8, W9, w8Step, w9Step } from './seq-models.js';
import { useTfjs } from './peers/tfjs.js';
import { tfLstmCase, tfTransformerCase } from './peers/tfjs-seq.js';

const [which = 'W8', roundsArg = '3', secsArg = '3'] = process.argv.slice(2);
if (which !== 'W8' && which !== 'W9') throw new Error(`cpu-compare: workload must be W8 or W9, got ${which}`);
const rounds = Number(roundsArg);
const secs = Number(secsArg);
const batch = which === 'W8' ? W8.batch : W9.batch;

/** CPU µs per call of fn over `secs` seconds of wall time, after a warm-up of a few calls. */
function cpuPerStep(fn: () => void): number {
  for (let i = 0; i < 3; i++) fn();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let n = 0;
  while (performance.now() - t0 < secs * 1000 || n < 3) {
    fn();
    n++;
  }
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / n;
}

// PyTorch: a child that builds the case once and answers each line on stdin with CPU µs per step.
const py = spawn(PYTHON, ['-c', `
import sys, time, torch
sys.argv = ['torch_bench.py']
sys.path.insert(0, ${JSON.stringify(new URL('../peers', import.meta.url).pathname)})
import torch_bench
torch.set_num_threads(1)
fn, _ = torch_bench.build(${JSON.stringify(which)})
for _ in range(3): fn()
print('ready', flush=True)
for line in sys.stdin:
    secs = float(line)
    w = time.perf_counter(); c = time.process_time(); n = 0
    while time.perf_counter() - w < secs or n < 3:
        fn(); n += 1
    print((time.process_time() - c) / n * 1e6, flush=True)
`], { stdio: ['pipe', 'pipe', 'inherit'] });
const lines = createInterface({ input: py.stdout })[Symbol.asyncIterator]();
const nextLine = async () => (await lines.next()).value as string;
if ((await nextLine()) !== 'ready') throw new Error('cpu-compare: the PyTorch child did not start');

setBackend('wasm');
setNumThreads(1);
const tensileStep = which === 'W8' ? w8Step() : w9Step();
await useTfjs('wasm');
const tfCase = which === 'W8' ? tfTransformerCase() : tfLstmCase();

const cols: Record<string, number[]> = { 'tensile-wasm-1t': [], 'tfjs-wasm': [], 'torch-1t': [] };
for (let r = 0; r < rounds; r++) {
  cols['tensile-wasm-1t']!.push(cpuPerStep(() => void tensileStep()));
  cols['tfjs-wasm']!.push(cpuPerStep(tfCase.fn));
  py.stdin.write(`${secs}\n`);
  cols['torch-1t']!.push(Number(await nextLine()));
  console.log(`round ${r + 1}: ${Object.entries(cols).map(([k, v]) => `${k} ${(v.at(-1)! / 1000).toFixed(1)} ms`).join(', ')}`);
}
py.stdin.end();
tfCase.dispose?.();
const med = Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, median(v)]));
console.log(`${which}: median CPU time per step over ${rounds} rounds (samples/s at that CPU time):`);
for (const [k, v] of Object.entries(med)) console.log(`  ${k.padEnd(16)} ${(v / 1000).toFixed(1)} ms  (${(batch / v * 1e6).toFixed(0)} samples/s)`);
const t = med['tensile-wasm-1t']!;
console.log(`  tensile ÷ torch-1t ${(med['torch-1t']! / t).toFixed(2)}× (target ≥ 0.7×), ÷ tfjs-wasm ${(med['tfjs-wasm']! / t).toFixed(2)}× (target ≥ 5×)`);
