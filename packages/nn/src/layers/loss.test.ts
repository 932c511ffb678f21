import { describe, expect, test } from 'vitest';
import { tensor } from '@tensile/tensor';
import { BCEWithLogitsLoss, CrossEntropyLoss, MSELoss } from './loss.js';
import { Sequential } from './container.js';

describe('loss modules', () => {
  test('class and element weights are buffers, as in PyTorch', () => {
    const ce = new CrossEntropyLoss({ weight: tensor([1, 2]) });
    expect([...ce.stateDict().keys()]).toEqual(['weight']);
    const bce = new BCEWithLogitsLoss({ posWeight: tensor([3]) });
    expect([...bce.stateDict().keys()]).toEqual(['pos_weight']);
    expect(new MSELoss().numParameters()).toBe(0);
  });

  test('the reduction is fixed at construction', () => {
    const loss = new MSELoss({ reduction: 'sum' });
    expect(loss.forward(tensor([1, 2]), tensor([0, 0])).item()).toBe(5);
    expect(new MSELoss({ reduction: 'none' }).forward(tensor([1, 2]), tensor([0, 0])).toArray()).toEqual([1, 4]);
    expect(new Sequential().toString()).toBe('Sequential()');
    expect(new CrossEntropyLoss().toString()).toBe('CrossEntropyLoss()');
  });
});
