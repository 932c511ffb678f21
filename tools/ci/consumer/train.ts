// The consumer's program that tools/ci/packed-consumer.mjs compiles with `tsc --strict` (no skipLibCheck) and runs,
// in a fresh project that installed the packed tarballs. It is the README's training loop on synthetic data,
// written as a user of the published packages writes it, and prints one JSON line for the script to check.
import { Generator, manualSeed, rand, tensor, noGrad } from '@tensile/tensor';
import { Sequential, Linear, ReLU, crossEntropy } from '@tensile/nn';
import { Adam, StepLR } from '@tensile/optim';
import { DataLoader, TensorDataset } from '@tensile/data';

manualSeed(0);
// 512 points in the square [-3, 3]², labelled by which side of a sine curve they fall on.
const n = 512;
const x = rand([n, 2]).mul(6).sub(3);
const labels = (x.toArray() as number[][]).map(([a, b]) => (b! > Math.sin(a!) ? 1 : 0));
const y = tensor(labels, { dtype: 'int32' });

const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 64, shuffle: true, generator: new Generator(1) });
const model = new Sequential(new Linear(2, 32), new ReLU(), new Linear(32, 2));
const opt = new Adam(model.parameters(), { lr: 0.02, scheduler: new StepLR({ lr: 0.02, stepSize: 100, gamma: 0.5 }) });

/** Mean cross-entropy of the model over the whole set, without recording a graph. */
function fullLoss(): number {
  return noGrad(() => crossEntropy(model.forward(x), y).item());
}

const first = fullLoss();
for (let epoch = 0; epoch < 30; epoch++) {
  for (const [xb, yb] of loader) {
    opt.zeroGrad();
    const loss = crossEntropy(model.forward(xb), yb);
    loss.backward();
    opt.step(loss);
  }
}
const last = fullLoss();
const accuracy = noGrad(() => model.forward(x).argmax(1).eq(y).float().mean().item());
console.log(JSON.stringify({ first, last, accuracy, steps: opt.stepCount }));
