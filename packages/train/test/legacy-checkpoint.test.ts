// A training checkpoint of format version 1, written before state-dict keys took PyTorch's names
// (test/fixtures/legacy-v1.safetensors, made by make-legacy-checkpoint.mjs at that time), still restores:
// its `model.1.runningMean` fills the model's `1.running_mean`, and the optimizer's state is intact.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BatchNorm1d, Linear, ReLU, Sequential } from '@tensile/nn';
import { Adam } from '@tensile/optim';
import { checkpointFromBytes, checkpointToBytes, captureState, restoreState } from '../src/index.js';

const fixture = () => readFileSync(new URL('./fixtures/legacy-v1.safetensors', import.meta.url));
const build = () => new Sequential(new Linear(4, 3), new BatchNorm1d(3), new ReLU(), new Linear(3, 2));

describe('a version 1 checkpoint (Tensile field names)', () => {
  it('restores into the same model and optimizer under the PyTorch names', () => {
    const state = checkpointFromBytes(fixture(), 'legacy-v1.safetensors');
    expect(state.version).toBe(1);
    expect([...state.tensors.keys()].filter((k) => k.startsWith('model.1.'))).toEqual([
      'model.1.weight', 'model.1.bias', 'model.1.runningMean', 'model.1.runningVar', 'model.1.numBatchesTracked',
    ]);
    const model = build();
    const optimizer = new Adam(model, { lr: 0.01 });
    expect(restoreState(state, { model, optimizer })).toEqual({ step: 3, epoch: 1, extra: { note: 'legacy names' } });
    const sd = model.stateDict();
    for (const [old, now] of [['runningMean', 'running_mean'], ['runningVar', 'running_var'], ['numBatchesTracked', 'num_batches_tracked'], ['weight', 'weight']]) {
      expect(Array.from(sd.get(`1.${now}`)!.toTypedArray()), now).toEqual(Array.from(state.tensors.get(`model.1.${old}`)!.toTypedArray()));
    }
    expect(sd.get('1.num_batches_tracked')!.item()).toBe(3);
    expect(optimizer.stepCount).toBe(3);
    const mean = optimizer.stateDict().state['0.weight'] as Record<string, { toTypedArray(): ArrayLike<number> }>;
    expect(Array.from(mean.mean!.toTypedArray())).toEqual(Array.from(state.tensors.get('optimizer.0.weight.mean')!.toTypedArray()));
    // Saved again, it is a version 2 file with PyTorch's names.
    const again = checkpointFromBytes(checkpointToBytes(captureState({ model, optimizer })));
    expect(again.version).toBe(2);
    expect(again.tensors.has('model.1.running_mean') && !again.tensors.has('model.1.runningMean')).toBe(true);
  });
});
