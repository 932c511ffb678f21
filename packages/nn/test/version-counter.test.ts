// loadStateDict writes parameters in place, so it bumps their versions: loading between a forward pass and
// its backward makes backward throw instead of returning gradients for weights the pass never used.
import { describe, expect, it } from 'vitest';
import { AutogradError, tensor } from '@tensile/tensor';
import { Linear, ReLU, Sequential } from '../src/index.js';

describe('version counters through nn', () => {
  it('loadStateDict between forward and backward makes backward throw, naming the op', () => {
    const model = new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 2));
    const other = new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 2));
    const x = tensor([[1, 2, 3], [-1, 0.5, 2]]);
    const loss = model.forward(x).sum();
    const before = model.stateDict().get('2.weight')!.version;
    model.loadStateDict(other.stateDict());
    expect(model.stateDict().get('2.weight')!.version).toBe(before + 1);
    expect(() => loss.backward()).toThrow(AutogradError);
    expect(() => loss.backward()).toThrow(/a float32 tensor of shape \[4, 2\] that addmm saved for its backward was modified in place \(last by copy_\)/);
  });

  it('a load after backward is fine, and the next pass uses the loaded weights', () => {
    const model = new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 2));
    const other = new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 2));
    const x = tensor([[1, 2, 3]]);
    model.forward(x).sum().backward();
    model.loadStateDict(other.stateDict());
    expect(model.forward(x).toArray()).toEqual(other.forward(x).toArray());
  });
});
