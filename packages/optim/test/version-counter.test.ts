// An optimizer step writes parameters in place and bumps their versions: a step between a forward pass and
// its backward makes backward throw (PyTorch raises the same "modified by an inplace operation" error).
import { describe, expect, it } from 'vitest';
import { AutogradError, relu, tensor, type Tensor } from '@tensile/tensor';
import { Adam, SGD } from '../src/index.js';

function mlp() {
  const w1 = tensor([[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]], { dtype: 'float64', requiresGrad: true });
  const w2 = tensor([[0.7, -0.8, 0.9]], { dtype: 'float64', requiresGrad: true });
  const params: [string, Tensor][] = [['w1', w1], ['w2', w2]];
  const forward = (x: Tensor) => relu(x.matmul(w1.t())).matmul(w2.t()).sum();
  return { w1, w2, forward, namedParameters: () => params };
}

describe.each([
  ['SGD (fused)', (m: ReturnType<typeof mlp>) => new SGD(m, { lr: 0.1 })],
  ['Adam (fused)', (m: ReturnType<typeof mlp>) => new Adam(m, { lr: 0.1 })],
])('%s between forward and backward', (_name, make) => {
  it('makes backward throw, naming the op and the versions', () => {
    const m = mlp();
    const opt = make(m);
    const x = tensor([[1, 2], [3, -1]], { dtype: 'float64' });
    m.forward(x).backward();
    const loss = m.forward(x); // the hidden activations need w2 (saved as its transposed view, [3, 1]) for their gradient
    opt.step();
    expect(() => loss.backward()).toThrow(AutogradError);
    expect(() => loss.backward()).toThrow(/a float64 tensor of shape \[3, 1\] that matmul saved for its backward was modified in place \(last by fusedUpdate_\(\w+\)\): it is at version 1, but matmul saved it at version 0/);
  });

  it('the usual order (zeroGrad, forward, backward, step) never trips it', () => {
    const m = mlp();
    const opt = make(m);
    const x = tensor([[1, 2], [3, -1]], { dtype: 'float64' });
    for (let i = 0; i < 5; i++) {
      opt.zeroGrad();
      m.forward(x).backward();
      opt.step();
    }
    expect(m.w2.version).toBe(5);
  });
});
