// Times one training workload (W1–W4, W8, W9) on one backend, for profiling (not part of pnpm bench):
//   node --cpu-prof --import tsx src/profile-step.ts W4 wasm 5      # workload, backend (js, wasm, blas), seconds
// THREADS=1 holds the wasm kernels to one thread. The .cpuprofile opens in Chrome DevTools.
import { setBackend, setNumThreads, getNumThreads } from '@tensile/tensor';
import { leNet, mlp, tensileTrainStep } from './models.js';
import { W8, W9, w8Step, w9Step } from './seq-models.js';
const [which = 'W1', backend = 'wasm', secs = '3'] = process.argv.slice(2);
if (backend === 'blas') (await import('@tensile/blas')).useBlas({ activate: false });
setBackend(backend);
if (process.env.THREADS) setNumThreads(Number(process.env.THREADS));
const cfg: Record<string, [() => ReturnType<typeof mlp>, number, number[]]> = {
  W1: [() => mlp([784, 128, 10]), 64, [784]],
  W2: [() => mlp([784, 128, 10]), 256, [784]],
  W3: [() => mlp([784, 512, 512, 10]), 128, [784]],
  W4: [leNet, 64, [1, 28, 28]],
};
const seq: Record<string, [() => () => unknown, number]> = { W8: [w8Step, W8.batch], W9: [w9Step, W9.batch] };
if (!cfg[which] && !seq[which]) throw new Error(`unknown workload ${which}; known: ${[...Object.keys(cfg), ...Object.keys(seq)].join(', ')}`);
const [step, batch] = seq[which] ? [seq[which]![0](), seq[which]![1]] : [tensileTrainStep(cfg[which]![0](), cfg[which]![1], cfg[which]![2]), cfg[which]![1]];
for (let i = 0; i < 50; i++) step();
const t0 = performance.now();
const cpu0 = process.cpuUsage();
let n = 0;
while (performance.now() - t0 < Number(secs) * 1000) { step(); n++; }
const dt = (performance.now() - t0) / n;
const cpu = process.cpuUsage(cpu0);
// CPU time per step (this process, every thread) is less disturbed by other load on the machine than wall time.
const cpuUs = (cpu.user + cpu.system) / n;
console.log(`${which} ${backend} ${getNumThreads()}t: ${(dt * 1000).toFixed(0)} us/step, ${(batch / dt * 1000).toFixed(0)} samples/s; CPU ${cpuUs.toFixed(0)} us/step`);
