import { setBackend, setNumThreads, wasmHeapStats } from '@tensile/tensor';
import { mlp, tensileTrainStep } from './models.js';
setBackend('wasm'); setNumThreads(1);
const step = tensileTrainStep(mlp([784, 128, 10]), 64, [784]);
for (let r = 0; r < 6; r++) {
  const t0 = performance.now(); const c0 = process.cpuUsage();
  for (let i = 0; i < 200; i++) step();
  const dt = (performance.now() - t0) / 200; const c = process.cpuUsage(c0);
  const s = wasmHeapStats()!;
  console.log(`${(dt*1000).toFixed(0)} us/step cpu ${((c.user+c.system)/200).toFixed(0)} | mem ${(s.memoryBytes/2**20).toFixed(1)}MiB live ${(s.liveBytes/2**20).toFixed(1)} free ${(s.freeBytes/2**20).toFixed(1)} allocs ${s.allocations} eng ${s.engineFrees} gc ${s.collectedFrees} fb ${s.fallbacks}`);
  await new Promise(r => setTimeout(r, 10));
}
