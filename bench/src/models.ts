// The Tensile side of the training workloads (W1–W4, W7): models, data and one training step.
import { manualSeed, randn, tensor, type Tensor } from '@tensile/tensor';
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential, crossEntropy, type Module } from '@tensile/nn';
import { Adam } from '@tensile/optim';

/** An MLP `sizes[0] → … → sizes[n]`, ReLU between layers, logits out. float32. */
export function mlp(sizes: readonly number[]): Sequential {
  const layers: Module<[Tensor], Tensor>[] = [];
  for (let i = 1; i < sizes.length; i++) {
    layers.push(new Linear(sizes[i - 1]!, sizes[i]!));
    if (i < sizes.length - 1) layers.push(new ReLU());
  }
  return new Sequential(...layers);
}

/** LeNet-5 on 1×28×28 (NCHW): conv 6@5×5, pool 2, conv 16@5×5, pool 2, 120, 84, 10; ReLU. */
export function leNet(): Sequential {
  return new Sequential(
    new Conv2d(1, 6, 5), new ReLU(), new MaxPool2d(2),
    new Conv2d(6, 16, 5), new ReLU(), new MaxPool2d(2),
    new Flatten(),
    new Linear(16 * 4 * 4, 120), new ReLU(),
    new Linear(120, 84), new ReLU(),
    new Linear(84, 10),
  );
}

/** Class labels 0..9 repeating, int32 `[batch]`. */
export function labels(batch: number, classes = 10): Tensor {
  return tensor(Array.from({ length: batch }, (_, i) => i % classes), { dtype: 'int32' });
}

/**
 * A full training step on a fixed batch: zeroGrad, forward, cross-entropy, backward, Adam step.
 * `inputShape` excludes the batch dimension.
 */
export function tensileTrainStep(model: Sequential, batch: number, inputShape: readonly number[], seed = 0): () => Tensor {
  manualSeed(seed);
  const x = randn([batch, ...inputShape]);
  const y = labels(batch);
  const opt = new Adam(model, { lr: 1e-3 });
  return () => {
    opt.zeroGrad();
    const loss = crossEntropy(model.forward(x), y);
    loss.backward();
    opt.step();
    return loss;
  };
}
