// An optimizer step writes parameters in place and bumps their versions: a step between a forward pass and
// its backward makes backward throw (PyTorch raises the same "modified by an inplace operation" error).
import { describe, expect, it } from 'vitest';
import { AutogradError, relu, tensor, type DType, type Tensor } from '@tensile/tensor';
import { Adam, SGD } from '../src/index.js';

function mlp(dtype: DType) {
  const w1 = tensor([[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]], { dtype, requiresGrad: true });
  const w2 = tensor([[0.7, -0.8, 0.9]], { dtype, requiresGrad: true });
  const params: [string, Tensor][] = [['w1', w1], ['w2', w2]];
  const forward = (x: Tensor) => relu(x.matmul(w1.t())).matmul(w2.t()).sum();
  return { w1, w2, forward, namedParameters: () => params };
}

// float64 takes each optimizer's reference update (tensor ops, the last of which is sub_), float32 its fused
// elementwise expression (elementwise_); both bump the version.
describe.each([
  ['SGD, float64 (reference)', (m: ReturnType<typeof mlp>) => new SGD(m, { lr: 0.1 }), 'float64', 'sub_'],
  ['Adam, float64 (reference)', (m: ReturnType<typeof mlp>) => new Adam(m, { lr: 0.1 }), 'float64', 'sub_'],
  ['SGD, float32 (fused)', (m: ReturnType<typeof mlp>) => new SGD(m, { lr: 0.1 }), 'float32', 'elementwise_\\(sgd\\)'],
  ['Adam, float32 (fused)', (m: ReturnType<typeof mlp>) => new Adam(m, { lr: 0.1 }), 'float32', 'elementwise_\\(adam\\)'],
] as const)('%s between forward and backward', (_name, make, dtype, lastOp) => {
  it('makes backward throw, naming the op and the versions', () => {
    const m = mlp(dtype);
    const opt = make(m);
    const x = tensor([[1, 2], [3, -1]], { dtype });
    m.forward(x).backward();
    const loss = m.forward(x); // the hidden activations need w2 (saved as its transposed view, [3, 1]) for their gradient
    opt.step();
    expect(() => loss.backward()).toThrow(AutogradError);
    expect(() => loss.backward()).toThrow(new RegExp(`a ${dtype} tensor of shape \\[3, 1\\] that matmul saved for its backward was modified in place \\(last by ${lastOp}\\): it is at version 1, but matmul saved it at version 0`));
  });

  it('the usual order (zeroGrad, forward, backward, step) never trips it', () => {
    const m = mlp(dtype);
    const opt = make(m);
    const x = tensor([[1, 2], [3, -1]], { dtype });
    for (let i = 0; i < 5; i++) {
      opt.zeroGrad();
      m.forward(x).backward();
      opt.step();
    }
    expect(m.w2.version).toBe(5); // one write of θ per step on either path
  });
});
