// A 2-layer network learns a synthetic two-spirals-like task with plain tensors and autograd.
import { manualSeed, randn, rand, tensor, matmul, noGrad, logSoftmax, gather, zeros } from '@tensile/tensor';

manualSeed(0);
const n = 512;
// Points in the plane, labelled by which side of a sine curve they fall on.
const x = rand([n, 2]).mul(6).sub(3);
const xs = x.toArray();
const y = tensor(xs.map(([a, b]) => (b > Math.sin(a) ? 1 : 0)), { dtype: 'int32' });

const w1 = randn([2, 32]).mul(Math.sqrt(2 / 2)).requiresGrad_();
const b1 = zeros([32], { requiresGrad: true });
const w2 = randn([32, 2]).mul(Math.sqrt(1 / 32)).requiresGrad_();
const b2 = zeros([2], { requiresGrad: true });
const params = [w1, b1, w2, b2];
const lr = 0.5;

for (let step = 0; step <= 500; step++) {
  const h = matmul(x, w1).add(b1).tanh();
  const logits = matmul(h, w2).add(b2);
  const logp = logSoftmax(logits, 1);
  const loss = gather(logp, 1, y.reshape([n, 1])).mean().neg();
  for (const p of params) p.grad = null;
  loss.backward();
  noGrad(() => params.forEach((p) => p.sub_(p.grad, lr)));
  if (step % 50 === 0) {
    const acc = logits.argmax(1).eq(y).float().mean().item();
    console.log(`step ${String(step).padStart(3)}  loss ${loss.item().toFixed(4)}  accuracy ${(acc * 100).toFixed(1)}%`);
  }
}
