// The bench's workload W1 (bench/src/w1-mlp.bench.ts): a 784-128-10 MLP, batch 64, Adam, full training
// steps (zero grads, forward, cross-entropy, backward, step) on one fixed random batch. The page's worker
// and Node (test/w1-node.ts) run this same function, so the browser's speed compares with Node's.
import { Linear, ReLU, Sequential, crossEntropy } from '@tensile/nn';
import { Adam } from '@tensile/optim';
import { Generator, getNumThreads, randint, randn } from '@tensile/tensor';

/** Samples per second over `steps` timed steps after `warmup` untimed ones, and the threads used. */
export function w1(steps = 200, warmup = 20): { samplesPerSec: number; msPerStep: number; threads: number } {
  const g = new Generator(0);
  const model = new Sequential(new Linear(784, 128, { generator: g }), new ReLU(), new Linear(128, 10, { generator: g }));
  const x = randn([64, 784], { generator: g });
  const y = randint(0, 10, [64], { generator: g });
  const optimizer = new Adam(model, { lr: 1e-3 });
  const step = () => {
    optimizer.zeroGrad();
    const loss = crossEntropy(model.forward(x), y);
    loss.backward();
    optimizer.step();
    return loss;
  };
  for (let i = 0; i < warmup; i++) step();
  const t = performance.now();
  for (let i = 0; i < steps; i++) step();
  const ms = (performance.now() - t) / steps;
  return { samplesPerSec: (64 * 1000) / ms, msPerStep: ms, threads: getNumThreads() };
}
