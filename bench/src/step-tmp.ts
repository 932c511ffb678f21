import { setNumThreads } from '@tensile/tensor';
import { leNet, mlp, tensileTrainStep } from './models.js';
const which = process.argv[2] ?? 'W1';
const cfg: Record<string, [() => ReturnType<typeof mlp>, number, number[]]> = {
  W1: [() => mlp([784, 128, 10]), 64, [784]], W2: [() => mlp([784, 128, 10]), 256, [784]],
  W3: [() => mlp([784, 512, 512, 10]), 128, [784]], W4: [leNet, 64, [1, 28, 28]],
};
const [make, batch, shape] = cfg[which]!;
const step = tensileTrainStep(make(), batch, shape);
for (const t of [1, 2, 1, 2]) {
  setNumThreads(t); for (let i = 0; i < 30; i++) step();
  await new Promise((r) => setTimeout(r, 100));
  const t0 = performance.now(); let n = 0;
  while (performance.now() - t0 < 1500) { step(); n++; }
  const dt = (performance.now() - t0) / n;
  console.log(`${which} ${t}t: ${(dt * 1000).toFixed(0)} us/step, ${(batch / dt * 1000).toFixed(0)} samples/s`);
}
