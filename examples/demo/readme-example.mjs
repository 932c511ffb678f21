// The training loop shown in the root README, run as it is written there.
import { DataLoader } from '@tensile/data';
import { mnist } from '@tensile/data/node';
import { Sequential, Linear, ReLU, crossEntropy } from '@tensile/nn';
import { Adam } from '@tensile/optim';

const { train } = await mnist({ flatten: true });
const loader = new DataLoader(train, { batchSize: 64, shuffle: true });
const model = new Sequential(new Linear(784, 128), new ReLU(), new Linear(128, 10));
const opt = new Adam(model.parameters(), { lr: 1e-3 });
for (let epoch = 1; epoch <= 2; epoch++) {
  let total = 0;
  let batches = 0;
  for (const [x, y] of loader) {
    opt.zeroGrad();
    const loss = crossEntropy(model.forward(x), y);
    loss.backward();
    opt.step();
    total += loss.item();
    batches++;
  }
  console.log(`epoch ${epoch}: mean loss ${(total / batches).toFixed(4)}`);
}
