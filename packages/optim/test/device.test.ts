// The mission's training loop on a device backend (the simulated device of @tensile/tensor, whose storage is
// not a typed array and whose values leave only through asynchronous reads): the model, the optimizer state
// and every gradient live on the device, and the run gives the same bits as the JS backend, whose kernels the
// simulated device runs underneath. A WebGPU backend plugs into the same seam.
import { afterEach, describe, expect, it } from 'vitest';
import { SimBuffer, crossEntropyIndices, getBackend, manualSeed, mean, randint, randn, setBackend, simulatedDevice, type Tensor } from '@tensile/tensor';
import { Linear, ReLU, Sequential } from '@tensile/nn';
import { Adam, SGD } from '../src/index.js';

const initial = getBackend();
afterEach(() => {
  setBackend(initial);
});

/** Trains a 12-16-4 MLP for `steps` steps with `makeOpt`; returns the losses (read asynchronously) and the final weights. */
async function train(makeOpt: (m: Sequential) => { zeroGrad(): void; step(): unknown }, steps: number): Promise<{ losses: number[]; weights: number[][]; model: Sequential }> {
  manualSeed(3);
  const model = new Sequential(new Linear(12, 16), new ReLU(), new Linear(16, 4));
  const x = randn([32, 12]);
  const y = randint(0, 4, [32], { dtype: 'int32' });
  const opt = makeOpt(model);
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    const loss = mean(crossEntropyIndices(model.forward(x), y));
    loss.backward();
    opt.step();
    losses.push(await loss.itemAsync());
  }
  const weights = await Promise.all(model.parameters().map(async (p: Tensor) => Array.from(await p.toTypedArrayAsync())));
  return { losses, weights, model };
}

describe.each([
  ['Adam (the fused float32 update)', (m: Sequential) => new Adam(m, { lr: 0.01 })],
  ['SGD with momentum and weight decay', (m: Sequential) => new SGD(m, { lr: 0.1, momentum: 0.9, weightDecay: 1e-3 })],
])('%s on a device backend', (_name, makeOpt) => {
  it('trains, keeps the model on the device, and matches the JS backend bit for bit', async () => {
    setBackend('js');
    const host = await train(makeOpt, 30);
    const sim = simulatedDevice();
    setBackend(sim);
    const dev = await train(makeOpt, 30);
    for (const p of dev.model.parameters()) {
      expect(p.storage).toBeInstanceOf(SimBuffer);
      expect(p.isHost).toBe(false);
    }
    expect(dev.losses.at(-1)!).toBeLessThan(dev.losses[0]! * 0.7);
    expect(dev.losses).toEqual(host.losses);
    expect(dev.weights).toEqual(host.weights);
    // The engine returned the storage of each backward pass's temporaries to the device.
    expect(sim.stats.released).toBeGreaterThan(0);
  });
});
